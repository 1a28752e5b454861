"""The gatherings of the year: case clinics and other series, one-off events, who comes,
and what is written up afterwards."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.demo import cast
from app.demo.plan.rules import CLINIC_CASES, CLINIC_TOPICS, GENERAL, P, affinities
from app.demo.plan.steps import Attend, CheckIn, Rsvp, Schedule, Summarise
from app.demo.plan.year import Year


def _series(
    year: Year,
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
    near = (year.origin - timedelta(days=first_days_ago)).astimezone(zone).date()
    first = near + timedelta(days=((weekday - near.weekday() + 3) % 7) - 3)
    local = datetime.combine(first, local_time)
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][weekday]
    rule = f"FREQ=WEEKLY;INTERVAL={every_weeks};BYDAY={days};COUNT={count}"
    scheduled = year.scheduled(slug, [by, *rotation], year.day(first_days_ago + 14, 9))
    year.add(
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
        nominal = year.day(first_days_ago - 7 * every_weeks * i)
        year.occurrences[slug].append(
            (f"{key}#{i}", start.replace(tzinfo=zone).astimezone(UTC), host, nominal)
        )


def _one_off(
    year: Year,
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
    start = year.day(days_ago, hour).astimezone(zone).replace(tzinfo=None)
    start = start.replace(hour=hour, minute=0)
    scheduled = year.scheduled(
        slug, [by, *hosts], min(year.day(days_ago + 30, 9), year.origin - timedelta(days=2))
    )
    year.add(
        Schedule(scheduled, slug, by, key, {**fields, "start": start, "timezone": tz}, hosts=hosts)
    )
    year.occurrences[slug].append(
        (f"{key}#0", start.replace(tzinfo=zone).astimezone(UTC), hosts[0], year.day(days_ago))
    )


def gatherings(year: Year) -> None:
    agenda_clinic = [
        {"title": "Check-in round", "kind": "check_in", "minutes": 15},
        {"title": "A case from the floor", "kind": "presentation", "minutes": 20},
        {"title": "Open sharing", "kind": "open_sharing", "minutes": 40},
        {"title": "What will you take away?", "kind": "reflection", "minutes": 15},
    ]
    _series(
        year,
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
    _one_off(
        year,
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
    _one_off(
        year,
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
    _series(
        year,
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
    _series(
        year,
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
        _one_off(
            year,
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


def attendance(year: Year) -> None:
    """Who came: the regulars almost always, the others now and then; hosts record it
    at the end and write a summary; the next occurrences get RSVPs."""
    draw = year.draw
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
        occurrences = sorted(year.occurrences[d.slug], key=lambda o: o[3])
        past = [o for o in occurrences if o[3] < year.origin]
        future = [o for o in occurrences if o[3] > year.origin]
        for index, (gkey, start, host, nominal) in enumerate(past):
            big = gkey.startswith("gathering")
            # Each case clinic has a topic of the month; people come more often when it
            # is their own (the pain circle to pain, wound care to wounds).
            topic = None
            if gkey.startswith("clinic"):
                topic = CLINIC_TOPICS[int(gkey.split("#")[1]) % len(CLINIC_TOPICS)]
            came = [host]
            for key in year.members_at(d.slug, nominal):
                if key == host or not year.steady_member(d.slug, key, nominal):
                    continue
                profile = d.roster.get(key, P.core)
                if profile == P.drifting and nominal > year.day(200):
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
                    year.add(Rsvp(moment, gkey, key, "going"))
                for key in came[1:3] if d is cast.NURSES else []:
                    year.add(CheckIn(start + timedelta(minutes=5), gkey, key))
            year.add(Attend(end, gkey, host, came))
            year.attended[gkey] = (d.slug, nominal, came)
            if draw(gkey, "summary").random() < 0.6 or big or last:
                year.add(
                    Summarise(
                        end + timedelta(minutes=20),
                        gkey,
                        host,
                        *_summary(year, d.slug, len(came), big, topic),
                    )
                )
        series_seen: set[str] = set()
        for gkey, _, _, _ in future if d is cast.NURSES else []:
            series = gkey.split("#")[0]
            if series in series_seen:
                continue
            series_seen.add(series)
            members = year.members_at(d.slug, year.origin - timedelta(days=2))
            going = [
                k
                for k in members
                if draw(gkey, k).random() < table.get(d.roster.get(k, P.core), 0) * 1.2
            ]
            if gkey.startswith("workshop"):
                going = [k for k in members if k not in ("priya", "grace")][:18]
            for i, key in enumerate(going):
                moment = year.origin - timedelta(days=3, hours=3 * len(going) - 3 * i)
                year.add(Rsvp(moment, gkey, key, "going" if i % 7 else "maybe"))
            if gkey.startswith("workshop") and going:
                year.add(Rsvp(year.origin - timedelta(hours=20), gkey, going[1], "declined"))


def _summary(
    year: Year, slug: str, count: int, big: bool, topic: str | None = None
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
