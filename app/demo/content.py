"""What the demo community says: titles and bodies of its contributions, by domain and
kind. Each entry is (topic, title, body, tags); the topic decides who is likely to answer
or reply (the pain circle answers pain questions, wound care answers wound questions)."""

from dataclasses import dataclass

Entry = tuple[str, str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Repertoire:
    themes: dict[str, str]  # topic -> the domain theme it files under ("" for none)
    questions: tuple[Entry, ...]
    stories: tuple[Entry, ...]
    lessons: tuple[Entry, ...]
    practices: tuple[Entry, ...]
    successes: tuple[Entry, ...]
    challenges: tuple[Entry, ...]
    resources: tuple[tuple[str, str, str, str, tuple[str, ...]], ...]  # + url
    answers: dict[str, tuple[str, ...]]  # topic -> bodies
    replies: tuple[str, ...]


NURSES = Repertoire(
    themes={
        "pain": "pain management",
        "family": "family conversations",
        "self": "self-care",
        "plans": "care plans",
        "symptoms": "symptom control",
        "wounds": "symptom control",
    },
    questions=(
        (
            "family",
            "How do you open a conversation about stopping treatment?",
            "A family keeps asking for *one more* round. What words have worked for you?",
            ("end of treatment",),
        ),
        (
            "pain",
            "Breakthrough doses: how often before you call the doctor?",
            "Our policy says three in 24 hours, but nights are different.",
            ("opioids",),
        ),
        (
            "symptoms",
            "Terminal agitation that midazolam does not touch",
            "Second night running. What else have you tried before sedation?",
            ("agitation",),
        ),
        (
            "family",
            "What do you say when a child asks if grandad is dying?",
            "A seven-year-old asked me straight out on a home visit.",
            ("children",),
        ),
        (
            "wounds",
            "Malodorous fungating wound: what actually helps at home?",
            "Charcoal dressings are not enough and the family is distressed.",
            ("odour",),
        ),
        (
            "plans",
            "Who writes the advance care plan when the GP never visits?",
            "In our area it falls between services.",
            ("advance care planning",),
        ),
        (
            "pain",
            "Converting oral morphine to a syringe driver: do you round down?",
            "Our pharmacist and our consultant disagree.",
            ("syringe drivers",),
        ),
        (
            "self",
            "How do you switch off after a death on a late shift?",
            "I drive home still running through what I could have done.",
            ("grief",),
        ),
        (
            "symptoms",
            "Breathlessness at night without oxygen",
            "The patient refuses the mask. Fans, positioning, what else?",
            ("breathlessness",),
        ),
        (
            "family",
            "Relatives who want us to hide the prognosis from the patient",
            "Culturally important to them; the patient keeps asking me.",
            ("truth telling",),
        ),
        (
            "pain",
            "Pain scores in people with dementia",
            "PAINAD or Abbey? Which one do your teams really use?",
            ("dementia",),
        ),
        (
            "plans",
            "Anticipatory medicines: who checks the expiry dates at home?",
            "We found expired vials twice this month.",
            ("just in case",),
        ),
        (
            "wounds",
            "Pressure ulcers in the last days: turn or leave?",
            "Turning causes pain; not turning causes guilt.",
            ("pressure ulcers",),
        ),
        (
            "symptoms",
            "Mouth care for unconscious patients",
            "Families ask what they can do. Sponges, gels?",
            ("mouth care",),
        ),
        (
            "family",
            "Family meeting with two siblings who do not speak to each other",
            "Any structure that kept things calm?",
            ("family meetings",),
        ),
        (
            "self",
            "Supervision for nurses: how often do you get it?",
            "We are offered it quarterly and nobody goes.",
            ("supervision",),
        ),
        (
            "pain",
            "Methadone for neuropathic cancer pain: anyone using it?",
            "Our team is considering it; nurses are nervous.",
            ("opioids",),
        ),
        (
            "plans",
            "Preferred place of death changed at the last minute",
            "How do you document it so the out-of-hours team knows?",
            ("documentation",),
        ),
        (
            "symptoms",
            "Nausea that no antiemetic helps",
            "Cyclizine, haloperidol, levomepromazine. What next?",
            ("nausea",),
        ),
        (
            "family",
            "Talking about food and fluids at the end of life",
            "The daughter thinks we are starving her mother.",
            ("nutrition",),
        ),
        (
            "wounds",
            "Bleeding wound: dark towels and what else?",
            "We prepare for a catastrophic bleed. How do you brief the family?",
            ("bleeding",),
        ),
        (
            "pain",
            "Patches in a febrile patient",
            "Fentanyl absorption goes up with fever. Do you change the dose?",
            ("patches",),
        ),
        (
            "self",
            "Moral distress when a treatment feels futile",
            "How does your team talk about it without blaming anyone?",
            ("moral distress",),
        ),
        (
            "plans",
            "Shared care plan template for home and hospice?",
            "We keep retyping the same information.",
            ("templates",),
        ),
        (
            "symptoms",
            "Death rattle: glycopyrronium early or wait?",
            "Families find the sound hard even when we explain.",
            ("secretions",),
        ),
        (
            "family",
            "When the family asks you to be there at the end",
            "How do you handle it when it is not your shift?",
            ("boundaries",),
        ),
        (
            "pain",
            "Non-drug pain relief that nurses can start themselves",
            "Heat, positioning, music: what do you trust?",
            ("non-pharmacological",),
        ),
        (
            "plans",
            "Handover tool for the last days of life",
            "What must the night nurse know at a glance?",
            ("handover",),
        ),
        (
            "symptoms",
            "Itch in cholestasis at the end of life",
            "Nothing seems to touch it.",
            ("itch",),
        ),
        (
            "self",
            "Starting a debrief after difficult deaths",
            "Ten minutes, standing, once a week: has anyone made it stick?",
            ("debriefs",),
        ),
        (
            "family",
            "Explaining a DNACPR decision to a family that disagrees",
            "The family heard 'we are giving up'.",
            ("dnacpr",),
        ),
        (
            "pain",
            "Ketamine for refractory pain on a general ward",
            "Who monitors it overnight?",
            ("ketamine",),
        ),
    ),
    stories=(
        (
            "family",
            "The night shift that changed my practice",
            "A patient asked me to read her the letter from her son...",
            (),
        ),
        (
            "family",
            "A wedding on the ward",
            "We moved the beds and the chaplain came at six in the morning.",
            (),
        ),
        (
            "pain",
            "When the driver alarmed at 3 a.m.",
            "What I learned about checking lines at the start of a shift.",
            ("syringe drivers",),
        ),
        (
            "self",
            "The patient who looked after me",
            "He asked how I was, every day, until the day he could not speak.",
            (),
        ),
        (
            "symptoms",
            "A quiet death at home",
            "The family did the mouth care themselves; we only guided.",
            ("mouth care",),
        ),
        (
            "family",
            "Grandchildren drawing on the plaster cast",
            "Letting the children in changed the mood of the whole room.",
            ("children",),
        ),
        (
            "pain",
            "Finding the pain behind 'I'm fine'",
            "She never scored above two. Her hands told another story.",
            ("dementia",),
        ),
        (
            "wounds",
            "A dressing the family could do",
            "Teaching a husband to change the dressing gave him a role.",
            (),
        ),
        (
            "plans",
            "The care plan that travelled with her",
            "Ambulance, A&E and the hospice all read the same page.",
            ("advance care planning",),
        ),
        (
            "self",
            "My first death as a newly qualified nurse",
            "What my mentor said afterwards still helps me.",
            ("grief",),
        ),
        (
            "family",
            "Two brothers, one bedside",
            "They had not spoken in twenty years. We found them a shared job.",
            ("family meetings",),
        ),
        (
            "symptoms",
            "A fan and an open window",
            "Sometimes the simplest thing works best for breathlessness.",
            ("breathlessness",),
        ),
    ),
    lessons=(
        (
            "pain",
            "Pain scores lie when patients want to go home",
            "We learned to ask about function, not numbers.",
            (),
        ),
        (
            "plans",
            "Write the plan for the night nurse, not the consultant",
            "Short, concrete, with the phone numbers.",
            ("handover",),
        ),
        (
            "family",
            "Silence is an intervention",
            "Counting to ten before answering changed our family meetings.",
            (),
        ),
        (
            "symptoms",
            "Check the mouth before the medicines",
            "Half our 'nausea' turned out to be oral thrush.",
            ("nausea", "mouth care"),
        ),
        (
            "self",
            "Debriefs work when they are short and regular",
            "Ten minutes every Friday beats an hour after a crisis.",
            ("debriefs",),
        ),
        (
            "pain",
            "Titrate with the patient, not the chart",
            "Ask what a good day would look like, then dose for it.",
            ("opioids",),
        ),
        ("family", "Name the dying", "Families cope better when someone says the word.", ()),
        (
            "plans",
            "Anticipatory medicines need a named checker",
            "Nobody's job is everybody's job.",
            ("just in case",),
        ),
        (
            "wounds",
            "Odour control is dignity",
            "Treat the smell as seriously as the pain.",
            ("odour",),
        ),
        (
            "symptoms",
            "Explain the rattle before it starts",
            "Families who were told beforehand found it far less distressing.",
            ("secretions",),
        ),
    ),
    practices=(
        (
            "family",
            "Two-minute huddle before every family meeting",
            "Agree on one message and who says it.",
            ("family meetings",),
        ),
        (
            "plans",
            "The one-page last-days handover",
            "Symptoms, medicines, wishes, who to call: one page, on the door.",
            ("handover",),
        ),
        (
            "self",
            "Friday ten-minute debrief",
            "Standing, in the staff room, three questions, no minutes.",
            ("debriefs",),
        ),
        (
            "pain",
            "Breakthrough dose review at every handover",
            "Count the doses aloud; more than three triggers a call.",
            ("opioids",),
        ),
        (
            "symptoms",
            "Mouth care kit at every bedside",
            "Sponges, gel, lip balm, and a card for families.",
            ("mouth care",),
        ),
        (
            "family",
            "Ask-tell-ask for bad news",
            "Ask what they know, tell in small pieces, ask what they understood.",
            (),
        ),
        (
            "plans",
            "Expiry check of just-in-case boxes on the weekly visit",
            "A sticker on the box with the next check date.",
            ("just in case",),
        ),
        (
            "wounds",
            "Dark towels and a plan for a major bleed",
            "Briefed, rehearsed, written in the notes.",
            ("bleeding",),
        ),
    ),
    successes=(
        (
            "plans",
            "Our ward cut weekend crisis calls in half",
            "After three months of using the family meeting template.",
            ("templates",),
        ),
        (
            "self",
            "Everyone in the team took their supervision this quarter",
            "We booked it into the rota instead of offering it.",
            ("supervision",),
        ),
        (
            "pain",
            "No missed breakthrough doses for a month",
            "The handover count works.",
            ("opioids",),
        ),
        (
            "symptoms",
            "Mouth care audit: from 40% to 95%",
            "The bedside kits did it.",
            ("mouth care",),
        ),
        (
            "family",
            "Families rate our meetings 'very helpful'",
            "Feedback cards after the huddle was introduced.",
            ("family meetings",),
        ),
        (
            "plans",
            "The out-of-hours team now reads our plans",
            "A shared template and one phone call did it.",
            ("advance care planning",),
        ),
    ),
    challenges=(
        (
            "self",
            "Supporting staff after several deaths in one week",
            "How do other teams make room for grief?",
            ("grief",),
        ),
        (
            "plans",
            "Care plans stuck in three different systems",
            "Hospice, GP and hospital do not talk to each other.",
            ("documentation",),
        ),
        (
            "pain",
            "Night staff unsure about syringe driver changes",
            "Confidence drops when the specialist team goes home.",
            ("syringe drivers",),
        ),
        (
            "family",
            "No interpreter at short notice",
            "Families end up interpreting bad news for each other.",
            ("interpreters",),
        ),
        (
            "self",
            "Agency nurses miss our debriefs",
            "They carry the same deaths home with nobody to talk to.",
            ("debriefs",),
        ),
        (
            "symptoms",
            "Rural patients wait hours for a visit",
            "Symptoms get out of hand before anyone arrives.",
            ("rural",),
        ),
    ),
    resources=(
        (
            "plans",
            "Family meeting template",
            "A one-page structure for the first family meeting.",
            "https://example.org/family-meeting-template",
            ("templates",),
        ),
        (
            "pain",
            "Opioid conversion chart (pocket card)",
            "The chart our pharmacists agreed, with worked examples.",
            "https://example.org/opioid-conversion-card",
            ("opioids",),
        ),
        (
            "symptoms",
            "Mouth care leaflet for families",
            "Plain words and pictures; printable.",
            "https://example.org/mouth-care-leaflet",
            ("mouth care",),
        ),
        (
            "family",
            "Talking with children about dying: a short guide",
            "What to say at each age, with phrases that worked.",
            "https://example.org/children-and-dying",
            ("children",),
        ),
        (
            "self",
            "Debrief cards",
            "Three questions on a card for the ten-minute debrief.",
            "https://example.org/debrief-cards",
            ("debriefs",),
        ),
        (
            "plans",
            "Last days of life handover sheet",
            "The one-page sheet, editable.",
            "https://example.org/last-days-handover",
            ("handover",),
        ),
        (
            "pain",
            "Syringe driver troubleshooting flowchart",
            "What to check, in order, when it alarms.",
            "https://example.org/syringe-driver-flowchart",
            ("syringe drivers",),
        ),
        (
            "symptoms",
            "Breathlessness self-management plan",
            "Fan, positioning, breathing exercises: a plan patients keep.",
            "https://example.org/breathlessness-plan",
            ("breathlessness",),
        ),
        (
            "family",
            "Ask-tell-ask practice scenarios",
            "Six role-play scenarios for team training.",
            "https://example.org/ask-tell-ask",
            (),
        ),
        (
            "wounds",
            "Palliative wound care quick reference",
            "Odour, exudate, bleeding and pain at a glance.",
            "https://example.org/palliative-wounds",
            ("odour",),
        ),
    ),
    answers={
        "pain": (
            "We review at every handover and call after the third dose; nights included.",
            "Round down and review in 24 hours; the driver gives steadier levels than "
            "oral doses, so most patients need less than the straight conversion.",
            "PAINAD in our care homes: quick, and the night staff actually complete it.",
            "Ask the pharmacist to write the conversion in the notes; it settles the argument.",
            "Heat packs and repositioning before the next dose; it often buys an hour.",
            "Yes, with a specialist prescribing and daily review in the first week.",
            "Watch the patches in fever: we switch to a driver if the temperature stays up.",
            "Start low, go slow, and ask the patient what a good day looks like.",
        ),
        "family": (
            "I start with what they hope for, then what they fear. Practising the "
            "'ask-tell-ask' pattern with a colleague first helps.",
            "Children cope with the truth better than with whispers. Use the word 'dying'.",
            "Give the siblings separate jobs; one speaks to the doctor, one to the relatives.",
            "We explain that not eating is part of dying, not the cause of it.",
            "Say what we will keep doing, not only what we will stop.",
            "Ask the patient what they want to know; families usually accept their answer.",
            "A short huddle first: one message, one person saying it.",
        ),
        "symptoms": (
            "Levomepromazine at night settled it for us; check for constipation first.",
            "A handheld fan on the face and sitting upright helped more than oxygen.",
            "Treat thrush first; half our nausea turned out to be oral.",
            "Explain the sound before it starts; glycopyrronium early if it distresses them.",
            "Sponges with water or the patient's favourite drink, and lip balm every hour.",
            "Rule out urinary retention before you add more sedation.",
            "Cooling gel and loose cotton clothes helped a little with the itch.",
        ),
        "plans": (
            "Our shared template lives with the patient; everyone signs the same page.",
            "The community nurse owns it and the GP countersigns at the next visit.",
            "Sticker on the box with the next check date; checked at every weekly visit.",
            "Write it for the night nurse: short, concrete, with the phone numbers.",
            "Phone the out-of-hours team and record that you did.",
        ),
        "self": (
            "Ten minutes standing, every Friday, three questions. It stuck because it is short.",
            "I sit in the car for five minutes before I drive home and name three things.",
            "Book supervision into the rota; offered means optional, booked means it happens.",
            "We talk about the decision, not the person who made it.",
        ),
        "wounds": (
            "Metronidazole gel on the wound bed and charcoal on top; changed daily.",
            "Dark towels, a plan in the notes, and we brief the family gently in advance.",
            "We stop routine turning in the last days if it hurts; comfort first.",
            "Ask the tissue viability nurse; they have dressings we never see.",
        ),
    },
    replies=(
        "Thank you for sharing this.",
        "This is so close to what happened on our ward last month.",
        "We tried something similar and it worked for us too.",
        "Can I use this in our next team meeting?",
        "I would love to hear how it goes.",
        "That huddle idea is going on our board tomorrow.",
        "Same here; we are still working it out.",
        "This made me cry a little. Thank you.",
        "Did the family give feedback afterwards?",
        "Our educator asked if she can quote this.",
    ),
)


CIRCLE = Repertoire(
    themes={"pain": "pain management", "opioids": "opioids", "other": ""},
    questions=(
        (
            "opioids",
            "A case: rising doses and no relief",
            "Patient on 120 mg oral morphine equivalent, still 8/10. Opioid-induced hyperalgesia?",
            ("hyperalgesia",),
        ),
        (
            "pain",
            "Nerve block or not for a pancreatic cancer patient?",
            "The family wants it; the patient is frail.",
            ("nerve blocks",),
        ),
        (
            "opioids",
            "Switching from oxycodone to methadone: how did you monitor?",
            "Worried about the long half-life at home.",
            ("methadone",),
        ),
        (
            "pain",
            "Bone pain in the last weeks",
            "Single-fraction radiotherapy or just more opioid?",
            ("bone pain",),
        ),
        (
            "pain",
            "Pain in a child who cannot say where it hurts",
            "Any scale that worked for you with toddlers?",
            ("children",),
        ),
        (
            "opioids",
            "Renal failure and opioids",
            "Which one do you trust when eGFR is under 15?",
            ("renal",),
        ),
        (
            "pain",
            "Spiritual pain that looks like physical pain",
            "How do you tell the difference on a night shift?",
            ("total pain",),
        ),
        (
            "opioids",
            "Constipation plan that families can follow",
            "We keep missing it until day three.",
            ("constipation",),
        ),
    ),
    stories=(
        (
            "pain",
            "The morphine I nearly did not give",
            "A story about listening to a patient over the chart.",
            (),
        ),
        (
            "opioids",
            "How we got methadone right at home",
            "Three weeks, daily calls, one very patient pharmacist.",
            ("methadone",),
        ),
        (
            "pain",
            "Total pain, named at last",
            "What changed when we asked about her son instead of her scores.",
            ("total pain",),
        ),
        (
            "pain",
            "A child's drawing of where it hurt",
            "The drawing did what no scale could.",
            ("children",),
        ),
        (
            "opioids",
            "When the family feared addiction",
            "Talking it through at the kitchen table.",
            (),
        ),
        (
            "pain",
            "The night the nerve block worked",
            "First full sleep in three weeks, for him and for his wife.",
            ("nerve blocks",),
        ),
    ),
    lessons=(
        (
            "opioids",
            "Constipation starts on day one",
            "Prescribe the laxative with the first opioid dose, always.",
            ("constipation",),
        ),
        (
            "pain",
            "Ask about total pain on day one",
            "Physical, emotional, social and spiritual: one question each.",
            ("total pain",),
        ),
        (
            "opioids",
            "In renal failure, the drug matters more than the dose",
            "Alfentanil and fentanyl; avoid morphine metabolites.",
            ("renal",),
        ),
        (
            "pain",
            "Draw it with children",
            "A body outline and crayons beat every scale we tried.",
            ("children",),
        ),
    ),
    practices=(
        (
            "opioids",
            "The daily opioid call for the first week at home",
            "Five minutes, same time, same nurse.",
            ("methadone",),
        ),
        (
            "pain",
            "Total pain check on admission",
            "Four questions on the admission sheet.",
            ("total pain",),
        ),
        (
            "opioids",
            "Laxative with the first opioid, no exceptions",
            "Written into the standing orders.",
            ("constipation",),
        ),
    ),
    successes=(
        (
            "opioids",
            "Zero opioid constipation admissions this quarter",
            "The standing order worked.",
            ("constipation",),
        ),
        (
            "pain",
            "The total pain question is on every admission sheet now",
            "Adopted by the whole hospice.",
            ("total pain",),
        ),
    ),
    challenges=(
        (
            "pain",
            "Access to nerve blocks outside the city",
            "Our rural patients wait weeks.",
            ("nerve blocks",),
        ),
        (
            "opioids",
            "Pharmacies without stock on Friday evenings",
            "Families drive from one to the next.",
            (),
        ),
        (
            "pain",
            "Holding our own distress when pain is not controlled",
            "How do we look after ourselves in these cases?",
            (),
        ),
    ),
    resources=(
        (
            "opioids",
            "Renal opioid guide",
            "Our one-page guide for eGFR under 30.",
            "https://example.org/renal-opioids",
            ("renal",),
        ),
        (
            "pain",
            "Total pain admission questions",
            "The four questions, printable.",
            "https://example.org/total-pain-questions",
            ("total pain",),
        ),
        (
            "opioids",
            "Methadone switch protocol (community)",
            "Our agreed protocol.",
            "https://example.org/methadone-switch",
            ("methadone",),
        ),
    ),
    answers={
        "pain": (
            "Single-fraction radiotherapy gave ours two good weeks; worth asking.",
            "The FLACC scale with the parents' help worked best for us.",
            "Ask about her worries before you reach for the next dose.",
            "If the block is an option, ask the patient, not the family, what they want.",
        ),
        "opioids": (
            "Yes, suspect hyperalgesia: reduce, rotate, and add a co-analgesic.",
            "Daily calls for a week and a pharmacist on speed dial.",
            "Alfentanil in the driver; fentanyl patches once stable.",
            "Laxative from the first dose, and a stool chart families can fill in.",
        ),
        "other": ("Let's bring this to the next circle.",),
    },
    replies=(
        "Thank you, this helps with a patient I have right now.",
        "I have had exactly this case.",
        "Can we take this to the next circle?",
        "Good to know I am not the only one.",
        "We changed our practice after a case like this.",
        "Thank you for being so honest.",
        "This circle is the only place I can say this.",
        "Sending you strength for this one.",
    ),
)


WOUNDS = Repertoire(
    themes={"wounds": "malignant wounds", "pressure": "pressure ulcers", "other": ""},
    questions=(
        (
            "wounds",
            "Exudate soaking through every dressing",
            "Changing three times a day. Superabsorbers?",
            ("exudate",),
        ),
        (
            "pressure",
            "Pressure ulcer in a patient who cannot be turned",
            "Pain on every turn; what are the options?",
            ("positioning",),
        ),
        (
            "wounds",
            "Topical morphine on painful wounds: does it work?",
            "Heard about it at a conference.",
            ("wound pain",),
        ),
        (
            "wounds",
            "Odour in a care home room",
            "Staff and visitors struggle. Beyond charcoal?",
            ("odour",),
        ),
        (
            "pressure",
            "Documenting unavoidable pressure damage",
            "How do you record it so it is not counted as neglect?",
            ("documentation",),
        ),
        ("wounds", "Fistula management at home", "Stoma bags do not fit. Ideas?", ("fistulas",)),
        (
            "pressure",
            "Which mattress for the last days?",
            "Air mattresses are noisy and some patients hate them.",
            ("mattresses",),
        ),
    ),
    stories=(
        (
            "wounds",
            "The dressing that let her go to her granddaughter's wedding",
            "Two hours without leaks, planned like a military operation.",
            (),
        ),
        (
            "pressure",
            "When we stopped turning",
            "A family's relief when comfort came first.",
            ("positioning",),
        ),
        (
            "wounds",
            "A husband who learned the dressing",
            "He was proud to do it; she was glad it was him.",
            (),
        ),
    ),
    lessons=(
        (
            "wounds",
            "Treat the odour, not just the wound",
            "Metronidazole gel changed the whole room.",
            ("odour",),
        ),
        (
            "pressure",
            "Comfort beats the turning chart in the last days",
            "Document the decision, then stop.",
            ("positioning",),
        ),
        (
            "wounds",
            "Superabsorbent pads under a simple contact layer",
            "Fewer changes, less pain.",
            ("exudate",),
        ),
    ),
    practices=(
        (
            "wounds",
            "Odour plan on the first visit",
            "Gel, charcoal, room and family, agreed on day one.",
            ("odour",),
        ),
        (
            "pressure",
            "Unavoidable pressure damage note",
            "A short template that says what was decided and why.",
            ("documentation",),
        ),
    ),
    successes=(
        (
            "wounds",
            "No more three-times-a-day dressing changes",
            "Superabsorbers cut it to once a day for four patients.",
            ("exudate",),
        ),
    ),
    challenges=(
        (
            "wounds",
            "Specialist dressings not on the community formulary",
            "We wait weeks for approval.",
            (),
        ),
        (
            "pressure",
            "Families feel guilty when turning stops",
            "How do you explain it?",
            ("positioning",),
        ),
    ),
    resources=(
        (
            "wounds",
            "Malignant wound dressing selector",
            "What to use for what, one page.",
            "https://example.org/wound-dressing-selector",
            ("exudate",),
        ),
        (
            "pressure",
            "Unavoidable pressure damage template",
            "Editable template.",
            "https://example.org/pressure-damage-template",
            ("documentation",),
        ),
        (
            "wounds",
            "Odour management in care homes",
            "A short guide for care staff.",
            "https://example.org/wound-odour-care-homes",
            ("odour",),
        ),
    ),
    answers={
        "wounds": (
            "Superabsorbers under a silicone contact layer: once a day for us.",
            "Topical morphine in gel helped two of our patients; ask the pharmacist.",
            "Metronidazole gel plus charcoal, and an open window.",
            "A wound manager bag with a cut-to-fit opening worked for the fistula.",
        ),
        "pressure": (
            "We record it as unavoidable with the reason and the patient's wishes.",
            "Comfort first: document the decision to stop turning.",
            "A static foam overlay is quieter; some patients prefer it.",
        ),
        "other": ("Let's discuss it at the next round.",),
    },
    replies=(
        "Thank you, trying this tomorrow.",
        "We had the same problem.",
        "Could you share a photo of the set-up (no patient details)?",
        "Really useful.",
    ),
)


OPEN_DATA = Repertoire(
    themes={
        "quality": "data quality",
        "licensing": "licensing",
        "publishing": "publishing",
        "privacy": "",
        "apis": "",
        "geo": "",
        "health": "",
    },
    questions=(
        (
            "licensing",
            "CC BY or OGL for a council dataset?",
            "Legal says either; which do reusers prefer?",
            ("licences",),
        ),
        (
            "quality",
            "How do you flag known errors in a published CSV?",
            "Republish or add an errata file?",
            ("errata",),
        ),
        (
            "publishing",
            "Schema for weekly hospice bed availability",
            "Is there a standard we can follow?",
            ("schemas", "health"),
        ),
        (
            "privacy",
            "Small numbers in health data: suppress or round?",
            "Counts under 5 in some wards.",
            ("disclosure control",),
        ),
        (
            "apis",
            "Rate limits on a public API: what is fair?",
            "A reuser scrapes everything every hour.",
            ("rate limits",),
        ),
        (
            "geo",
            "Which boundary set for ward-level maps?",
            "Boundaries changed last year.",
            ("boundaries",),
        ),
        (
            "publishing",
            "Versioning datasets that get revised",
            "Keep every version or only the latest?",
            ("versioning",),
        ),
        (
            "quality",
            "Dates in three different formats",
            "Clean before publishing or publish raw?",
            ("dates",),
        ),
        (
            "licensing",
            "Can we republish data from a supplier's system?",
            "The contract is unclear.",
            ("contracts",),
        ),
        (
            "health",
            "Publishing audit data from palliative care services",
            "Where do you start without identifying anyone?",
            ("audit", "health"),
        ),
        ("apis", "CSV downloads or an API first?", "Small team, one developer.", ("csv",)),
        (
            "privacy",
            "Free-text fields in published data",
            "Someone found a name in a comments column.",
            ("free text",),
        ),
        (
            "publishing",
            "Metadata that people actually read",
            "Our README files go unread.",
            ("metadata",),
        ),
        (
            "geo",
            "Geocoding addresses at scale",
            "Free options that are good enough?",
            ("geocoding",),
        ),
        (
            "quality",
            "Measuring data quality for a dashboard",
            "Which dimensions do you report?",
            ("dashboards",),
        ),
        (
            "health",
            "Linking bed data with ambulance handovers",
            "Has anyone tried this?",
            ("health", "linkage"),
        ),
        (
            "licensing",
            "Attribution when data is combined from 40 sources",
            "One line or forty?",
            ("attribution",),
        ),
        (
            "apis",
            "Pagination: cursors or page numbers?",
            "Our reusers ask for both.",
            ("pagination",),
        ),
        (
            "publishing",
            "Publishing on a schedule vs when ready",
            "Users want predictability; we want accuracy.",
            ("release calendar",),
        ),
        (
            "privacy",
            "Consent for publishing patient-reported outcomes",
            "What wording did your ethics board accept?",
            ("consent", "health"),
        ),
        (
            "quality",
            "Duplicate records across two systems",
            "Matching without a shared identifier.",
            ("deduplication",),
        ),
        (
            "geo",
            "Publishing points of interest without exact addresses",
            "Hospices do not want to be found by everyone.",
            ("location privacy",),
        ),
    ),
    stories=(
        (
            "publishing",
            "Our first open dataset had 40 downloads and one angry email",
            "The email was the most useful feedback we got all year.",
            (),
        ),
        (
            "health",
            "What happened when we published bed availability",
            "A journalist, a charity and a GP practice all used it within a week.",
            ("health",),
        ),
        (
            "quality",
            "The column nobody understood",
            "It turned out to mean three things in three regions.",
            (),
        ),
    ),
    lessons=(
        (
            "publishing",
            "Publish the data dictionary first",
            "Reusers read it before they open the data.",
            ("metadata",),
        ),
        (
            "privacy",
            "Free text never goes out unreviewed",
            "We now drop or review every free-text column.",
            ("free text",),
        ),
        (
            "quality",
            "Errata beat silent fixes",
            "Trust went up when we listed our mistakes.",
            ("errata",),
        ),
        ("apis", "Bulk download first, API later", "Most reusers wanted the whole file.", ("csv",)),
    ),
    practices=(
        (
            "publishing",
            "Release calendar on the portal's front page",
            "Dates for the next three releases, always.",
            ("release calendar",),
        ),
        (
            "quality",
            "A 'known issues' section in every README",
            "Short, dated, honest.",
            ("errata",),
        ),
    ),
    successes=(
        (
            "health",
            "Palliative care audit data published, no one identifiable",
            "Six months of work with the hospice nurses' help.",
            ("audit", "health"),
        ),
        (
            "licensing",
            "One licence across all our datasets",
            "Took a year; reusers noticed at once.",
            ("licences",),
        ),
    ),
    challenges=(
        (
            "publishing",
            "No budget for maintaining what we published",
            "Datasets go stale after the project ends.",
            (),
        ),
        (
            "privacy",
            "Legal says no, users say yes",
            "Stuck between disclosure rules and reuse.",
            ("disclosure control",),
        ),
        (
            "quality",
            "Suppliers change formats without notice",
            "Every quarter something breaks.",
            (),
        ),
    ),
    resources=(
        (
            "publishing",
            "Open data publishing checklist",
            "Twenty checks before you publish.",
            "https://example.org/open-data-checklist",
            ("checklists",),
        ),
        (
            "privacy",
            "Statistical disclosure control primer",
            "Rounding, suppression, perturbation.",
            "https://example.org/sdc-primer",
            ("disclosure control",),
        ),
        (
            "licensing",
            "Licence chooser for public bodies",
            "A short decision tree.",
            "https://example.org/licence-chooser",
            ("licences",),
        ),
        (
            "apis",
            "Cursor pagination explained",
            "With examples in three languages.",
            "https://example.org/cursor-pagination",
            ("pagination",),
        ),
        (
            "geo",
            "Boundary sets and when they change",
            "A calendar of boundary changes.",
            "https://example.org/boundary-calendar",
            ("boundaries",),
        ),
        (
            "health",
            "Health data publishing guide",
            "What to check before publishing health data.",
            "https://example.org/health-data-guide",
            ("health",),
        ),
        (
            "quality",
            "Data quality dimensions cheat sheet",
            "Completeness, validity, timeliness...",
            "https://example.org/dq-dimensions",
            ("dashboards",),
        ),
        (
            "publishing",
            "README template for datasets",
            "Fill in the blanks.",
            "https://example.org/dataset-readme",
            ("metadata",),
        ),
    ),
    answers={
        "licensing": (
            "CC BY 4.0: reusers outside government know it.",
            "List the sources in a file and give one attribution line.",
            "Ask the supplier in writing; silence is not a licence.",
        ),
        "quality": (
            "Errata file plus a dated note in the README; never silent fixes.",
            "Publish ISO 8601 only, and keep the raw file for anyone who needs it.",
            "Completeness, validity and timeliness are enough for a dashboard.",
            "Fuzzy matching on name and date of birth, then a manual review queue.",
        ),
        "publishing": (
            "Keep every version with a date in the file name and a 'latest' link.",
            "Look at the schemas on the national data standards register first.",
            "A release calendar; predictability wins over perfection.",
            "Put the three things people need at the top of the README.",
        ),
        "privacy": (
            "Suppress under 5 and round the rest to the nearest 5.",
            "Drop free text unless someone has read every row.",
            "Our ethics board accepted a plain-language consent line; happy to share.",
        ),
        "apis": (
            "Cursors: stable under inserts, and your database will thank you.",
            "A bulk CSV nightly, then an API when people ask for it.",
            "Give the heavy reuser a bulk file; it is cheaper for both of you.",
        ),
        "geo": (
            "Use the boundaries in force at the data's date, and say which.",
            "Publish at postcode district level, not the exact point.",
            "The national address service has a free tier for public bodies.",
        ),
        "health": (
            "Start with counts per month per service; no patient-level data.",
            "The hospice nurses helped us understand what the numbers mean.",
            "We tried it: the timestamps need cleaning first.",
        ),
    },
    replies=(
        "Thanks, that is useful.",
        "Bookmarking this.",
        "We did the same last year.",
    ),
)

REPERTOIRES = {
    "palliative-care-nurses": NURSES,
    "pain-management-circle": CIRCLE,
    "wound-care": WOUNDS,
    "open-data-practitioners": OPEN_DATA,
}
