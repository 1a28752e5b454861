"""RSVPs against a capacity (under real concurrency), attendance, check-in, summaries."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from httpx import AsyncClient, Response
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.main import create_app
from app.models.gatherings import Attendance, Rsvp
from app.models.people import Person
from tests.factories import (
    Circle,
    add_member,
    at,
    auth,
    circle,
    from_now,
    headers_for,
    make_members,
    make_person,
    many_members,
    schedule,
)
from tests.support import API, count, ok, problem, snapshot


async def rsvp(client: AsyncClient, gathering_id: str, person: Person, response: str) -> Response:
    return await client.put(
        f"{API}/gatherings/{gathering_id}/rsvp", json={"response": response}, headers=auth(person)
    )


async def rsvps(client: AsyncClient, gathering_id: str, person: Person) -> dict[str, Any]:
    return ok(await client.get(f"{API}/gatherings/{gathering_id}/rsvps", headers=auth(person)))  # type: ignore[no-any-return]


async def statuses(client: AsyncClient, gathering_id: str, host: Person) -> dict[str, str]:
    return {r["person_id"]: r["status"] for r in (await rsvps(client, gathering_id, host))["items"]}


async def upcoming(client: AsyncClient, c: Circle, **fields: Any) -> str:
    created = await schedule(client, c.domain, c.convenor, start=at(from_now(days=3)), **fields)
    return str(created["id"])


# Responding


async def test_going_maybe_declined(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    gid = await upcoming(client, c)
    for answer in ("going", "maybe", "declined", "going"):
        body = ok(await rsvp(client, gid, c.member, answer))
        assert (body["status"], body["gathering_id"], body["person_id"]) == (
            answer,
            gid,
            str(c.member.id),
        )
        shown = ok(await client.get(f"{API}/gatherings/{gid}", headers=auth(c.member)))
        assert shown["my_rsvp"] == answer
        assert shown["going_count"] == (answer == "going")
    assert await count(session, Rsvp) == 1
    problem(await rsvp(client, gid, c.member, "perhaps"), 422, "validation-error")


async def test_only_active_members_respond(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    hidden = await circle(session, visibility="private")
    gid = await upcoming(client, c)
    hidden_gid = await upcoming(client, hidden)
    invited = await make_person(session)
    await add_member(session, c.domain, invited, status="invited")
    problem(await rsvp(client, gid, c.outsider, "going"), 403, "forbidden")
    problem(await rsvp(client, gid, invited, "going"), 403, "forbidden")
    problem(await rsvp(client, hidden_gid, c.member, "going"), 404, "not-found")
    problem(
        await client.put(f"{API}/gatherings/{gid}/rsvp", json={"response": "going"}),
        401,
        "unauthenticated",
    )
    assert await count(session, Rsvp) == 0


async def test_beyond_capacity_people_wait_in_arrival_order(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    gid = await upcoming(client, c, capacity=2)
    a, b, d, e = await make_members(session, c.domain, 4)
    answers = [ok(await rsvp(client, gid, p, "going"))["status"] for p in (a, b, d, e)]
    assert answers == ["going", "going", "waitlisted", "waitlisted"]
    # Saying "going" again keeps your place.
    assert ok(await rsvp(client, gid, d, "going"))["status"] == "waitlisted"
    listing = await rsvps(client, gid, c.convenor)
    assert listing["counts"] == {"going": 2, "maybe": 0, "declined": 0, "waitlisted": 2}
    waiting = [r for r in listing["items"] if r["status"] == "waitlisted"]
    assert [r["person_id"] for r in waiting] == [str(d.id), str(e.id)]
    assert waiting[0]["queued_at"] < waiting[1]["queued_at"]
    shown = ok(await client.get(f"{API}/gatherings/{gid}", headers=auth(e)))
    assert (shown["going_count"], shown["waitlist_count"], shown["my_rsvp"]) == (
        2,
        2,
        "waitlisted",
    )

    # Declining frees a place for the first in line.
    ok(await rsvp(client, gid, a, "declined"))
    assert await statuses(client, gid, c.convenor) == {
        str(a.id): "declined",
        str(b.id): "going",
        str(d.id): "going",
        str(e.id): "waitlisted",
    }
    # Coming back after declining joins the end of the queue.
    assert ok(await rsvp(client, gid, a, "going"))["status"] == "waitlisted"
    # Someone waitlisted who declines frees nothing.
    ok(await rsvp(client, gid, e, "declined"))
    assert (await rsvps(client, gid, c.convenor))["counts"]["going"] == 2
    # "maybe" from someone going also frees a place.
    ok(await rsvp(client, gid, b, "maybe"))
    assert (await statuses(client, gid, c.convenor))[str(a.id)] == "going"


async def test_a_host_removing_someone_promotes_the_waitlist(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    host = c.member
    gid = await upcoming(client, c, capacity=1, host_ids=[str(host.id)])
    a, b = await make_members(session, c.domain, 2)
    ok(await rsvp(client, gid, a, "going"))
    ok(await rsvp(client, gid, b, "going"))
    url = f"{API}/gatherings/{gid}/rsvps"
    problem(await client.delete(f"{url}/{a.id}", headers=auth(b)), 403, "forbidden")
    problem(await client.delete(f"{url}/{c.outsider.id}", headers=auth(host)), 404, "not-found")
    assert (await client.delete(f"{url}/{a.id}", headers=auth(host))).status_code == 204
    assert await statuses(client, gid, host) == {str(b.id): "going"}
    # Withdrawing your own RSVP is fine too, and frees the place.
    ok(await rsvp(client, gid, a, "going"))
    assert (await client.delete(f"{url}/{b.id}", headers=auth(b))).status_code == 204
    assert await statuses(client, gid, c.convenor) == {str(a.id): "going"}


async def test_no_one_is_promoted_into_a_cancelled_gathering(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    gid = await upcoming(client, c, capacity=1)
    a, b = await make_members(session, c.domain, 2)
    ok(await rsvp(client, gid, a, "going"))
    ok(await rsvp(client, gid, b, "going"))
    ok(await client.delete(f"{API}/gatherings/{gid}", headers=auth(c.convenor)))
    url = f"{API}/gatherings/{gid}/rsvps/{a.id}"
    assert (await client.delete(url, headers=auth(c.convenor))).status_code == 204
    assert await statuses(client, gid, c.convenor) == {str(b.id): "waitlisted"}
    # Reinstating it fills the place again.
    ok(await client.patch(f"{API}/gatherings/{gid}", json={"status": "scheduled"},
                          headers=auth(c.convenor)))  # fmt: skip
    assert await statuses(client, gid, c.convenor) == {str(b.id): "going"}


async def test_raising_the_capacity_promotes_in_order(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    gid = await upcoming(client, c, capacity=1)
    crowd = await make_members(session, c.domain, 4)
    for person in crowd:
        ok(await rsvp(client, gid, person, "going"))
    url = f"{API}/gatherings/{gid}"
    # Another change while full moves nobody.
    ok(await client.patch(url, json={"title": "Still full"}, headers=auth(c.convenor)))
    assert list((await statuses(client, gid, c.convenor)).values()).count("going") == 1
    ok(await client.patch(url, json={"capacity": 3}, headers=auth(c.convenor)))
    assert list((await statuses(client, gid, c.convenor)).values()) == [
        "going",
        "going",
        "going",
        "waitlisted",
    ]
    assert (await statuses(client, gid, c.convenor))[str(crowd[3].id)] == "waitlisted"
    shown = ok(await client.patch(url, json={"capacity": None}, headers=auth(c.convenor)))
    assert (shown["going_count"], shown["waitlist_count"]) == (4, 0)


async def test_no_rsvps_to_cancelled_or_past_gatherings(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    cancelled = await upcoming(client, c)
    ok(await client.delete(f"{API}/gatherings/{cancelled}", headers=auth(c.convenor)))
    past = await schedule(client, c.domain, c.convenor, start=at(from_now(days=-2)))
    completed = await schedule(client, c.domain, c.convenor, start=at(from_now(minutes=-30)))
    ok(
        await client.put(
            f"{API}/gatherings/{completed['id']}/summary",
            json={"summary": "Done early."},
            headers=auth(c.convenor),
        )
    )
    before = await snapshot(session)
    for answer in ("going", "maybe", "declined"):
        problem(await rsvp(client, cancelled, c.member, answer), 409, "gathering-cancelled")
        problem(await rsvp(client, past["id"], c.member, answer), 409, "gathering-past")
        problem(await rsvp(client, completed["id"], c.member, answer), 409, "gathering-past")
    assert await snapshot(session) == before


async def test_who_sees_which_rsvps(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    host = await make_person(session)
    await add_member(session, c.domain, host)
    gid = await upcoming(client, c, host_ids=[str(host.id)])
    a, b = await make_members(session, c.domain, 2)
    ok(await rsvp(client, gid, a, "going"))
    ok(await rsvp(client, gid, b, "maybe"))
    ok(await rsvp(client, gid, c.member, "declined"))
    for viewer in (host, c.convenor):
        listing = await rsvps(client, gid, viewer)
        assert {r["person_id"] for r in listing["items"]} == {
            str(a.id),
            str(b.id),
            str(c.member.id),
        }
    mine = await rsvps(client, gid, a)
    assert mine["counts"] == {"going": 1, "maybe": 1, "declined": 1, "waitlisted": 0}
    assert mine["mine"]["status"] == "going"
    assert [r["person_id"] for r in mine["items"]] == [str(a.id)]
    nobody = await rsvps(client, gid, c.core)  # a member who has not answered
    assert nobody["mine"] is None and nobody["items"] == []
    assert nobody["counts"]["going"] == 1
    problem(
        await client.get(f"{API}/gatherings/{gid}/rsvps", headers=auth(c.outsider)),
        403,
        "forbidden",
    )


# 200 people at once for 10 places


class Overlap:
    """The most database connections in use at the same moment: proof that requests ran
    side by side rather than one after another."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def checkout(self, *args: Any) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def checkin(self, *args: Any) -> None:
        with self._lock:
            self.now -= 1

    @contextmanager
    def watching(self, engine: AsyncEngine) -> Iterator["Overlap"]:
        event.listen(engine.sync_engine, "checkout", self.checkout)
        event.listen(engine.sync_engine, "checkin", self.checkin)
        try:
            yield self
        finally:
            event.remove(engine.sync_engine, "checkout", self.checkout)
            event.remove(engine.sync_engine, "checkin", self.checkin)


