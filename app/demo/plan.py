"""The demo's year, planned before anything is written: every step and its moment, drawn
from a random generator with a fixed seed. Moments are relative to `origin` (the hour the
demo is loaded), so the same community comes out of every run, only dated from then.

Nothing here touches the database: `replay` carries the steps out, in order of time."""

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.demo import cast, content
from app.demo.people import BY_KEY, Person, Profile

SEED = 20_24_06
P = Profile


# The steps. Each has a moment (`at`) and is carried out by `replay` at that moment.


@dataclass
class Step:
    at: datetime


@dataclass
class NewPerson(Step):
    person: Person


@dataclass
class NewDomain(Step):
    domain: cast.Domain
    fields: dict[str, Any]


@dataclass
class UpdateDomain(Step):
    slug: str
    by: str
    fields: dict[str, Any]


@dataclass
class Join(Step):
    """The person's own act: join an open domain, ask to join one that asks, or accept an
    invitation."""

    slug: str
    who: str


@dataclass
class Invite(Step):
    slug: str
    by: str
    who: str


@dataclass
class Approve(Step):
    slug: str
    by: str
    who: str


@dataclass
class SetRoles(Step):
    slug: str
    by: str
    who: str
    roles: list[str]


@dataclass
class Leave(Step):
    slug: str
    who: str


@dataclass
class Schedule(Step):
    """A gathering or a series; its occurrences are known as `key#0`, `key#1`..."""

    slug: str
    by: str
    key: str
    fields: dict[str, Any]
    hosts: list[str] = field(default_factory=list)
    rotation: list[str] = field(default_factory=list)


@dataclass
class Rsvp(Step):
    gathering: str
    who: str
    response: str


@dataclass
class CheckIn(Step):
    gathering: str
    who: str


@dataclass
class Attend(Step):
    gathering: str
    by: str
    who: list[str]


@dataclass
class Summarise(Step):
    gathering: str
    by: str
    summary: str
    decisions: list[str]
    follow_ups: list[str]


@dataclass
class Post(Step):
    """A published contribution (written in bulk, with its events, like the service)."""

    key: str
    slug: str
    author: str
    kind: str
    title: str | None
    body: str
    topic: str = ""
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    parent: str | None = None
    recipients: list[str] = field(default_factory=list)
    gathering: str | None = None


@dataclass
class Endorse(Step):
    post: str
    who: str
    kind: str
    note: str = ""


@dataclass
class Accept(Step):
    question: str
    answer: str
    by: str


@dataclass
class Curate(Step):
    post: str
    by: str


@dataclass
class Edit(Step):
    post: str
    by: str
    body: str


@dataclass
class NewCollection(Step):
    key: str
    slug: str
    by: str
    title: str
    description: str
    items: list[tuple[str, str]]  # (post, note)


@dataclass
class ValueStory(Step):
    slug: str
    by: str
    cycle: str
    title: str
    story: str
    posts: list[str]


@dataclass
class Report(Step):
    key: str
    post: str
    by: str
    reason: str


@dataclass
class Resolve(Step):
    report: str
    by: str
    status: str
    note: str
    hide: bool


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


@dataclass
class Span:
    start: datetime
    end: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


