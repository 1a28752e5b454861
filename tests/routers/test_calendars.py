"""iCalendar feeds, parsed back with the icalendar library: one VEVENT per series with
its RRULE, overrides for changed occurrences, a VTIMEZONE, and feed tokens for the
private and personal feeds."""

import uuid
from datetime import UTC, datetime
from typing import Any

import recurring_ical_events
from dateutil.rrule import rrulestr
from httpx import AsyncClient, Response
from icalendar import Calendar
from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.gatherings import FeedToken, Gathering
from app.models.people import Person
from tests.factories import Circle, add_member, auth, circle, make_person, schedule
from tests.support import API, count, occurrences, ok, problem

JOIN = "https://meet.example.org/secret-room"


def parse(response: Response) -> Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    return calendar


def events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def masters(calendar: Calendar) -> list[Any]:
    return [e for e in events(calendar) if "RECURRENCE-ID" not in e]


def overrides(calendar: Calendar) -> list[Any]:
    return [e for e in events(calendar) if "RECURRENCE-ID" in e]


def rule_of(event: Any) -> str:
    return str(event["rrule"].to_ical().decode())


def exdates(event: Any) -> list[datetime]:
    found = event.get("exdate")
    if found is None:
        return []
    lists = found if isinstance(found, list) else [found]
    return [d.dt for item in lists for d in item.dts]


def expand_feed(calendar: Calendar) -> list[tuple[datetime, str]]:
    """What a calendar client shows: each series' rule, less its EXDATEs, with
    overriding events in place of the occurrences they replace."""
    replaced = {
        (str(e["uid"]), e.decoded("recurrence-id").astimezone(UTC)): e for e in overrides(calendar)
    }
    shown: list[tuple[datetime, str]] = []
    for master in masters(calendar):
        start = master.decoded("dtstart")
        starts = list(rrulestr(rule_of(master), dtstart=start)) if "RRULE" in master else [start]
        skipped = {d.astimezone(UTC) for d in exdates(master)}
        for moment in starts:
            key = (str(master["uid"]), moment.astimezone(UTC))
            if key[1] in skipped:
                continue
            event = replaced.get(key, master)
            actual = event.decoded("dtstart") if event is not master else moment
            shown.append((actual.astimezone(UTC), str(event["status"])))
    return sorted(shown)


def listed(items: list[dict[str, Any]]) -> list[tuple[datetime, str]]:
    status = {"scheduled": "CONFIRMED", "completed": "CONFIRMED", "cancelled": "CANCELLED"}
    return sorted((datetime.fromisoformat(i["start"]), status[i["status"]]) for i in items)


async def feed(client: AsyncClient, c: Circle, as_: Person | None = None, **params: str) -> Any:
    return await client.get(
        f"{API}/domains/{c.slug}/calendar.ics",
        params=params,
        headers=auth(as_) if as_ else {},
    )


async def new_token(client: AsyncClient, person: Person) -> dict[str, Any]:
    return ok(await client.post(f"{API}/people/me/feed-tokens", headers=auth(person)), 201)  # type: ignore[no-any-return]


async def test_a_series_is_one_event_with_its_rule_and_zone(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, title="Case clinic", theme="Families",
        guiding_question="What helped?", start="2027-10-14T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=6", location="Room 2",
    )  # fmt: skip
    await schedule(
        client, c.domain, c.convenor, title="One-off", start="2027-12-01T10:00:00",
        timezone="America/New_York",
    )  # fmt: skip
    calendar = parse(await feed(client, c, c.member))
    [series] = [e for e in masters(calendar) if str(e["summary"]) == "Case clinic"]
    [single] = [e for e in masters(calendar) if str(e["summary"]) == "One-off"]
    assert rule_of(series) == "FREQ=WEEKLY;COUNT=6;BYDAY=TH"
    start = series.decoded("dtstart")
    assert (start.replace(tzinfo=None), str(start.tzinfo)) == (
        datetime(2027, 10, 14, 18),
        "Europe/Amsterdam",
    )
    assert series["dtstart"].params["TZID"] == "Europe/Amsterdam"
    assert series.decoded("dtend") - start == (start.replace(hour=19, minute=30) - start)
    assert str(series["location"]) == "Room 2"
    assert str(series["description"]) == "What helped?"
    assert str(series["status"]) == "CONFIRMED"
    assert "RRULE" not in single and single["dtstart"].params["TZID"] == "America/New_York"
    zones = {str(z["tzid"]): z for z in calendar.walk("VTIMEZONE")}
    assert set(zones) == {"Europe/Amsterdam", "America/New_York"}
    amsterdam = {sub.name for sub in zones["Europe/Amsterdam"].subcomponents}
    assert amsterdam == {"STANDARD", "DAYLIGHT"}
    assert len({str(e["uid"]) for e in masters(calendar)}) == 2
    # A client expanding the feed sees exactly what the API lists, DST shift included.
    assert expand_feed(calendar) == listed(await occurrences(client, c.domain, c.member))