async def crowd_rsvp(
    client: AsyncClient, session: AsyncSession, base_url: str = ""
) -> tuple[str, list[Person], list[Response]]:
    c = await circle(session)
    gid = await upcoming(client, c, capacity=10)
    crowd = await many_members(session, c.domain, 200)
    headers = headers_for(crowd)
    started = asyncio.Event()

    async def one(h: dict[str, str]) -> Response:
        await started.wait()  # everyone leaves the blocks together
        return await client.put(
            f"{base_url}{API}/gatherings/{gid}/rsvp", json={"response": "going"}, headers=h
        )

    tasks = [asyncio.create_task(one(h)) for h in headers]
    await asyncio.sleep(0)
    started.set()
    return gid, crowd, list(await asyncio.gather(*tasks))


async def check_crowd(
    client: AsyncClient, session: AsyncSession, gid: str, responses: list[Response]
) -> None:
    assert [r.status_code for r in responses] == [200] * 200, {r.text for r in responses}
    answers = [r.json()["status"] for r in responses]
    assert answers.count("going") == 10 and answers.count("waitlisted") == 190
    assert await count(session, Rsvp, col(Rsvp.gathering_id) == gid) == 200
    going = await count(session, Rsvp, col(Rsvp.gathering_id) == gid, col(Rsvp.status) == "going")
    waiting = await count(
        session, Rsvp, col(Rsvp.gathering_id) == gid, col(Rsvp.status) == "waitlisted"
    )
    assert (going, waiting) == (10, 190)
    # Places went in the order the requests got through: everyone going queued first.
    going_at = [r.json()["queued_at"] for r in responses if r.json()["status"] == "going"]
    waiting_at = [r.json()["queued_at"] for r in responses if r.json()["status"] != "going"]
    assert max(going_at) < min(waiting_at)