class Planner:
    def __init__(self, origin: datetime) -> None:
        self.origin = origin.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        self.rng = random.Random(SEED)
        self.steps: list[tuple[datetime, int, Step]] = []
        self.spans: dict[tuple[str, str], Span] = {}
        self.created: dict[str, datetime] = {}
        self.posts: dict[str, Post] = {}
        self.by_domain: dict[str, list[Post]] = defaultdict(list)
        self.endorsed: set[tuple[str, str, str]] = set()
        self.attended: dict[str, tuple[str, datetime, list[str]]] = {}
        # slug -> (key, start, host, nominal start): the start falls on a weekday, up to
        # four days from the nominal one, which is always the same distance from the origin.
        self.occurrences: dict[str, list[tuple[str, datetime, str, datetime]]] = defaultdict(list)
        self.counter = 0

    # Time.

    def day(self, days_ago: float, hour: float = 12.0) -> datetime:
        """`days_ago` days before the origin, `hour - 12` hours off: every moment keeps
        the same distance from the origin, whatever the time of day the demo is loaded,
        so that views over windows ending now always see the same history."""
        return self.origin - timedelta(days=days_ago) + timedelta(hours=hour - 12)

    def past(self, moment: datetime) -> bool:
        return moment < self.origin - timedelta(hours=1)

    def add(self, step: Step) -> Step:
        self.counter += 1
        self.steps.append((step.at, self.counter, step))
        return step

    def key(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter}"

    # People and memberships.

    def person(self, key: str, moment: datetime) -> None:
        if key not in self.created or moment < self.created[key]:
            self.created[key] = moment

    def member(self, slug: str, key: str, moment: datetime) -> bool:
        span = self.spans.get((slug, key))
        return span is not None and span.covers(moment)

    def members_at(self, slug: str, moment: datetime) -> list[str]:
        return [k for (s, k), span in self.spans.items() if s == slug and span.covers(moment)]

    def asks_from(self) -> dict[str, tuple[datetime, str]]:
        """Domains that let anyone in at first, then ask newcomers to request: from when,
        and who changed it."""
        return {cast.NURSES.slug: (self.day(200, 9), "amara")}

    def memberships(self, d: cast.Domain) -> None:
        rng = self.rng = self.draw("members", d.slug)
        founded = self.day(d.founded, 10)
        self.person(d.convenor, founded - timedelta(days=3))
        self.add(NewDomain(founded, d, CHARTERS[d.slug]))
        self.spans[(d.slug, d.convenor)] = Span(founded)
        invite = CHARTERS[d.slug].get("join_policy") == "invite"
        asks_from = self.asks_from().get(d.slug)
        ranges = {
            P.core: (d.founded - 1, d.founded - 20),
            P.active: (d.founded - 8, 220),
            P.occasional: (d.founded - 15, 140),
            P.peripheral: (d.founded - 25, 75),
            P.newcomer: (55, 14),
            P.drifting: (d.founded - 5, d.founded - 50),
            P.left: (d.founded - 5, d.founded - 60),
            P.requested: (3, 3),
            P.invited: (5, 5),
        }
        convenors = [d.convenor, *d.co_convenors]
        for key, profile in d.roster.items():
            if key == d.convenor:
                continue
            hi, lo = ranges[profile]
            joined = self.day(rng.uniform(lo, hi), rng.uniform(8, 21))
            self.person(key, joined - timedelta(hours=rng.uniform(2, 200)))
            if invite:
                self.add(Invite(joined, d.slug, d.convenor, key))
                if profile == P.invited:
                    continue
                joined += timedelta(hours=rng.uniform(1, 30))
                self.add(Join(joined, d.slug, key))
            else:
                self.add(Join(joined, d.slug, key))
                if asks_from is not None and joined > asks_from[0]:
                    if profile == P.requested:
                        continue
                    by = next(
                        (c for c in reversed(convenors) if self.member(d.slug, c, joined)),
                        d.convenor,
                    )
                    joined += timedelta(hours=rng.uniform(2, 40))
                    self.add(Approve(joined, d.slug, by, key))
            span = Span(joined)
            if profile == P.left:
                span.end = self.day(rng.uniform(70, 150), rng.uniform(8, 21))
                self.add(Leave(span.end, d.slug, key))
            self.spans[(d.slug, key)] = span
        for key in [*d.co_convenors, *d.core, *d.brokers]:
            if key == d.convenor or (d.slug, key) not in self.spans:
                continue
            roles = ["member"]
            roles += ["core"] if key in d.core or key in d.co_convenors else []
            roles += ["convenor"] if key in d.co_convenors else []
            roles += ["knowledge_broker"] if key in d.brokers else []
            moment = self.spans[(d.slug, key)].start + timedelta(hours=1)
            self.add(SetRoles(moment, d.slug, d.convenor, key, roles))

    # Gatherings.

    def series(
        self,
        slug: str,
        by: str,
        key: str,
        *,
        first_days_ago: int,
        weekday: int,
        local_time: time,
        every_weeks: int,
        count: int,
        tz: str,
        rotation: list[str],
        fields: dict[str, Any],
    ) -> None:
        """A series every few weeks on a weekday, starting near `first_days_ago`; the
        occurrences are computed here as the service's RRULE expands them."""
        zone = ZoneInfo(tz)
        near = (self.origin - timedelta(days=first_days_ago)).astimezone(zone).date()
        first = near + timedelta(days=((weekday - near.weekday() + 3) % 7) - 3)
        local = datetime.combine(first, local_time)
        days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][weekday]
        rule = f"FREQ=WEEKLY;INTERVAL={every_weeks};BYDAY={days};COUNT={count}"
        scheduled = self.scheduled(slug, [by, *rotation], self.day(first_days_ago + 14, 9))
        self.add(
            Schedule(
                scheduled,
                slug,
                by,
                key,
                {**fields, "start": local, "timezone": tz, "rrule": rule},
                rotation=rotation,
            )
        )
        for i in range(count):
            start = datetime.combine(first + timedelta(weeks=every_weeks * i), local_time)
            host = rotation[i % len(rotation)]
            nominal = self.day(first_days_ago - 7 * every_weeks * i)
            self.occurrences[slug].append(
                (f"{key}#{i}", start.replace(tzinfo=zone).astimezone(UTC), host, nominal)
            )

    def one_off(
        self,
        slug: str,
        by: str,
        key: str,
        *,
        days_ago: float,
        hour: int,
        tz: str,
        hosts: list[str],
        fields: dict[str, Any],
    ) -> None:
        zone = ZoneInfo(tz)
        start = self.day(days_ago, hour).astimezone(zone).replace(tzinfo=None)
        start = start.replace(hour=hour, minute=0)
        scheduled = self.scheduled(
            slug, [by, *hosts], min(self.day(days_ago + 30, 9), self.origin - timedelta(days=2))
        )
        self.add(
            Schedule(
                scheduled, slug, by, key, {**fields, "start": start, "timezone": tz}, hosts=hosts
            )
        )
        self.occurrences[slug].append(
            (f"{key}#0", start.replace(tzinfo=zone).astimezone(UTC), hosts[0], self.day(days_ago))
        )

    def scheduled(self, slug: str, people: list[str], wanted: datetime) -> datetime:
        """When a gathering is scheduled: `wanted`, or once its scheduler and hosts are
        members (with their roles) if that is later."""
        starts = [self.spans[(slug, k)].start + timedelta(hours=2) for k in people]
        return max([wanted, *starts])

    def gatherings(self) -> None:
        agenda_clinic = [
            {"title": "Check-in round", "kind": "check_in", "minutes": 15},
            {"title": "A case from the floor", "kind": "presentation", "minutes": 20},
            {"title": "Open sharing", "kind": "open_sharing", "minutes": 40},
            {"title": "What will you take away?", "kind": "reflection", "minutes": 15},
        ]
        self.series(
            cast.NURSES.slug,
            "amara",
            "clinic",
            first_days_ago=326,
            weekday=3,
            local_time=time(18),
            every_weeks=4,
            count=14,
            tz="Europe/London",
            rotation=["amara", "priya", "lars"],
            fields={
                "title": "Case clinic",
                "theme": "Hard conversations",
                "guiding_question": "What helped you stay present when a family was in conflict?",
                "duration_minutes": 90,
                "modality": "hybrid",
                "location": "St Christopher's Hospice, seminar room 2",
                "join_url": "https://meet.example.org/case-clinic",
                "capacity": 14,
                "agenda": agenda_clinic,
            },
        )
        self.one_off(
            cast.NURSES.slug,
            "amara",
            "gathering",
            days_ago=45,
            hour=10,
            tz="Europe/London",
            hosts=["amara", "priya"],
            fields={
                "title": "Our first annual gathering",
                "theme": "A year of learning together",
                "guiding_question": "What has changed in your practice this year, and why?",
                "duration_minutes": 300,
                "modality": "in_person",
                "location": "Friends House, London",
                "capacity": 40,
                "agenda": [
                    {"title": "Welcome and check-in", "kind": "check_in", "minutes": 30},
                    {"title": "Stories of change", "kind": "open_sharing", "minutes": 90},
                    {"title": "Lunch", "kind": "break", "minutes": 60},
                    {"title": "Affinity group tables", "kind": "breakout", "minutes": 75},
                    {"title": "What next for us?", "kind": "reflection", "minutes": 45},
                ],
            },
        )
        self.one_off(
            cast.NURSES.slug,
            "priya",
            "workshop",
            days_ago=-20,
            hour=14,
            tz="Europe/London",
            hosts=["priya", "grace"],
            fields={
                "title": "Workshop: talking with children about dying",
                "theme": "family conversations",
                "guiding_question": "What words have helped a child you cared for?",
                "duration_minutes": 120,
                "modality": "online",
                "join_url": "https://meet.example.org/children-workshop",
                "capacity": 12,
                "agenda": [
                    {"title": "Check-in", "kind": "check_in", "minutes": 10},
                    {"title": "Fatima's cases", "kind": "presentation", "minutes": 30},
                    {"title": "Practice in pairs", "kind": "breakout", "minutes": 50},
                    {"title": "Reflection", "kind": "reflection", "minutes": 30},
                ],
            },
        )
        self.series(
            cast.CIRCLE.slug,
            "priya",
            "circle",
            first_days_ago=298,
            weekday=1,
            local_time=time(19, 30),
            every_weeks=4,
            count=13,
            tz="Europe/London",
            rotation=["priya", "mei", "rosa"],
            fields={
                "title": "Pain circle",
                "theme": "Hard pain cases",
                "guiding_question": "Which case is keeping you awake?",
                "duration_minutes": 60,
                "modality": "online",
                "join_url": "https://meet.example.org/pain-circle",
                "agenda": [
                    {"title": "Check-in", "kind": "check_in", "minutes": 10},
                    {"title": "One case, in depth", "kind": "discussion", "minutes": 40},
                    {"title": "Reflection", "kind": "reflection", "minutes": 10},
                ],
            },
        )
        self.series(
            cast.WOUNDS.slug,
            "kwame",
            "round",
            first_days_ago=308,
            weekday=2,
            local_time=time(13),
            every_weeks=8,
            count=8,
            tz="Europe/London",
            rotation=["kwame", "hannah"],
            fields={
                "title": "Wound care round",
                "theme": "Dressings families can live with",
                "duration_minutes": 60,
                "modality": "online",
                "join_url": "https://meet.example.org/wound-round",
                "agenda": [
                    {"title": "Cases", "kind": "discussion", "minutes": 45},
                    {"title": "Round-up", "kind": "reflection", "minutes": 15},
                ],
            },
        )
        for i, (days, hosts, title, theme) in enumerate(
            [
                (340, ["ines"], "Launch meetup", "Why open data?"),
                (262, ["ines"], "Licences clinic", "licensing"),
                (172, ["ines"], "Meetup: publishing on a budget", "publishing"),
                (155, ["quinn"], "API design lunch", "apis"),
                (64, ["ines"], "Data quality show and tell", "data quality"),
                (11, ["samir"], "Meetup: health data", "health data"),
                (-18, ["ines"], "Open data clinic", "anything goes"),
            ]
        ):
            self.one_off(
                cast.OPEN_DATA.slug,
                "ines",
                f"meetup{i}",
                days_ago=days,
                hour=18,
                tz="Europe/Paris",
                hosts=hosts,
                fields={
                    "title": title,
                    "theme": theme,
                    "duration_minutes": 90,
                    "modality": "hybrid",
                    "location": "Le Tank, Paris",
                    "join_url": "https://meet.example.org/open-data",
                },
            )

    @staticmethod
    def draw(*keys: object) -> random.Random:
        """A generator for one decision about these things, the same whatever else was
        decided before it. Gatherings fall on a weekday, so their dates move by up to three
        days with the day the demo is loaded: decisions about them must not shift the rest."""
        return random.Random(f"{SEED}:" + ":".join(map(str, keys)))

    def steady_member(self, slug: str, key: str, nominal: datetime) -> bool:
        """A member for five days either side of a gathering's nominal start: true whatever
        day it actually falls on."""
        span = self.spans.get((slug, key))
        return (
            span is not None
            and span.covers(nominal - timedelta(days=5))
            and span.covers(nominal + timedelta(days=5))
        )

    def attendance(self) -> None:
        """Who came: the regulars almost always, the others now and then; hosts record it
        at the end and write a summary; the next occurrences get RSVPs."""
        draw = self.draw
        chance = {
            P.core: 0.92,
            P.active: 0.55,
            P.occasional: 0.22,
            P.drifting: 0.12,
            P.left: 0.5,
            P.newcomer: 0.35,
            P.peripheral: 0.12,
        }
        open_data = {P.active: 0.7, P.occasional: 0.15, P.peripheral: 0.3}
        for d in cast.DOMAINS:
            table = open_data if d is cast.OPEN_DATA else chance
            occurrences = sorted(self.occurrences[d.slug], key=lambda o: o[3])
            past = [o for o in occurrences if o[3] < self.origin]
            future = [o for o in occurrences if o[3] > self.origin]
            for index, (gkey, start, host, nominal) in enumerate(past):
                big = gkey.startswith("gathering")
                # Each case clinic has a topic of the month; people come more often when it
                # is their own (the pain circle to pain, wound care to wounds).
                topic = None
                if gkey.startswith("clinic"):
                    topic = CLINIC_TOPICS[int(gkey.split("#")[1]) % len(CLINIC_TOPICS)]
                came = [host]
                for key in self.members_at(d.slug, nominal):
                    if key == host or not self.steady_member(d.slug, key, nominal):
                        continue
                    profile = d.roster.get(key, P.core)
                    if profile == P.drifting and nominal > self.day(200):
                        profile = P.peripheral
                    p = table.get(profile, 0.0) * (1.6 if big else 1.0)
                    if topic is not None and profile != P.core:
                        mine = affinities(key) or GENERAL
                        p = min(0.85, p * 1.6) if topic in mine else p * 0.2
                    if draw(gkey, key).random() < min(p, 0.97):
                        came.append(key)
                end = start + timedelta(minutes=300 if big else 90)
                last = index == len(past) - 1
                if last and d is cast.NURSES:
                    for key in came[1:6]:
                        moment = start - timedelta(days=draw(gkey, key, "rsvp").uniform(1, 3))
                        self.add(Rsvp(moment, gkey, key, "going"))
                    for key in came[1:3] if d is cast.NURSES else []:
                        self.add(CheckIn(start + timedelta(minutes=5), gkey, key))
                self.add(Attend(end, gkey, host, came))
                self.attended[gkey] = (d.slug, nominal, came)
                if draw(gkey, "summary").random() < 0.6 or big or last:
                    self.add(
                        Summarise(
                            end + timedelta(minutes=20),
                            gkey,
                            host,
                            *self.summary(d.slug, len(came), big, topic),
                        )
                    )
            series_seen: set[str] = set()
            for gkey, _, _, _ in future if d is cast.NURSES else []:
                series = gkey.split("#")[0]
                if series in series_seen:
                    continue
                series_seen.add(series)
                members = self.members_at(d.slug, self.origin - timedelta(days=2))
                going = [
                    k
                    for k in members
                    if draw(gkey, k).random() < table.get(d.roster.get(k, P.core), 0) * 1.2
                ]
                if gkey.startswith("workshop"):
                    going = [k for k in members if k not in ("priya", "grace")][:18]
                for i, key in enumerate(going):
                    moment = self.origin - timedelta(days=3, hours=3 * len(going) - 3 * i)
                    self.add(Rsvp(moment, gkey, key, "going" if i % 7 else "maybe"))
                if gkey.startswith("workshop") and going:
                    self.add(Rsvp(self.origin - timedelta(hours=20), gkey, going[1], "declined"))

    def summary(
        self, slug: str, count: int, big: bool, topic: str | None = None
    ) -> tuple[str, list[str], list[str]]:
        if big:
            return (
                f"{count} of us spent the day on what changed in our practice this year. "
                "The affinity tables (pain, wounds, families) asked to meet more often.",
                [
                    "Affinity groups report back at each case clinic",
                    "Next annual gathering in the spring",
                ],
                [
                    "Lars gathers the day's stories into the library",
                    "Priya and Kwame propose a joint pain-and-wounds session",
                ],
            )
        texts = {
            cast.NURSES.slug: (
                f"{count} of us shared cases about {CLINIC_CASES.get(topic or '', 'hard cases')}.",
                ["Keep the check-in round short"],
                ["Add the case to the library, without identifying details"],
            ),
            cast.CIRCLE.slug: (
                f"{count} of us went through one hard pain case in depth.",
                ["Bring the renal opioid guide next time"],
                ["Priya checks the case with the pharmacist"],
            ),
            cast.WOUNDS.slug: (
                f"{count} of us compared dressings for heavy exudate.",
                ["Try superabsorbers before more frequent changes"],
                ["Hannah updates the dressing selector"],
            ),
            cast.OPEN_DATA.slug: (
                f"{count} people came; lots of questions, a few answers.",
                [],
                ["Ines posts the slides"],
            ),
        }
        summary, decisions, follow_ups = texts[slug]
        return summary, decisions, follow_ups

    # The repertoire.

    def post(self, **values: Any) -> Post:
        post = Post(key=self.key("post"), **values)
        self.posts[post.key] = post
        self.by_domain[post.slug].append(post)
        self.add(post)
        return post

    def profile(self, d: cast.Domain, key: str, moment: datetime) -> Profile:
        profile = d.roster.get(key, P.core)
        if profile == P.drifting and moment > self.day(200):
            return P.peripheral
        return profile

    def pick(self, options: dict[str, float]) -> str | None:
        total = sum(options.values())
        if total <= 0:
            return None
        x = self.rng.uniform(0, total)
        for key, weight in options.items():
            x -= weight
            if x <= 0:
                return key
        return next(iter(options))

    def responder(
        self, d: cast.Domain, moment: datetime, exclude: Iterable[str], topic: str
    ) -> str | None:
        style = STYLES[d.slug]
        skip = set(exclude)
        options = {}
        for key in self.members_at(d.slug, moment):
            if key in skip:
                continue
            weight = style.weights.get(self.profile(d, key, moment), 0.0)
            if d is cast.NURSES and topic in ("pain", "wounds"):
                weight *= 5 if topic in affinities(key) else 0.4
            if weight > 0:
                options[key] = weight
        return self.pick(options)

    def repertoire(self, d: cast.Domain) -> None:
        rng = self.rng = self.draw("repertoire", d.slug)
        rep = content.REPERTOIRES[d.slug]
        style = STYLES[d.slug]
        pools: list[tuple[str, Any]] = [
            *(("question", e) for e in rep.questions),
            *(("story", e) for e in rep.stories),
            *(("lesson", e) for e in rep.lessons),
            *(("practice", e) for e in rep.practices),
            *(("success", e) for e in rep.successes),
            *(("challenge", e) for e in rep.challenges),
            *(("resource", e) for e in rep.resources),
        ]
        rng.shuffle(pools)
        # Later months are busier: the community grows.
        moments = sorted(
            self.day(2 + (d.founded - 6) * rng.random() ** 1.3, rng.uniform(7, 22)) for _ in pools
        )
        posted: dict[str, int] = defaultdict(int)
        replies = iter(rng.sample(rep.replies, len(rep.replies)) * 200)
        answers = {t: iter(list(bodies) * 200) for t, bodies in rep.answers.items()}
        for (kind, entry), moment in zip(pools, moments, strict=True):
            options = {}
            for key in self.members_at(d.slug, moment):
                profile = self.profile(d, key, moment)
                if posted[key] >= CAPS.get(profile, 0):
                    continue
                if profile == P.peripheral and moment > self.day(180):
                    continue
                weight = (
                    KIND_WEIGHTS.get(profile, {}).get(kind, 0)
                    * style.weights.get(profile, 0.0) ** 0.5
                )
                if weight > 0:
                    options[key] = weight
            author = self.pick(options)
            if author is None:
                continue
            posted[author] += 1
            if kind == "resource":
                topic, title, body, url, tags = entry
            else:
                topic, title, body, tags = entry
                url = None
            theme = rep.themes.get(topic, "")
            post = self.post(
                at=moment,
                slug=d.slug,
                author=author,
                kind=kind,
                title=title,
                body=body,
                topic=topic,
                url=url,
                tags=list(tags),
                themes=[theme] if theme else [],
            )
            self.responses(d, post, answers, replies)
        self.appreciations(d)

    def responses(
        self,
        d: cast.Domain,
        post: Post,
        answers: dict[str, Any],
        replies: Any,
    ) -> None:
        rng = self.rng
        style = STYLES[d.slug]
        if post.kind == "question":
            if rng.random() > style.answered:
                return
            count = rng.randint(*style.answers)
            responders: list[str] = []
            moment = post.at
            first: Post | None = None
            for _ in range(count):
                moment += timedelta(hours=rng.uniform(*style.answer_hours))
                if not self.past(moment):
                    break
                who = self.responder(d, moment, [post.author, *responders], post.topic)
                if who is None:
                    continue
                responders.append(who)
                topic = post.topic if post.topic in answers else next(iter(answers))
                answer = self.post(
                    at=moment,
                    slug=d.slug,
                    author=who,
                    kind="answer",
                    title=None,
                    body=next(answers[topic]),
                    parent=post.key,
                )
                first = first or answer
                if rng.random() < style.thanks:
                    thanks = moment + timedelta(hours=rng.uniform(1, 12))
                    if self.past(thanks) and self.member(d.slug, post.author, thanks):
                        self.post(
                            at=thanks,
                            slug=d.slug,
                            author=post.author,
                            kind="reply",
                            title=None,
                            body="Thank you, that helps.",
                            parent=answer.key,
                        )
            if first is not None and rng.random() < style.accepts:
                moment = first.at + timedelta(hours=rng.uniform(3, 60))
                if self.past(moment) and self.member(d.slug, post.author, moment):
                    self.add(Accept(moment, post.key, first.key, post.author))
            return
        low, high = style.replies
        if post.kind in ("resource", "practice", "success"):
            low, high = min(low, 1), min(high, 1)
        moment = post.at
        seen = [post.author]
        for _ in range(rng.randint(low, high)):
            moment += timedelta(hours=rng.uniform(2, 48))
            if not self.past(moment):
                break
            who = self.responder(d, moment, seen, post.topic)
            if who is None:
                continue
            seen.append(who)
            reply = self.post(
                at=moment,
                slug=d.slug,
                author=who,
                kind="reply",
                title=None,
                body=next(replies),
                parent=post.key,
            )
            # In a community the author answers back; in a network, rarely.
            back = moment + timedelta(hours=rng.uniform(1, 20))
            if (
                rng.random() < style.thanks / 2
                and self.past(back)
                and self.member(d.slug, post.author, back)
            ):
                self.post(
                    at=back,
                    slug=d.slug,
                    author=post.author,
                    kind="reply",
                    title=None,
                    body=next(replies),
                    parent=reply.key,
                )

    def appreciations(self, d: cast.Domain) -> None:
        """Appreciation is part of the practice: kudos with a thread of replies."""
        Thanks = tuple[int, str, list[str], str, str, list[str]]
        plan: dict[str, list[Thanks]] = {
            cast.NURSES.slug: [
                (
                    150,
                    "amara",
                    ["lars"],
                    "Thank you, Lars",
                    "For keeping our library tidy and findable.",
                    ["grace", "joseph", "tomas", "sofia", "mei"],
                ),
                (
                    220,
                    "priya",
                    ["rosa", "daniel"],
                    "To the night team",
                    "For getting the breakthrough count going on every handover.",
                    ["amara"],
                ),
                (
                    60,
                    "tomas",
                    ["priya"],
                    "Thank you, Priya",
                    "Your answer about stopping treatment got me through a very hard week.",
                    ["amara"],
                ),
                (
                    30,
                    "hannah",
                    ["amara", "priya"],
                    "Thank you for the annual gathering",
                    "A day I will remember.",
                    ["grace", "olu"],
                ),
                (
                    100,
                    "grace",
                    ["mei"],
                    "Mei, thank you",
                    "For sitting with my patient's family on your day off.",
                    ["priya"],
                ),
            ],
            cast.CIRCLE.slug: [
                (
                    90,
                    "rosa",
                    ["priya"],
                    "Thank you for holding this circle",
                    "It is the only place I can bring the cases that scare me.",
                    ["mei", "daniel"],
                ),
            ],
            cast.WOUNDS.slug: [
                (
                    120,
                    "olu",
                    ["hannah"],
                    "Thank you, Hannah",
                    "The dressing selector saved me hours.",
                    ["kwame"],
                ),
            ],
            cast.OPEN_DATA.slug: [
                (40, "samir", ["ines"], "Thanks, Inès", "For keeping these meetups going.", []),
            ],
        }
        for days, author, recipients, title, body, repliers in plan[d.slug]:
            moment = self.day(days, 19)
            people = [author, *recipients]
            if not all(self.member(d.slug, k, moment) for k in people):
                continue
            thanks = self.post(
                at=moment,
                slug=d.slug,
                author=author,
                kind="appreciation",
                title=title,
                body=body,
                recipients=recipients,
            )
            for i, who in enumerate(repliers):
                later = moment + timedelta(hours=2 + 5 * i)
                if self.member(d.slug, who, later):
                    self.post(
                        at=later,
                        slug=d.slug,
                        author=who,
                        kind="reply",
                        title=None,
                        body="Hear, hear!" if i % 2 else "Seconded, with all my heart.",
                        parent=thanks.key,
                    )

    def from_gatherings(self, d: cast.Domain) -> None:
        """What someone wrote up in the week after a gathering they came to names it."""
        for gkey, (slug, nominal, came) in self.attended.items():
            if slug != d.slug:
                continue
            for post in self.by_domain[d.slug]:
                if (
                    post.parent is None
                    and post.gathering is None
                    and post.kind in ("story", "lesson", "practice", "challenge", "question")
                    and post.author in came
                    and nominal + timedelta(days=4) <= post.at <= nominal + timedelta(days=12)
                ):
                    post.gathering = gkey
                    break

    def keep_regulars_busy(self, d: cast.Domain) -> None:
        """The core contribute in almost every month and the active in at least three of
        the last six: where chance left a month empty, they reply to something recent."""
        rng = self.rng = self.draw("regulars", d.slug)
        replies = content.REPERTOIRES[d.slug].replies
        for key, profile in d.roster.items():
            wanted = {P.core: 6, P.active: 3}.get(profile)
            if wanted is None:
                continue
            months = [(self.day(MONTH * (m + 1) - 1), self.day(MONTH * m + 1)) for m in range(12)]
            mine = [p for p in self.by_domain[d.slug] if p.author == key]
            for m, (lo, hi) in enumerate(months):
                if profile == P.active and m >= 6:
                    break
                if any(lo <= p.at < hi for p in mine):
                    continue
                if (
                    profile == P.active
                    and sum(1 for lo2, hi2 in months[:6] if any(lo2 <= p.at < hi2 for p in mine))
                    >= wanted
                ):
                    continue
                moment = lo + (hi - lo) * rng.uniform(0.2, 0.9)
                if not self.member(d.slug, key, moment):
                    continue
                targets = [
                    p
                    for p in self.by_domain[d.slug]
                    if p.parent is None
                    and p.author != key
                    and p.at < moment
                    and p.kind != "appreciation"
                ]
                if not targets:
                    continue
                target = max(targets[-6:], key=lambda p: rng.random())
                mine.append(
                    self.post(
                        at=moment,
                        slug=d.slug,
                        author=key,
                        kind="reply",
                        title=None,
                        body=rng.choice(replies),
                        parent=target.key,
                    )
                )

    def endorsements(self, d: cast.Domain) -> None:
        rng = self.rng = self.draw("endorsements", d.slug)
        style = STYLES[d.slug]
        for post in list(self.by_domain[d.slug]):
            if post.kind in ("reply", "appreciation"):
                continue
            count = rng.randint(*style.helpful)
            if post.kind == "answer":
                count = rng.randint(0, max(1, count // 2))
            moment = post.at
            for _ in range(count):
                moment += timedelta(hours=rng.uniform(3, 120))
                if not self.past(moment):
                    break
                who = self.responder(d, moment, [post.author], post.topic)
                if who is None or (post.key, who, "helpful") in self.endorsed:
                    continue
                self.endorsed.add((post.key, who, "helpful"))
                self.add(Endorse(moment, post.key, who, "helpful"))
            if post.kind in ("resource", "practice", "lesson", "story", "success") and (
                rng.random() < style.applied
            ):
                for _ in range(rng.randint(1, 2)):
                    moment = post.at + timedelta(days=rng.uniform(4, 40))
                    if not self.past(moment):
                        continue
                    who = self.responder(d, moment, [post.author], post.topic)
                    if who is None or (post.key, who, "applied") in self.endorsed:
                        continue
                    self.endorsed.add((post.key, who, "applied"))
                    note = rng.choice(APPLIED_NOTES) if rng.random() < 0.5 else ""
                    self.add(Endorse(moment, post.key, who, "applied", note))

    def curation(self, d: cast.Domain, curator: str, share: float) -> None:
        rng = self.rng = self.draw("curation", d.slug)
        for post in self.by_domain[d.slug]:
            if post.kind not in ("resource", "practice", "lesson", "story", "success"):
                continue
            if rng.random() > share:
                continue
            moment = post.at + timedelta(days=rng.uniform(1, 6))
            if self.past(moment) and self.member(d.slug, curator, moment):
                self.add(Curate(moment, post.key, curator))

    def find(self, slug: str, title: str) -> Post | None:
        return next((p for p in self.by_domain[slug] if p.title == title), None)

    def answer_to(self, question: Post | None) -> Post | None:
        if question is None:
            return None
        return next(
            (
                p
                for p in self.by_domain[question.slug]
                if p.parent == question.key and p.kind == "answer"
            ),
            None,
        )

    def collect(
        self,
        days: int,
        slug: str,
        by: str,
        title: str,
        description: str,
        items: list[tuple[Post | None, str]],
    ) -> None:
        moment = self.day(days, 11)
        chosen = [(p.key, note) for p, note in items if p is not None and p.at < moment]
        self.add(
            NewCollection(moment, self.key("collection"), slug, by, title, description, chosen)
        )

    def collections_and_stories(self) -> None:
        n = cast.NURSES.slug
        template = self.find(n, "Family meeting template")
        tell = self.find(n, "Ask-tell-ask for bad news")
        huddle = self.find(n, "Two-minute huddle before every family meeting")
        answer = self.answer_to(
            self.find(n, "How do you open a conversation about stopping treatment?")
        )
        self.collect(
            80,
            n,
            "lars",
            "Family conversations kit",
            "Start here before your first family meeting.",
            [
                (template, "Start here."),
                (huddle, "Before every meeting."),
                (tell, "For the conversation itself."),
                (answer, "Words that worked."),
            ],
        )
        starter = [
            self.find(n, t)
            for t in (
                "Last days of life handover sheet",
                "Debrief cards",
                "Mouth care leaflet for families",
                "Write the plan for the night nurse, not the consultant",
                "Opioid conversion chart (pocket card)",
            )
        ]
        self.collect(
            25,
            n,
            "lars",
            "Starter pack for new members",
            "Five things every newcomer asks for in their first month.",
            [(p, "") for p in starter],
        )
        w = cast.WOUNDS.slug
        essentials = [p for p in self.by_domain[w] if p.kind in ("resource", "practice")]
        self.collect(
            50,
            w,
            "hannah",
            "Wound care essentials",
            "The references we reach for.",
            [(p, "") for p in essentials[:5]],
        )
        o = cast.OPEN_DATA.slug
        before = [
            self.find(o, t)
            for t in (
                "Open data publishing checklist",
                "README template for datasets",
                "Statistical disclosure control primer",
            )
        ]
        self.collect(
            30,
            o,
            "ines",
            "Before you publish",
            "Read these before your first release.",
            [(p, "") for p in before],
        )
        stories = [
            (
                n,
                "amara",
                40,
                "realized",
                "Fewer crisis calls",
                "Since the family meeting template spread, weekend crisis calls halved.",
                [template],
            ),
            (
                n,
                "grace",
                120,
                "immediate",
                "A clinic that sent me home lighter",
                "I brought a case I could not let go of; I left with three things to try.",
                [],
            ),
            (
                n,
                "joseph",
                70,
                "potential",
                "Colleagues I can call",
                "I now know who to phone about syringe drivers at 2 a.m.",
                [],
            ),
            (
                n,
                "priya",
                20,
                "reframing",
                "We stopped measuring pain only by scores",
                "The clinic changed what we count as a good day for a patient.",
                [],
            ),
            (
                cast.CIRCLE.slug,
                "priya",
                35,
                "realized",
                "No constipation admissions",
                "Laxatives with the first opioid: none this quarter.",
                [],
            ),
            (
                o,
                "ines",
                15,
                "realized",
                "Audit data published with the nurses' help",
                "A question from a nurse turned into a dataset the region now uses.",
                [],
            ),
        ]
        for slug, by, days, cycle, title, story, posts in stories:
            moment = self.day(days, 16)
            if self.member(slug, by, moment):
                self.add(
                    ValueStory(
                        moment,
                        slug,
                        by,
                        cycle,
                        title,
                        story,
                        [p.key for p in posts if p is not None and p.at < moment],
                    )
                )

    def moderation_and_edits(self) -> None:
        n = cast.NURSES.slug
        moment = self.day(33, 21)
        story = next(
            p
            for p in reversed(self.by_domain[n])
            if p.kind == "story" and p.at < moment - timedelta(days=2)
        )
        who = next(k for k in ("felix", "liam", "anna", "david") if self.member(n, k, moment))
        slip = self.post(
            at=moment,
            slug=n,
            author=who,
            kind="reply",
            title=None,
            body="We had the same with Mrs J. Harrow in bay 4 at St Mary's; her "
            "daughter still phones the ward.",
            parent=story.key,
        )
        report = self.key("report")
        self.add(
            Report(
                moment + timedelta(hours=9),
                report,
                slip.key,
                "grace",
                "Names a patient and a ward.",
            )
        )
        self.add(
            Resolve(
                moment + timedelta(hours=13),
                report,
                "amara",
                "resolved",
                "Hidden: it identified a patient. I have written to the author.",
                True,
            )
        )
        o = cast.OPEN_DATA.slug
        moment = self.day(20, 10)
        question = next(
            p for p in reversed(self.by_domain[o]) if p.kind == "question" and p.at < moment
        )
        report = self.key("report")
        self.add(Report(moment, report, question.key, "zoe", "Looks like an advert."))
        self.add(
            Resolve(
                moment + timedelta(hours=30),
                report,
                "ines",
                "dismissed",
                "A genuine question; the product name is incidental.",
                False,
            )
        )
        edited = 0
        for post in self.by_domain[n]:
            if post.kind in ("practice", "lesson") and edited < 4:
                moment = post.at + timedelta(days=2)
                if self.past(moment) and self.member(n, post.author, moment):
                    edited += 1
                    self.add(
                        Edit(
                            moment,
                            post.key,
                            post.author,
                            post.body + "\n\nUpdated after the clinic: see the "
                            "comments for what other wards changed.",
                        )
                    )

    def profiles_of_people(self) -> None:
        for key, moment in self.created.items():
            self.add(NewPerson(moment, BY_KEY[key]))

    def plan(self) -> list[Step]:
        self.person("admin", self.day(410, 9))
        for d in cast.DOMAINS:
            self.memberships(d)
        for slug, (moment, by) in self.asks_from().items():
            changes = {"lifecycle_stage": "maturing", "join_policy": "request"}
            self.add(UpdateDomain(moment, slug, by, changes))
        self.add(
            UpdateDomain(
                self.day(150, 9), cast.OPEN_DATA.slug, "ines", {"lifecycle_stage": "coalescing"}
            )
        )
        self.gatherings()
        self.attendance()
        for d in cast.DOMAINS:
            self.repertoire(d)
            self.from_gatherings(d)
            self.keep_regulars_busy(d)
        self.moderation_and_edits()
        for d in cast.DOMAINS:
            self.endorsements(d)
        self.curation(cast.NURSES, "lars", 0.3)
        self.curation(cast.WOUNDS, "hannah", 0.5)
        self.curation(cast.OPEN_DATA, "ines", 0.15)
        self.collections_and_stories()
        self.profiles_of_people()
        return [step for _, _, step in sorted(self.steps, key=lambda s: (s[0], s[1]))]


def plan_year(origin: datetime) -> list[Step]:
    return Planner(origin).plan()
