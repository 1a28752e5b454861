"""What the palliative care nurses ask, and how they answer and reply."""

from app.demo.content.repertoire import Entry

QUESTIONS: tuple[Entry, ...] = (
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
)

ANSWERS: dict[str, tuple[str, ...]] = {
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
}

REPLIES: tuple[str, ...] = (
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
)