async def test_two_hundred_simultaneous_rsvps_fill_ten_places(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    with Overlap().watching(engine) as overlap:
        began = time.perf_counter()
        gid, _, responses = await crowd_rsvp(client, session)
        took = time.perf_counter() - began
    await check_crowd(client, session, gid, responses)
    assert overlap.peak >= 20, overlap.peak  # many transactions open at once
    assert took < 30


@contextmanager
def serve(settings: Settings) -> Iterator[tuple[str, Any]]:
    """The app under uvicorn in a thread of its own, with its own engine and event loop."""
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def test_two_hundred_simultaneous_rsvps_over_http(
    session: AsyncSession, settings: Settings, engine: AsyncEngine
) -> None:
    with serve(settings) as (base_url, app):
        overlap = Overlap()
        event.listen(app.state.engine.sync_engine, "checkout", overlap.checkout)
        event.listen(app.state.engine.sync_engine, "checkin", overlap.checkin)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
            gid, _, responses = await crowd_rsvp(http, session)
            await check_crowd(http, session, gid, responses)
    assert overlap.peak >= 20, overlap.peak


# Attendance and check-in


async def test_hosts_record_attendance_idempotently(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    host = c.member
    created = await schedule(
        client, c.domain, c.convenor, start=at(from_now(minutes=-30)), host_ids=[str(host.id)],
        capacity=1,
    )  # fmt: skip
    gid = created["id"]
    came, walked_in, maybe, waited, declined = await make_members(session, c.domain, 5)
    # Answering is open until the end, so these RSVPs can come while it is under way.
    ok(await rsvp(client, gid, came, "going"))
    ok(await rsvp(client, gid, maybe, "maybe"))
    assert ok(await rsvp(client, gid, waited, "going"))["status"] == "waitlisted"
    ok(await rsvp(client, gid, declined, "declined"))
    url = f"{API}/gatherings/{gid}/attendance"
    present = [came, walked_in, maybe, waited, declined, came]
    body = {"person_ids": [str(p.id) for p in present]}
    first = ok(await client.post(url, json=body, headers=auth(host)))
    again = ok(await client.post(url, json=body, headers=auth(host)))
    assert first == again
    assert {a["person_id"]: a["walk_in"] for a in first} == {
        str(came.id): False,
        str(walked_in.id): True,
        str(maybe.id): False,
        str(waited.id): False,  # they had said they were coming
        str(declined.id): True,
    }
    assert {a["source"] for a in first} == {"host"}
    assert await count(session, Attendance) == 5
    listed = ok(await client.get(url, headers=auth(host)))
    assert sorted(a["person_id"] for a in listed) == sorted(a["person_id"] for a in first)


async def test_attendance_rules(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    now = await schedule(client, c.domain, c.convenor, start=at(from_now(minutes=-10)))
    later = await schedule(client, c.domain, c.convenor, start=at(from_now(hours=2)))
    cancelled = await schedule(client, c.domain, c.convenor, start=at(from_now(minutes=-5)))
    ok(await client.delete(f"{API}/gatherings/{cancelled['id']}", headers=auth(c.convenor)))
    left = await make_person(session)
    await add_member(session, c.domain, left, status="left")

    def post(gid: str, by: Person, *ids: Any) -> Any:
        return client.post(
            f"{API}/gatherings/{gid}/attendance",
            json={"person_ids": [str(i) for i in ids]},
            headers=auth(by),
        )

    body = problem(
        await post(now["id"], c.convenor, c.member.id, c.outsider.id, left.id),
        422,
        "validation-error",
    )
    assert body["errors"][0]["code"] == "not_member"
    assert str(c.outsider.id) in body["errors"][0]["message"]
    problem(await post(later["id"], c.convenor, c.member.id), 409, "gathering-not-started")
    problem(await post(cancelled["id"], c.convenor, c.member.id), 409, "gathering-cancelled")
    problem(await post(now["id"], c.member, c.member.id), 403, "forbidden")
    problem(await post(now["id"], c.outsider, c.member.id), 403, "forbidden")
    problem(
        await client.post(f"{API}/gatherings/{now['id']}/attendance", json={"person_ids": []}),
        401,
    )
    problem(
        await client.post(
            f"{API}/gatherings/{now['id']}/attendance",
            json={"person_ids": []},
            headers=auth(c.convenor),
        ),
        422,
        "validation-error",
    )
    assert await count(session, Attendance) == 0


async def test_members_check_themselves_in_during_the_gathering(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    running = await schedule(
        client, c.domain, c.convenor, start=at(from_now(minutes=-20)), duration_minutes=60
    )
    soon = await schedule(client, c.domain, c.convenor, start=at(from_now(minutes=10)))
    later = await schedule(client, c.domain, c.convenor, start=at(from_now(hours=2)))
    over = await schedule(
        client, c.domain, c.convenor, start=at(from_now(hours=-3)), duration_minutes=60
    )
    cancelled = await schedule(client, c.domain, c.convenor, start=at(from_now(minutes=-5)))
    ok(await client.delete(f"{API}/gatherings/{cancelled['id']}", headers=auth(c.convenor)))

    def check_in(gid: str, who: Person) -> Any:
        return client.post(f"{API}/gatherings/{gid}/check-in", headers=auth(who))

    mine = ok(await check_in(running["id"], c.member))
    assert (mine["source"], mine["walk_in"], mine["person_id"]) == (
        "self_check_in",
        True,
        str(c.member.id),
    )
    assert ok(await check_in(running["id"], c.member)) == mine  # twice is once
    assert ok(await check_in(soon["id"], c.member))["source"] == "self_check_in"  # 15 min early
    problem(await check_in(later["id"], c.member), 409, "outside-check-in-window")
    problem(await check_in(over["id"], c.member), 409, "outside-check-in-window")
    problem(await check_in(cancelled["id"], c.member), 409, "gathering-cancelled")
    problem(await check_in(running["id"], c.outsider), 403, "forbidden")
    assert await count(session, Attendance) == 2


async def test_attendance_respects_the_choice_to_share(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    host = await make_person(session)
    await add_member(session, c.domain, host)
    created = await schedule(
        client, c.domain, c.convenor, start=at(from_now(minutes=-20)), host_ids=[str(host.id)]
    )
    gid = created["id"]
    sharer, private, viewer = await make_members(session, c.domain, 3)
    ok(
        await client.patch(
            f"{API}/people/me", json={"share_participation": False}, headers=auth(private)
        )
    )
    for person in (sharer, private, viewer):
        ok(await client.post(f"{API}/gatherings/{gid}/check-in", headers=auth(person)))
    url = f"{API}/gatherings/{gid}/attendance"

    async def seen_by(who: Person) -> set[str]:
        return {a["person_id"] for a in ok(await client.get(url, headers=auth(who)))}

    everyone = {str(sharer.id), str(private.id), str(viewer.id)}
    assert await seen_by(host) == everyone
    assert await seen_by(c.convenor) == everyone
    assert await seen_by(viewer) == {str(sharer.id), str(viewer.id)}
    assert await seen_by(private) == everyone  # your own attendance is always yours to see
    problem(await client.get(url, headers=auth(c.outsider)), 403, "forbidden")


# Summaries


async def test_a_host_writes_the_summary(client: AsyncClient, session: AsyncSession) -> None:
    c = await circle(session)
    host = c.member
    created = await schedule(
        client, c.domain, c.convenor, start=at(from_now(hours=-2)), host_ids=[str(host.id)]
    )
    url = f"{API}/gatherings/{created['id']}/summary"
    body = {
        "summary": "Six stories about family conflict.",
        "decisions": ["Draft a one-page guide"],
        "follow_ups": ["Priya shares the template"],
    }
    problem(await client.put(url, json=body, headers=auth(c.core)), 403, "forbidden")
    problem(await client.put(url, json=body, headers=auth(c.outsider)), 403, "forbidden")
    done = ok(await client.put(url, json=body, headers=auth(host)))
    assert done["status"] == "completed"
    assert (done["summary"], done["decisions"], done["follow_ups"]) == (
        body["summary"],
        body["decisions"],
        body["follow_ups"],
    )
    assert done["summary_at"] is not None
    # A convenor may revise it.
    revised = ok(
        await client.put(url, json={**body, "summary": "Seven."}, headers=auth(c.convenor))
    )
    assert revised["summary"] == "Seven." and revised["status"] == "completed"


async def test_no_summary_before_the_start_or_for_a_cancelled_gathering(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    later = await schedule(client, c.domain, c.convenor, start=at(from_now(hours=1)))
    cancelled = await schedule(client, c.domain, c.convenor, start=at(from_now(hours=-3)))
    ok(await client.delete(f"{API}/gatherings/{cancelled['id']}", headers=auth(c.convenor)))
    body = {"summary": "Too soon."}
    problem(
        await client.put(
            f"{API}/gatherings/{later['id']}/summary", json=body, headers=auth(c.convenor)
        ),
        409,
        "gathering-not-started",
    )
    problem(
        await client.put(
            f"{API}/gatherings/{cancelled['id']}/summary", json=body, headers=auth(c.convenor)
        ),
        409,
        "gathering-cancelled",
    )
    problem(
        await client.put(
            f"{API}/gatherings/{later['id']}/summary",
            json={"summary": "x", "decisions": [""]},
            headers=auth(c.convenor),
        ),
        422,
        "validation-error",
    )
    for gid in (later["id"], cancelled["id"]):
        shown = ok(await client.get(f"{API}/gatherings/{gid}", headers=auth(c.member)))
        assert shown["summary"] == "" and shown["status"] != "completed"