async def test_changed_and_cancelled_occurrences_override_the_rule(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, title="Clinic", start="2027-10-14T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=6",
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member)
    ok(
        await client.patch(
            f"{API}/gatherings/{items[3]['id']}",
            json={"start": "2027-11-05T19:30:00", "title": "Clinic (Friday)"},
            headers=auth(c.convenor),
        )
    )
    ok(await client.delete(f"{API}/gatherings/{items[1]['id']}", headers=auth(c.convenor)))
    calendar = parse(await feed(client, c, c.member))
    [master] = masters(calendar)
    assert str(master["status"]) == "CONFIRMED" and str(master["summary"]) == "Clinic"
    by_original = {e.decoded("recurrence-id").astimezone(UTC): e for e in overrides(calendar)}
    cancelled = by_original[datetime(2027, 10, 21, 16, tzinfo=UTC)]
    moved = by_original[datetime(2027, 11, 4, 17, tzinfo=UTC)]
    assert len(by_original) == 2
    assert {str(cancelled["uid"]), str(moved["uid"])} == {str(master["uid"])}
    assert str(cancelled["status"]) == "CANCELLED"
    assert moved["recurrence-id"].params["TZID"] == "Europe/Amsterdam"
    assert moved.decoded("recurrence-id").replace(tzinfo=None) == datetime(2027, 11, 4, 18)
    assert moved.decoded("dtstart").replace(tzinfo=None) == datetime(2027, 11, 5, 19, 30)
    assert str(moved["summary"]) == "Clinic (Friday)" and str(moved["status"]) == "CONFIRMED"
    assert int(moved["sequence"]) >= 1 and int(master["sequence"]) >= 1
    assert exdates(master) == []
    assert expand_feed(calendar) == listed(await occurrences(client, c.domain, c.member))


async def test_a_split_series_is_two_events(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, title="Clinic", start="2027-10-14T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=6",
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member)
    ok(
        await client.patch(
            f"{API}/gatherings/{items[2]['id']}",
            params={"scope": "following"},
            json={"start": "2027-10-28T19:00:00"},
            headers=auth(c.convenor),
        )
    )
    calendar = parse(await feed(client, c, c.member))
    first, second = sorted(masters(calendar), key=lambda e: e.decoded("dtstart"))
    assert rule_of(first) == "FREQ=WEEKLY;UNTIL=20271028T155959Z;BYDAY=TH"
    assert rule_of(second) == "FREQ=WEEKLY;COUNT=4;BYDAY=TH"
    assert second.decoded("dtstart").replace(tzinfo=None) == datetime(2027, 10, 28, 19)
    assert str(first["uid"]) != str(second["uid"])
    assert overrides(calendar) == []
    assert expand_feed(calendar) == listed(await occurrences(client, c.domain, c.member))


