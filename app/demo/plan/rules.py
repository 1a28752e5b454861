"""What the demo's plan draws on: the domains' charters, how each domain's members take
part, what each profile posts and how much, and which topics each person answers."""

from dataclasses import dataclass
from typing import Any

from app.demo import cast
from app.demo.people import Profile

P = Profile

# Domain charters.

CHARTERS: dict[str, dict[str, Any]] = {
    cast.NURSES.slug: {
        "name": "Palliative Care Nurses",
        "purpose": "Share what works at the bedside so that every patient can die well, "
        "and so that we grow as practitioners together.",
        "description": "Nurses from hospices, hospitals and home care who meet every four "
        "weeks to swap stories, solve hard cases and build a shared library of care plans.",
        "goals": [
            "Meet every four weeks",
            "Build a shared library of care plans",
            "Mentor newcomers",
        ],
        "boundaries": "Registered nurses and nursing students working in palliative care.",
        "themes": [
            "pain management",
            "family conversations",
            "self-care",
            "care plans",
            "symptom control",
        ],
        "join_policy": "open",
        "max_active_members": 60,
        "lifecycle_stage": "coalescing",
        "timezone": "Europe/London",
        "code_of_conduct": "Speak of patients without names or details that identify them. "
        "Assume good intent; ask before you judge. What is shared in a clinic stays there.",
    },
    cast.CIRCLE.slug: {
        "name": "Pain Management Circle",
        "purpose": "A small, safe circle to work through difficult pain cases.",
        "themes": ["pain management", "opioids"],
        "visibility": "private",
        "join_policy": "invite",
        "parent_slug": cast.NURSES.slug,
        "max_active_members": 10,
        "lifecycle_stage": "coalescing",
        "timezone": "Europe/London",
    },
    cast.WOUNDS.slug: {
        "name": "Wound Care",
        "purpose": "Palliative wound care: comfort, dignity and dressings that families can "
        "live with.",
        "description": "An affinity group of the palliative care nurses for fungating "
        "wounds, pressure damage and everything that leaks or smells.",
        "themes": ["malignant wounds", "pressure ulcers"],
        "join_policy": "open",
        "parent_slug": cast.NURSES.slug,
        "lifecycle_stage": "coalescing",
        "timezone": "Europe/London",
    },
    cast.OPEN_DATA.slug: {
        "name": "Open Data Practitioners",
        "purpose": "People who publish and reuse public-sector open data, learning from "
        "each other's successes and failures.",
        "themes": ["data quality", "licensing", "publishing"],
        "join_policy": "open",
        "lifecycle_stage": "potential",
        "timezone": "Europe/Paris",
    },
}

# How each domain's members take part: the share of questions answered, how many answers
# and replies a post draws, how often the asker thanks, endorsements. The nurses and the
# circle answer fast and reply to each other; open data practitioners drop in, ask, get an
# answer from whoever knows, and move on.


@dataclass(frozen=True)
class Style:
    answered: float
    answers: tuple[int, int]
    answer_hours: tuple[float, float]
    replies: tuple[int, int]
    thanks: float
    accepts: float
    helpful: tuple[int, int]
    applied: float
    weights: dict[Profile, float]


STYLES = {
    cast.NURSES.slug: Style(
        answered=0.92,
        answers=(1, 3),
        answer_hours=(2, 40),
        replies=(0, 3),
        thanks=0.9,
        accepts=0.65,
        helpful=(1, 4),
        applied=0.9,
        weights={
            P.core: 10,
            P.active: 3,
            P.occasional: 0.35,
            P.drifting: 0.6,
            P.left: 2,
            P.newcomer: 0.2,
            P.peripheral: 0.03,
        },
    ),
    cast.CIRCLE.slug: Style(
        answered=1.0,
        answers=(2, 3),
        answer_hours=(1, 20),
        replies=(2, 4),
        thanks=0.7,
        accepts=0.5,
        helpful=(2, 4),
        applied=0.8,
        weights={P.core: 6, P.active: 3},
    ),
    cast.WOUNDS.slug: Style(
        answered=0.9,
        answers=(1, 2),
        answer_hours=(3, 60),
        replies=(0, 2),
        thanks=0.5,
        accepts=0.5,
        helpful=(1, 3),
        applied=0.6,
        weights={P.core: 6, P.active: 3, P.occasional: 0.6, P.newcomer: 0.3, P.peripheral: 0.1},
    ),
    cast.OPEN_DATA.slug: Style(
        answered=0.7,
        answers=(1, 2),
        answer_hours=(6, 400),
        replies=(0, 1),
        thanks=0.08,
        accepts=0.3,
        helpful=(0, 1),
        applied=0.15,
        weights={P.active: 2, P.occasional: 1.5, P.peripheral: 0.5},
    ),
}

APPLIED_NOTES = (
    "Used this on nights; the family calmed.",
    "We adopted it on our ward last month.",
    "Tried it with two patients this week; it works.",
    "Printed it for the team; everyone uses it now.",
    "Adapted it for our home care visits.",
    "Our educator built a teaching session around it.",
)

# Who may post what: the kinds a profile leans to, and how many posts a year at most.
KIND_WEIGHTS = {
    P.core: {
        "story": 3,
        "lesson": 3,
        "practice": 3,
        "resource": 3,
        "success": 2,
        "challenge": 1,
        "question": 1,
    },
    P.active: {
        "question": 3,
        "story": 2,
        "lesson": 2,
        "challenge": 2,
        "resource": 1,
        "success": 1,
        "practice": 1,
    },
    P.occasional: {"question": 4, "story": 1, "challenge": 1, "resource": 1},
    P.drifting: {"question": 2, "story": 2, "lesson": 1},
    P.left: {"question": 2, "story": 1, "challenge": 1},
    P.newcomer: {"question": 1},
    P.peripheral: {"question": 1},
}
CAPS = {
    P.core: 40,
    P.active: 6,
    P.occasional: 2,
    P.drifting: 4,
    P.left: 3,
    P.newcomer: 1,
    P.peripheral: 1,
}

MONTH = 30  # days: the views count activity in 30-day months

CLINIC_TOPICS = ("family", "pain", "wounds", "self", "pain", "wounds")
GENERAL = {"family", "self", "symptoms", "plans"}
CLINIC_CASES = {
    "family": "families in conflict",
    "pain": "pain that would not settle",
    "wounds": "wounds and dressings at home",
    "self": "looking after ourselves after hard deaths",
}


def affinities(key: str) -> set[str]:
    """The topics a nurse is drawn to by the affinity groups they belong to."""
    found = set()
    if key in cast.CIRCLE.roster:
        found.add("pain")
    if key in cast.WOUNDS.roster:
        found.add("wounds")
    return found
