"""The demo's four domains, and how each person takes part in each (their profile there);
the people themselves are `people`."""

from dataclasses import dataclass, field

from app.demo.people import BY_KEY, Profile


@dataclass(frozen=True)
class Domain:
    slug: str
    name: str
    convenor: str  # creates the domain
    founded: int  # days ago
    roster: dict[str, Profile]
    co_convenors: tuple[str, ...] = ()
    core: tuple[str, ...] = ()  # given the core role (besides the convenors)
    brokers: tuple[str, ...] = ()  # knowledge brokers
    parent: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _roster(**groups: str) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for profile, keys in groups.items():
        for key in keys.split():
            assert key in BY_KEY, key
            found[key] = Profile(profile)
    return found


NURSES = Domain(
    slug="palliative-care-nurses",
    name="Palliative Care Nurses",
    convenor="amara",
    founded=400,
    co_convenors=("priya",),
    core=("amara", "priya", "lars", "mei", "grace"),
    brokers=("lars",),
    roster=_roster(
        core="amara priya lars mei grace joseph",
        active="tomas sofia hannah rosa daniel fatima olu niamh ayesha",
        occasional="sven aiko beatriz kwame chloe ravi elena marcus leila patrick yusuf ingrid",
        peripheral=(
            "anna ben clara david emma felix gabriela hiro isabel jonas kate liam lucia mateo "
            "nadia omar paula"
        ),
        newcomer="maya noor oscar pia",
        drifting="tariq ursula",
        left="victor wendy",
        requested="zara",
    ),
)

CIRCLE = Domain(
    slug="pain-management-circle",
    name="Pain Management Circle",
    convenor="priya",
    founded=330,
    parent=NURSES.slug,
    co_convenors=(),
    roster=_roster(core="priya mei rosa daniel fatima sven", active="aiko", invited="sofia"),
)

WOUNDS = Domain(
    slug="wound-care",
    name="Wound Care",
    convenor="kwame",
    founded=330,
    parent=NURSES.slug,
    core=("kwame", "hannah"),
    brokers=("hannah",),
    roster=_roster(
        core="kwame hannah mei",
        active="olu beatriz chloe",
        occasional="marcus leila yusuf",
        peripheral="ingrid jonas",
        newcomer="pia",
    ),
)

OPEN_DATA = Domain(
    slug="open-data-practitioners",
    name="Open Data Practitioners",
    convenor="ines",
    founded=375,
    roster=_roster(
        active="ines quinn samir",
        occasional=(
            "tomas lars ravi ben ruth thea umar vera will xenia yann zoe arjun bianca carlos "
            "dmitri eva"
        ),
    ),
)

DOMAINS = (NURSES, CIRCLE, WOUNDS, OPEN_DATA)