async def test_the_event_starts_on_the_first_occurrence(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    # A Wednesday start for a Thursday series: DTSTART must not add a Wednesday.
    await schedule(
        client, c.domain, c.convenor, start="2027-01-06T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=3",
    )  # fmt: skip
    calendar = parse(await feed(client, c, c.member))
    [master] = masters(calendar)
    assert master.decoded("dtstart").replace(tzinfo=None) == datetime(2027, 1, 7, 18)
    assert expand_feed(calendar) == listed(await occurrences(client, c.domain, c.member))


async def test_an_occurrence_the_series_no_longer_has_is_an_exdate(
    client: AsyncClient, session: AsyncSession
) -> None:
    # No API call removes an occurrence (cancelling keeps it, as an override), so the
    # row is deleted directly, as a data repair would.
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, start="2027-10-14T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=4",
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member)
    await session.exec(delete(Gathering).where(col(Gathering.id) == items[2]["id"]))  # type: ignore[call-overload]
    await session.commit()
    calendar = parse(await feed(client, c, c.member))
    [master] = masters(calendar)
    [gone] = exdates(master)
    assert gone.replace(tzinfo=None) == datetime(2027, 10, 28, 18)
    assert str(gone.tzinfo) == "Europe/Amsterdam"
    remaining = await occurrences(client, c.domain, c.member)
    assert len(remaining) == 3
    assert expand_feed(calendar) == listed(remaining)


async def test_an_occurrence_moved_far_back_still_answers_for_its_slot(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, start="2027-01-07T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=3",
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member)
    # Before the feed's look-back of a year, but its slot in the rule is still ahead.
    ok(
        await client.patch(
            f"{API}/gatherings/{items[1]['id']}",
            json={"start": "2025-06-05T18:00:00"},
            headers=auth(c.convenor),
        )
    )
    calendar = parse(await feed(client, c, c.member))
    [master] = masters(calendar)
    assert exdates(master) == []
    [moved] = overrides(calendar)
    assert moved.decoded("dtstart").replace(tzinfo=None) == datetime(2025, 6, 5, 18)
    everything = await occurrences(
        client, c.domain, c.member, "2025-01-01T00:00:00Z", "2027-12-31T00:00:00Z"
    )
    assert expand_feed(calendar) == listed(everything)


async def test_join_urls_are_only_in_members_feeds(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, modality="online", join_url=JOIN,
        start="2027-10-14T18:00:00", rrule="FREQ=WEEKLY;COUNT=3",
    )  # fmt: skip
    await schedule(
        client, c.domain, c.convenor, modality="hybrid", join_url=JOIN, location="Room 2",
        start="2027-11-14T18:00:00",
    )  # fmt: skip
    for outsider in (None, c.outsider):
        response = await feed(client, c, outsider)
        assert JOIN not in response.text
        for event in events(parse(response)):
            assert "URL" not in event
    member_feed = parse(await feed(client, c, c.member))
    assert {str(e["url"]) for e in events(member_feed)} == {JOIN}
    locations = sorted(str(e["location"]) for e in masters(member_feed))
    assert locations == ["Room 2", JOIN]


async def test_a_private_domain_feed_needs_a_member(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session, visibility="private")
    await schedule(client, c.domain, c.convenor, title="Hidden", start="2027-10-14T18:00:00")
    problem(await feed(client, c), 404, "not-found")
    problem(await feed(client, c, c.outsider), 404, "not-found")
    outsider_token = (await new_token(client, c.outsider))["token"]
    problem(await feed(client, c, token=outsider_token), 404, "not-found")
    problem(await feed(client, c, token="cal_not-a-real-token"), 401, "invalid-token")
    by_header = parse(await feed(client, c, c.member))
    member_token = (await new_token(client, c.member))["token"]
    by_token = parse(await feed(client, c, token=member_token))
    assert [str(e["summary"]) for e in events(by_token)] == ["Hidden"]
    assert [str(e["uid"]) for e in events(by_token)] == [str(e["uid"]) for e in events(by_header)]


