"""What Wound Care says."""

from app.demo.content.repertoire import Repertoire

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
