"""Gatherings over REST: scheduling one-offs and series, listing windows and agendas,
editing one occurrence or the following ones, and refusing bad input without writing."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.gatherings import Gathering
from app.models.people import Person
from app.services.gatherings import recurrence
from tests.factories import (
    Circle,
    add_member,
    at,
    auth,
    circle,
    from_now,
    gathering_body,
    make_person,
    schedule,
)
from tests.support import (
    API,
    count,
    occurrences,
    ok,
    problem,
    problem_field_codes,
    problem_fields,
    series_state,
    snapshot,
)


def local_times(items: list[dict[str, Any]]) -> list[str]:
    return [i["start_local"] for i in items]


def utc_times(items: list[dict[str, Any]]) -> list[str]:
    return [i["start"] for i in items]


async def patch(
    client: AsyncClient, gathering_id: str, by: Person, scope: str = "this", **body: Any
) -> Any:
    return await client.patch(
        f"{API}/gatherings/{gathering_id}", params={"scope": scope}, json=body, headers=auth(by)
    )


# Scheduling


@pytest.mark.parametrize(
    ("zone", "start", "utc"),
    [
        # Amsterdam, summer time ends on 31 October 2027
        (
            "Europe/Amsterdam",
            "2027-10-21T18:00:00",
            ["2027-10-21T16:00:00Z", "2027-10-28T16:00:00Z", "2027-11-04T17:00:00Z"],
        ),
        # Amsterdam, summer time starts on 28 March 2027
        (
            "Europe/Amsterdam",
            "2027-03-18T18:00:00",
            ["2027-03-18T17:00:00Z", "2027-03-25T17:00:00Z", "2027-04-01T16:00:00Z"],
        ),
        # New York, daylight time ends on 7 November 2027
        (
            "America/New_York",
            "2027-10-28T18:00:00",
            ["2027-10-28T22:00:00Z", "2027-11-04T22:00:00Z", "2027-11-11T23:00:00Z"],
        ),
    ],
)
async def test_a_weekly_series_stays_at_six_across_daylight_saving(
    client: AsyncClient, session: AsyncSession, zone: str, start: str, utc: list[str]
) -> None:
    c = await circle(session)
    first = await schedule(
        client, c.domain, c.convenor, start=start, timezone=zone,
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=3",
    )  # fmt: skip
    assert first["start"] == utc[0] and first["start_local"] == start
    items = await occurrences(client, c.domain, c.member)
    assert local_times(items) == [f"{u[:10]}T18:00:00" for u in utc]
    assert utc_times(items) == utc
    assert {i["timezone"] for i in items} == {zone}
    assert [i["recurrence"]["index"] for i in items] == [0, 1, 2]
    assert {i["recurrence"]["series_id"] for i in items} == {first["recurrence"]["series_id"]}
    assert {i["recurrence"]["rrule"] for i in items} == {"FREQ=WEEKLY;BYDAY=TH;COUNT=3"}
    assert not any(i["recurrence"]["is_exception"] for i in items)
    durations = [
        datetime.fromisoformat(i["end"]) - datetime.fromisoformat(i["start"]) for i in items
    ]
    assert {d.total_seconds() for d in durations} == {90 * 60}


async def test_monthly_on_the_first_tuesday_and_quarterly(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, title="Clinic", start="2027-01-05T19:00:00",
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=4",
    )  # fmt: skip
    await schedule(
        client, c.domain, c.convenor, title="Review", start="2027-01-14T10:00:00",
        rrule="FREQ=MONTHLY;INTERVAL=3;UNTIL=20271231",
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member)
    clinic = [i["start_local"] for i in items if i["title"] == "Clinic"]
    review = [i["start_local"] for i in items if i["title"] == "Review"]
    assert clinic == [
        "2027-01-05T19:00:00",
        "2027-02-02T19:00:00",
        "2027-03-02T19:00:00",
        "2027-04-06T19:00:00",
    ]
    assert review == [
        "2027-01-14T10:00:00",
        "2027-04-14T10:00:00",
        "2027-07-14T10:00:00",
        "2027-10-14T10:00:00",
    ]
    # A date-only UNTIL is stored as the end of that day in the gathering's zone, in UTC.
    rules = {i["recurrence"]["rrule"] for i in items if i["title"] == "Review"}
    assert rules == {"FREQ=MONTHLY;INTERVAL=3;UNTIL=20271231T225959Z"}


async def test_a_series_starts_on_its_first_occurrence(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    # 6 January 2027 is a Wednesday; the series meets on Thursdays.
    first = await schedule(
        client, c.domain, c.convenor, start="2027-01-06T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=2",
    )  # fmt: skip
    assert first["start_local"] == "2027-01-07T18:00:00"
    assert first["recurrence"]["original_start"] == first["start"]


async def test_a_one_off_with_everything(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    agenda = [
        {"title": "Check-in round", "kind": "check_in", "minutes": 15},
        {"title": "A case from the floor", "kind": "presentation", "minutes": 30},
        {"title": "Open sharing", "kind": "open_sharing", "minutes": 45},
    ]
    created = await schedule(
        client, c.domain, c.convenor, title="Case clinic", theme="Families",
        guiding_question="What helped you stay present?", description="Bring a case.",
        start="2027-02-01T18:00:00+01:00", timezone="Europe/London", duration_minutes=90,
        modality="hybrid", location="Room 2", join_url="https://meet.example.org/clinic",
        capacity=12, host_ids=[str(c.member.id)], agenda=agenda,
    )  # fmt: skip
    assert created["start"] == "2027-02-01T17:00:00Z"
    assert created["start_local"] == "2027-02-01T17:00:00"  # London wall clock
    assert created["end"] == "2027-02-01T18:30:00Z"
    assert created["recurrence"]["rrule"] is None and created["recurrence"]["index"] == 0
    assert created["host_ids"] == [str(c.member.id)]
    assert created["agenda"] == agenda
    assert created["join_url"] == "https://meet.example.org/clinic"
    assert (created["status"], created["going_count"], created["my_rsvp"]) == (
        "scheduled",
        0,
        None,
    )
    fetched = ok(await client.get(f"{API}/gatherings/{created['id']}", headers=auth(c.member)))
    assert fetched == created


async def test_the_scheduler_hosts_by_default(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    created = await schedule(client, c.domain, c.core)
    assert created["host_ids"] == [str(c.core.id)]


async def test_hosts_rotate_through_the_series(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    a, b = c.member, c.core
    await schedule(
        client, c.domain, c.convenor, start="2027-03-04T18:00:00",
        rrule="FREQ=WEEKLY;BYDAY=TH;COUNT=5", rotation_host_ids=[str(a.id), str(b.id)],
        host_ids=[str(c.convenor.id)],
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member)
    expected = [a, b, a, b, a]
    assert [i["host_ids"] for i in items] == [[str(p.id), str(c.convenor.id)] for p in expected]


@pytest.mark.parametrize("who", ["convenor", "core"])
async def test_convenors_and_the_core_group_schedule(
    client: AsyncClient, session: AsyncSession, who: str
) -> None:
    c = await circle(session)
    await schedule(client, c.domain, getattr(c, who))
    assert await count(session, Gathering) == 1


async def test_members_and_others_do_not_schedule(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    hidden = await circle(session, visibility="private")
    url = f"{API}/domains/{c.slug}/gatherings"
    problem(await client.post(url, json=gathering_body(), headers=auth(c.member)), 403, "forbidden")
    problem(
        await client.post(url, json=gathering_body(), headers=auth(c.outsider)), 403, "forbidden"
    )
    problem(await client.post(url, json=gathering_body()), 401, "unauthenticated")
    problem(
        await client.post(
            f"{API}/domains/{hidden.slug}/gatherings",
            json=gathering_body(),
            headers=auth(c.convenor),
        ),
        404,
        "not-found",
    )
    assert await count(session, Gathering) == 0


@pytest.mark.parametrize("field", ["host_ids", "rotation_host_ids"])
@pytest.mark.parametrize("status", [None, "invited", "left"])
async def test_hosts_are_active_members(
    client: AsyncClient, session: AsyncSession, field: str, status: str | None
) -> None:
    c = await circle(session)
    stranger = c.outsider
    if status is not None:
        await add_member(session, c.domain, stranger, status=status)
    response = await client.post(
        f"{API}/domains/{c.slug}/gatherings",
        json=gathering_body(rrule="FREQ=WEEKLY;COUNT=2", **{field: [str(stranger.id)]}),
        headers=auth(c.convenor),
    )
    body = problem(response, 422, "validation-error")
    assert problem_fields(body) == {field} and problem_field_codes(body) == {"not_member"}
    assert await snapshot(session) == {
        "GatheringSeries": 0,
        "Gathering": 0,
        "Rsvp": 0,
        "Attendance": 0,
    }


# Bad input: a clear 422, nothing written


BAD_GATHERINGS: list[tuple[dict[str, Any], str, str | None]] = [
        ({"rrule": "every thursday"}, "rrule", "rrule_syntax"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX;COUNT=3"}, "rrule", "rrule_syntax"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=TH"}, "rrule", "rrule_unbounded"),
        ({"rrule": "FREQ=HOURLY;COUNT=3"}, "rrule", "rrule_frequency"),
        ({"rrule": "FREQ=DAILY;COUNT=501"}, "rrule", "rrule_too_long"),
        ({"rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2"}, "rrule", "rrule_empty"),
        ({"rrule": "FREQ=WEEKLY;INTERVAL=0;COUNT=3"}, "rrule", "rrule_syntax"),
        ({"rrule": "FREQ=WEEKLY;COUNT=2;UNTIL=20280101T000000Z"}, "rrule", "rrule_syntax"),
        ({"timezone": "Europe/Atlantis"}, "timezone", None),
        ({"timezone": "CEST"}, "timezone", None),
        ({"join_url": "ftp://files.example.org/x"}, "join_url", None),
        ({"join_url": "javascript:alert(1)"}, "join_url", None),
        ({"join_url": "https://" + "x" * 2000 + ".org"}, "join_url", None),
        ({"duration_minutes": 0}, "duration_minutes", None),
        ({"capacity": 0}, "capacity", None),
        ({"start": "9999-12-31T23:00:00"}, "start", None),
        ({"title": "   "}, "title", None),
        ({"modality": "telepathy"}, "modality", None),
        (
            {"duration_minutes": 60, "agenda": [
                {"title": "Check-in", "kind": "check_in", "minutes": 30},
                {"title": "Sharing", "kind": "open_sharing", "minutes": 45},
            ]},
            "agenda",
            "agenda_too_long",
        ),
]  # fmt: skip


async def test_bad_gatherings_are_refused_and_nothing_is_written(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    before = await snapshot(session)
    for fields, field, code in BAD_GATHERINGS:
        response = await client.post(
            f"{API}/domains/{c.slug}/gatherings",
            json=gathering_body(**fields),
            headers=auth(c.convenor),
        )
        body = problem(response, 422, "validation-error")
        assert field in problem_fields(body), (fields, body)
        if code is not None:
            assert code in problem_field_codes(body), (fields, body)
        assert body["detail"]
    assert await snapshot(session) == before


# Listing


async def test_the_window_selects_occurrences_that_overlap_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, start="2027-01-10T10:00:00Z", timezone="UTC",
        duration_minutes=120,
    )  # fmt: skip

    async def titles(start: str, end: str) -> int:
        return len(await occurrences(client, c.domain, c.member, start, end))

    assert await titles("2027-01-10T11:00:00Z", "2027-01-10T11:30:00Z") == 1  # running
    assert await titles("2027-01-10T09:00:00Z", "2027-01-10T10:00:01Z") == 1
    assert await titles("2027-01-10T12:00:00Z", "2027-01-11T00:00:00Z") == 0  # over
    assert await titles("2027-01-09T00:00:00Z", "2027-01-10T10:00:00Z") == 0  # not begun
    # Times without an offset are UTC.
    assert await titles("2027-01-10T11:00:00", "2027-01-10T11:30:00") == 1


async def test_the_window_defaults_to_the_coming_ninety_days(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    await schedule(client, c.domain, c.convenor, start=from_now(days=10).isoformat())
    await schedule(client, c.domain, c.convenor, start=from_now(days=120).isoformat())
    await schedule(client, c.domain, c.convenor, start=from_now(days=-10).isoformat())
    page = ok(await client.get(f"{API}/domains/{c.slug}/gatherings", headers=auth(c.member)))
    assert len(page["items"]) == 1
    # With only `to`, the window is the ninety days before it.
    await schedule(client, c.domain, c.convenor, start="2030-06-03T18:00:00", title="June")
    await schedule(client, c.domain, c.convenor, start="2030-01-03T18:00:00", title="January")
    page = ok(
        await client.get(
            f"{API}/domains/{c.slug}/gatherings",
            params={"to": "2030-06-30T00:00:00Z"},
            headers=auth(c.member),
        )
    )
    assert [i["title"] for i in page["items"]] == ["June"]


async def test_pages_follow_the_cursor(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, start="2027-05-06T18:00:00",
        rrule="FREQ=WEEKLY;COUNT=5",
    )  # fmt: skip
    window: dict[str, str | int] = {
        "from": "2027-05-01T00:00:00Z",
        "to": "2027-07-01T00:00:00Z",
        "limit": 2,
    }
    url = f"{API}/domains/{c.slug}/gatherings"
    seen: list[str] = []
    sizes = []
    cursor = None
    while True:
        params = dict(window)
        if cursor:
            params["cursor"] = cursor
        response = await client.get(url, params=params, headers=auth(c.member))
        page = ok(response)
        sizes.append(len(page["items"]))
        seen.extend(i["start"] for i in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
    assert sizes == [2, 2, 1]
    assert seen == sorted(seen) and len(set(seen)) == 5
    problem(
        await client.get(url, params={**window, "cursor": "not-a-cursor"}, headers=auth(c.member)),
        422,
        "validation-error",
    )


async def test_the_status_filter(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    await schedule(
        client, c.domain, c.convenor, start="2027-05-06T18:00:00", rrule="FREQ=WEEKLY;COUNT=3"
    )
    items = await occurrences(client, c.domain, c.member)
    ok(await client.delete(f"{API}/gatherings/{items[1]['id']}", headers=auth(c.convenor)))
    cancelled = await occurrences(client, c.domain, c.member, status="cancelled")
    scheduled = await occurrences(client, c.domain, c.member, status="scheduled")
    assert [i["id"] for i in cancelled] == [items[1]["id"]]
    assert [i["id"] for i in scheduled] == [items[0]["id"], items[2]["id"]]
    problem(
        await client.get(f"{API}/domains/{c.slug}/gatherings", params={"status": "someday"}),
        422,
        "validation-error",
    )


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"from": "2027-02-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}, "to"),
        ({"from": "2027-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}, "to"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"}, "to"),
        ({"from": "9999-12-31T00:00:00Z"}, "from"),
        ({"from": "yesterday"}, "query.from"),
    ],
)
async def test_bad_windows_are_refused(
    client: AsyncClient, session: AsyncSession, window: dict[str, str], field: str
) -> None:
    c = await circle(session)
    for url in (f"{API}/domains/{c.slug}/gatherings", f"{API}/gatherings"):
        body = problem(
            await client.get(url, params=window, headers=auth(c.member)), 422, "validation-error"
        )
        assert field in problem_fields(body), body


async def test_my_agenda_spans_my_domains_only(client: AsyncClient, session: AsyncSession) -> None:
    me = await make_person(session)
    ours = await circle(session)
    private = await circle(session, visibility="private")
    public_elsewhere = await circle(session)
    invited = await circle(session, visibility="private")
    archived = await circle(session)
    await add_member(session, ours.domain, me)
    await add_member(session, private.domain, me)
    await add_member(session, invited.domain, me, status="invited")
    await add_member(session, archived.domain, me)
    start = "2027-06-03T18:00:00"
    for place in (ours, private, public_elsewhere, invited, archived):
        await schedule(client, place.domain, place.convenor, title=place.slug, start=start)
    ok(await client.delete(f"{API}/domains/{archived.slug}", headers=auth(archived.convenor)))
    window = {"from": "2027-06-01T00:00:00Z", "to": "2027-07-01T00:00:00Z"}
    page = ok(await client.get(f"{API}/gatherings", params=window, headers=auth(me)))
    assert sorted(i["title"] for i in page["items"]) == sorted([ours.slug, private.slug])
    problem(await client.get(f"{API}/gatherings", params=window), 401, "unauthenticated")


async def test_join_urls_are_for_members(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    created = await schedule(
        client, c.domain, c.convenor, modality="online", join_url="https://meet.example.org/a",
        start="2027-06-03T18:00:00",
    )  # fmt: skip
    url = f"{API}/gatherings/{created['id']}"
    assert ok(await client.get(url, headers=auth(c.member)))["join_url"] == (
        "https://meet.example.org/a"
    )
    assert ok(await client.get(url, headers=auth(c.outsider)))["join_url"] is None
    assert ok(await client.get(url))["join_url"] is None
    moved = "https://meet.example.org/b"
    changed = ok(await client.patch(url, json={"join_url": moved}, headers=auth(c.convenor)))
    assert changed["join_url"] == moved
    listed = await occurrences(client, c.domain, c.member)
    assert [i["join_url"] for i in listed] == [moved]
    listed = await occurrences(client, c.domain, c.outsider)
    assert [i["join_url"] for i in listed] == [None]
    listed = await occurrences(client, c.domain, None)
    assert [i["join_url"] for i in listed] == [None]


async def test_private_domain_gatherings_are_invisible_to_outsiders(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session, visibility="private")
    created = await schedule(client, c.domain, c.convenor, start="2027-06-03T18:00:00")
    url = f"{API}/gatherings/{created['id']}"
    for headers in (auth(c.outsider), {}):
        problem(await client.get(url, headers=headers), 404, "not-found")
        problem(
            await client.get(f"{API}/domains/{c.slug}/gatherings", headers=headers),
            404,
            "not-found",
        )
        problem(await client.get(f"{url}/rsvps", headers=auth(c.outsider)), 404, "not-found")
    problem(await patch(client, created["id"], c.outsider, title="x"), 404, "not-found")
    assert ok(await client.get(url, headers=auth(c.member)))["id"] == created["id"]
    problem(await client.get(f"{API}/gatherings/{uuid.uuid4()}", headers=auth(c.member)), 404)


# Editing


async def weekly(client: AsyncClient, c: Circle, **fields: Any) -> list[dict[str, Any]]:
    """Six Thursdays at 18:00 in Amsterdam, across the end of summer time."""
    fields.setdefault("rrule", "FREQ=WEEKLY;BYDAY=TH;COUNT=6")
    await schedule(client, c.domain, c.convenor, start="2027-10-14T18:00:00", **fields)
    return await occurrences(client, c.domain, c.member)


async def test_moving_one_occurrence(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    moved = ok(await patch(client, items[3]["id"], c.convenor, start="2027-11-05T19:30:00"))
    assert moved["start_local"] == "2027-11-05T19:30:00"
    assert moved["start"] == "2027-11-05T18:30:00Z"
    assert moved["recurrence"]["is_exception"] is True
    assert moved["recurrence"]["original_start"] == items[3]["start"]
    after = await occurrences(client, c.domain, c.member)
    for before, now in zip(items, after, strict=True):
        if before["id"] != moved["id"]:
            assert now["start"] == before["start"]
            assert now["recurrence"]["is_exception"] is False
    assert after[0]["recurrence"]["rrule"] == "FREQ=WEEKLY;BYDAY=TH;COUNT=6"


async def test_cancelling_one_occurrence(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    cancelled = ok(await patch(client, items[1]["id"], c.convenor, status="cancelled"))
    assert (cancelled["status"], cancelled["recurrence"]["is_exception"]) == ("cancelled", True)
    url = f"{API}/gatherings/{items[2]['id']}"
    problem(await client.delete(url, headers=auth(c.core)), 403, "forbidden")  # not a host
    problem(await client.delete(url, headers=auth(c.member)), 403, "forbidden")
    deleted = ok(await client.delete(url, headers=auth(c.convenor)))
    assert deleted["status"] == "cancelled"
    statuses = [i["status"] for i in await occurrences(client, c.domain, c.member)]
    assert statuses == [
        "scheduled",
        "cancelled",
        "cancelled",
        "scheduled",
        "scheduled",
        "scheduled",
    ]
    # Reinstating works too.
    back = ok(await patch(client, items[1]["id"], c.convenor, status="scheduled"))
    assert back["status"] == "scheduled"


async def test_changing_the_following_occurrences_splits_the_series(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c, capacity=10)
    for i in (2, 4):
        ok(
            await client.put(
                f"{API}/gatherings/{items[i]['id']}/rsvp",
                json={"response": "going"},
                headers=auth(c.member),
            )
        )
    changed = ok(
        await patch(
            client, items[2]["id"], c.convenor, "following",
            start="2027-10-28T19:00:00", theme="Later on",
        )
    )  # fmt: skip
    after = await occurrences(client, c.domain, c.member)
    assert [i["id"] for i in after] == [i["id"] for i in items]  # ids kept
    assert local_times(after) == [
        "2027-10-14T18:00:00",
        "2027-10-21T18:00:00",
        "2027-10-28T19:00:00",
        "2027-11-04T19:00:00",
        "2027-11-11T19:00:00",
        "2027-11-18T19:00:00",
    ]
    # 19:00 in Amsterdam is 17:00 UTC in summer time and 18:00 after it.
    assert utc_times(after)[2:4] == ["2027-10-28T17:00:00Z", "2027-11-04T18:00:00Z"]
    assert [i["theme"] for i in after] == ["", "", "Later on", "Later on", "Later on", "Later on"]
    old, new = after[0]["recurrence"], changed["recurrence"]
    assert old["series_id"] != new["series_id"]
    assert {i["recurrence"]["series_id"] for i in after[:2]} == {old["series_id"]}
    assert {i["recurrence"]["series_id"] for i in after[2:]} == {new["series_id"]}
    # The first half ends just before the split (18:00 CEST is 16:00 UTC).
    assert old["rrule"] == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20271028T155959Z"
    assert new["rrule"] == "FREQ=WEEKLY;BYDAY=TH;COUNT=4"
    assert [i["recurrence"]["index"] for i in after] == [0, 1, 0, 1, 2, 3]
    assert [i["recurrence"]["original_start"] for i in after[2:]] == utc_times(after)[2:]
    assert not any(i["recurrence"]["is_exception"] for i in after)
    assert [i["my_rsvp"] for i in after] == [None, None, "going", None, "going", None]
    # Each half still expands to exactly its own occurrences.
    first_local = recurrence.local_start(datetime.fromisoformat(after[2]["start"]), "UTC")
    assert len(recurrence.expand(new["rrule"], first_local)) == 4


async def test_changing_from_the_first_occurrence_changes_the_whole_series(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    ok(
        await patch(
            client, items[0]["id"], c.convenor, "following",
            start="2027-10-14T17:30:00", title="Earlier", duration_minutes=60,
        )
    )  # fmt: skip
    after = await occurrences(client, c.domain, c.member)
    assert [i["id"] for i in after] == [i["id"] for i in items]
    assert {i["start_local"][11:] for i in after} == {"17:30:00"}
    assert {i["title"] for i in after} == {"Earlier"}
    assert {i["duration_minutes"] for i in after} == {60}
    assert {i["recurrence"]["series_id"] for i in after} == {items[0]["recurrence"]["series_id"]}
    assert {i["recurrence"]["rrule"] for i in after} == {"FREQ=WEEKLY;BYDAY=TH;COUNT=6"}
    assert [i["recurrence"]["original_start"] for i in after] == utc_times(after)


async def test_following_keeps_the_rule_after_an_occurrence_moved_on_its_own(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    ok(await patch(client, items[2]["id"], c.convenor, start="2027-10-29T18:00:00"))  # a Friday
    ok(await patch(client, items[2]["id"], c.convenor, "following", theme="Autumn"))
    after = await occurrences(client, c.domain, c.member)
    assert local_times(after) == [
        "2027-10-14T18:00:00",
        "2027-10-21T18:00:00",
        "2027-10-29T18:00:00",
        "2027-11-04T18:00:00",
        "2027-11-11T18:00:00",
        "2027-11-18T18:00:00",
    ]
    assert after[2]["recurrence"]["is_exception"] is True
    assert after[2]["recurrence"]["original_start"] == items[2]["start"]
    assert [i["recurrence"]["original_start"] for i in after[3:]] == utc_times(items)[3:]


async def test_following_moves_an_until_series_without_losing_its_end(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c, rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20271118")
    assert len(items) == 6
    changed = ok(
        await patch(client, items[2]["id"], c.convenor, "following", start="2027-10-28T20:00:00")
    )
    rule = changed["recurrence"]["rrule"]
    assert rule == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20271118T190000Z"
    after = await occurrences(client, c.domain, c.member)
    start = recurrence.local_start(datetime.fromisoformat(after[2]["start"]), "Europe/Amsterdam")
    generated = recurrence.expand(rule, start)
    assert [g.astimezone(UTC) for g in generated] == [
        datetime.fromisoformat(i["start"]) for i in after[2:]
    ]


async def test_following_can_move_a_plain_weekly_series_to_another_day(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c, rrule="FREQ=WEEKLY;COUNT=4")
    ok(await patch(client, items[1]["id"], c.convenor, "following", start="2027-10-22T18:00:00"))
    after = await occurrences(client, c.domain, c.member)
    days = [datetime.fromisoformat(i["start_local"]).strftime("%a %d") for i in after]
    assert days == ["Thu 14", "Fri 22", "Fri 29", "Fri 05"]
    assert after[1]["recurrence"]["rrule"] == "FREQ=WEEKLY;COUNT=3"


async def test_a_whole_series_can_move_by_a_week(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c, rrule="FREQ=WEEKLY;COUNT=4")
    # Every occurrence takes the slot of the next one, which the unique
    # (series, original start) must not trip over halfway through the update.
    ok(await patch(client, items[0]["id"], c.convenor, "following", start="2027-10-21T18:00:00"))
    after = await occurrences(client, c.domain, c.member)
    assert [i["id"] for i in after] == [i["id"] for i in items]
    assert [i["start_local"][:10] for i in after] == [
        "2027-10-21",
        "2027-10-28",
        "2027-11-04",
        "2027-11-11",
    ]
    assert [i["recurrence"]["original_start"] for i in after] == utc_times(after)


async def test_following_cannot_move_the_day_of_a_byday_series(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    before = await series_state(session)
    body = problem(
        await patch(client, items[2]["id"], c.convenor, "following", start="2027-10-29T18:00:00"),
        422,
        "validation-error",
    )
    assert problem_field_codes(body) == {"series_day_change"}
    assert await series_state(session) == before


async def test_cancelling_the_following_occurrences(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    ok(
        await client.delete(
            f"{API}/gatherings/{items[4]['id']}",
            params={"scope": "following"},
            headers=auth(c.convenor),
        )
    )
    statuses = [i["status"] for i in await occurrences(client, c.domain, c.member)]
    assert statuses == ["scheduled"] * 4 + ["cancelled"] * 2


async def test_who_may_edit(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    created = await schedule(client, c.domain, c.convenor, host_ids=[str(c.member.id)])
    other = await make_person(session)
    await add_member(session, c.domain, other)
    problem(await patch(client, created["id"], other, title="Mine"), 403, "forbidden")
    problem(await patch(client, created["id"], c.outsider, title="Mine"), 403, "forbidden")
    problem(
        await client.patch(f"{API}/gatherings/{created['id']}", json={"title": "x"}),
        401,
        "unauthenticated",
    )
    assert ok(await patch(client, created["id"], c.member, title="Host's"))["title"] == "Host's"
    assert ok(await patch(client, created["id"], c.convenor, title="Conv"))["title"] == "Conv"


BAD_EDITS: list[tuple[dict[str, Any], str, str | None]] = [
    ({"capacity": 1}, "capacity", "below_going"),
    ({"duration_minutes": 20}, "agenda", "agenda_too_long"),
    (
        {"agenda": [{"title": "Long talk", "kind": "presentation", "minutes": 120}]},
        "agenda",
        "agenda_too_long",
    ),
    ({"status": "completed"}, "status", None),
    ({"title": None}, "title", "null"),
    ({"start": None}, "start", "null"),
    ({"join_url": "mailto:someone@example.org"}, "join_url", None),
    ({"host_ids": ["8f14e45f-ceea-467f-a0e6-1b1a2b3c4d5e"]}, "host_ids", "not_member"),
    ({"start": "0001-01-01T00:00:00"}, "start", None),
]


@pytest.mark.parametrize("scope", ["this", "following"])
async def test_bad_edits_are_refused_and_nothing_is_written(
    client: AsyncClient, session: AsyncSession, scope: str
) -> None:
    c = await circle(session)
    agenda = [{"title": "Check-in", "kind": "check_in", "minutes": 30}]
    await schedule(
        client, c.domain, c.convenor, start=at(from_now(days=7)), capacity=5, agenda=agenda,
        rrule="FREQ=WEEKLY;COUNT=3",
    )  # fmt: skip
    items = await occurrences(client, c.domain, c.member, at(from_now(days=-1)))
    for person in (c.member, c.core):
        for item in items[1:]:
            ok(
                await client.put(
                    f"{API}/gatherings/{item['id']}/rsvp",
                    json={"response": "going"},
                    headers=auth(person),
                )
            )
    before = await series_state(session)
    rows = await snapshot(session)
    for body, field, code in BAD_EDITS:
        response = await patch(client, items[1]["id"], c.convenor, scope, **body)
        problem_body = problem(response, 422, "validation-error")
        assert field in problem_fields(problem_body), (body, problem_body)
        if code is not None:
            assert code in problem_field_codes(problem_body), (body, problem_body)
        assert await series_state(session) == before, body
    assert await snapshot(session) == rows


async def test_a_completed_gathering_cannot_be_cancelled(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    created = await schedule(client, c.domain, c.convenor, start=from_now(hours=-2).isoformat())
    ok(
        await client.put(
            f"{API}/gatherings/{created['id']}/summary",
            json={"summary": "Good talk."},
            headers=auth(c.convenor),
        )
    )
    body = problem(
        await client.delete(f"{API}/gatherings/{created['id']}", headers=auth(c.convenor)),
        422,
        "validation-error",
    )
    assert problem_fields(body) == {"status"}
    fetched = ok(await client.get(f"{API}/gatherings/{created['id']}", headers=auth(c.member)))
    assert fetched["status"] == "completed"


async def test_concurrent_edits_of_one_series_do_not_deadlock(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    items = await weekly(client, c)
    for round_ in range(3):
        responses = await asyncio.gather(
            patch(client, items[0]["id"], c.convenor, "following", theme=f"round {round_}"),
            *(patch(client, i["id"], c.convenor, title=f"t{round_}") for i in items[1:]),
            patch(client, items[3]["id"], c.convenor, "following", location=f"room {round_}"),
        )
        assert [r.status_code for r in responses] == [200] * len(responses), [
            r.text for r in responses
        ]
    assert await count(session, Gathering) == 6


async def test_times_are_shown_in_the_gatherings_own_zone(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    created = await schedule(
        client, c.domain, c.convenor, start="2027-07-01T09:00:00-07:00",
        timezone="Asia/Tokyo",
    )  # fmt: skip
    assert created["start"] == "2027-07-01T16:00:00Z"
    local = datetime.fromisoformat(created["start_local"])
    expected = datetime(2027, 7, 1, 16, tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    assert local == expected.replace(tzinfo=None)