async def test_the_personal_feed_spans_my_domains(
    client: AsyncClient, session: AsyncSession
) -> None:
    me = await make_person(session)
    mine = await circle(session)
    private = await circle(session, visibility="private")
    elsewhere = await circle(session)
    await add_member(session, mine.domain, me)
    await add_member(session, private.domain, me)
    for place in (mine, private, elsewhere):
        await schedule(
            client, place.domain, place.convenor, title=place.slug, join_url=JOIN,
            start="2027-10-14T18:00:00", rrule="FREQ=MONTHLY;BYDAY=2TH;COUNT=3",
        )  # fmt: skip
    created = await new_token(client, me)
    assert created["token"].startswith("cal_")
    path = created["personal_feed_url"].removeprefix("http://test")
    assert path == f"{API}/calendar/{created['token']}.ics"
    calendar = parse(await client.get(path))  # no header: calendar clients cannot send one
    assert sorted(str(e["summary"]) for e in events(calendar)) == sorted([mine.slug, private.slug])
    assert {str(e["url"]) for e in events(calendar)} == {JOIN}
    assert {rule_of(e) for e in events(calendar)} == {"FREQ=MONTHLY;COUNT=3;BYDAY=2TH"}


async def test_feed_tokens_can_be_revoked(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session, visibility="private")
    first = await new_token(client, c.member)
    second = await new_token(client, c.member)
    assert first["token"] != second["token"]
    assert await count(session, FeedToken) == 2
    tokens = f"{API}/people/me/feed-tokens"
    listed_tokens = ok(await client.get(tokens, headers=auth(c.member)))
    assert [t["id"] for t in listed_tokens] == [first["id"], second["id"]]
    assert all("token" not in t and t["revoked_at"] is None for t in listed_tokens)
    assert ok(await client.get(tokens, headers=auth(c.outsider))) == []
    problem(
        await client.delete(f"{tokens}/{first['id']}", headers=auth(c.outsider)),
        404,
        "not-found",
    )
    problem(await client.delete(f"{tokens}/{uuid.uuid4()}", headers=auth(c.member)), 404)
    problem(await client.post(tokens), 401, "unauthenticated")
    response = await client.delete(f"{tokens}/{first['id']}", headers=auth(c.member))
    assert response.status_code == 204
    again = await client.delete(f"{tokens}/{first['id']}", headers=auth(c.member))
    assert again.status_code == 204  # revoking twice is fine
    problem(await client.get(f"{API}/calendar/{first['token']}.ics"), 401, "invalid-token")
    problem(await feed(client, c, token=first["token"]), 401, "invalid-token")
    problem(await client.get(f"{API}/calendar/cal_unknown.ics"), 401, "invalid-token")
    parse(await client.get(f"{API}/calendar/{second['token']}.ics"))
    parse(await feed(client, c, token=second["token"]))
    listed_tokens = ok(await client.get(tokens, headers=auth(c.member)))
    assert [t["revoked_at"] is not None for t in listed_tokens] == [True, False]


async def test_the_embedded_time_zones_cover_every_instance(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A client that knows no zone by name reads each one from the feed's own VTIMEZONE
    (RFC 5545 §3.6.5): ten years of monthly gatherings land where the API lists them."""
    c = await circle(session)
    zones = {"America/New_York": "2027-01-15T18:00:00", "Europe/Amsterdam": "2027-01-20T19:30:00"}
    for zone, start in zones.items():
        await schedule(
            client, c.domain, c.convenor, start=start, timezone=zone,
            rrule="FREQ=MONTHLY;COUNT=120",
        )  # fmt: skip
    text = (await feed(client, c, c.member)).text
    # Names no time zone database knows, so only the feed's own definitions can be used.
    for zone in zones:
        made_up = f"Custom/Zone-{uuid.uuid4().hex[:12]}"
        assert f"TZID:{zone}\r\n" in text and f";TZID={zone}:" in text
        text = text.replace(zone, made_up)
    calendar = Calendar.from_ical(text)
    expanded = recurring_ical_events.of(calendar).between(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2038, 1, 1, tzinfo=UTC)
    )
    shown = sorted(e.decoded("dtstart").astimezone(UTC) for e in expanded)
    # The REST list spans at most three years per window.
    listed_starts: list[datetime] = []
    for year in range(2027, 2037, 3):
        items = await occurrences(
            client, c.domain, c.member, f"{year}-01-01T00:00:00Z", f"{year + 3}-01-01T00:00:00Z"
        )
        listed_starts += [datetime.fromisoformat(i["start"]) for i in items]
    assert len(listed_starts) == 240 and listed_starts[-1].year == 2036
    assert shown == sorted(listed_starts)
