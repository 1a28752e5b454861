"""What the Pain Management Circle says."""

from app.demo.content.repertoire import Repertoire

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
