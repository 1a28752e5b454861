"""Gatherings over GraphQL: the same services as REST, batched through loaders."""

from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.gatherings import GatheringCreate, Rsvp
from app.models.people import Person
from app.services.gatherings import rsvps, scheduling
from tests.factories import actor_of, add_member, auth, gql, make_domain, make_person
from tests.support import count, error_codes, gql_ok, gql_statements

NESTED = """query($slug: String!) { domain(slug: $slug) {
  gatherings(first: 100) { edges { node { title
    hosts { displayName }
    rsvps { counts { going } items { status person { displayName } } } } } } } }"""


def _soon(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0, tzinfo=None)


async def _schedule(
    session: AsyncSession, domain: Domain, host: Person, n: int, members: list[Person]
) -> None:
    for i in range(n):
        g = await scheduling.create_gathering(
            session,
            actor_of(host),
            domain.slug,
            GatheringCreate(
                title=f"Clinic {i}",
                start=_soon(1 + i),
                timezone="Europe/London",
                duration_minutes=60,
                host_ids=[host.id],
            ),
        )
        for m in members:
            await rsvps.set_rsvp(session, actor_of(m), g.id, "going")


async def test_nested_gatherings_do_not_grow_with_data(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    members = [await make_person(session) for _ in range(3)]
    domain = await make_domain(session, convenor)
    for m in members:
        await add_member(session, domain, m)
    await _schedule(session, domain, convenor, 3, members)
    small = await gql_statements(
        count_statements, client, NESTED, {"slug": domain.slug}, as_=convenor
    )
    await _schedule(session, domain, convenor, 30, members)
    body = await gql(client, NESTED, {"slug": domain.slug}, as_=convenor)
    edges = gql_ok(body)["domain"]["gatherings"]["edges"]
    assert len(edges) == 33
    assert all(len(e["node"]["rsvps"]["items"]) == 3 for e in edges)
    assert all(e["node"]["hosts"][0]["displayName"] == convenor.display_name for e in edges)
    large = await gql_statements(
        count_statements, client, NESTED, {"slug": domain.slug}, as_=convenor
    )
    assert small == large, (small, large)


async def test_schedule_rsvp_and_parity_with_rest(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, member)
    body = await gql(
        client,
        """mutation($slug: String!, $input: GatheringInput!) {
             scheduleGathering(slug: $slug, input: $input) { uuid title joinUrl
               recurrence { rrule index } agenda { kind minutes } startLocal } }""",
        {
            "slug": domain.slug,
            "input": {
                "title": "Case clinic",
                "start": "2027-03-04T18:00:00",
                "timezone": "Europe/London",
                "durationMinutes": 90,
                "capacity": 1,
                "joinUrl": "https://meet.example.org/c",
                "modality": "online",
                "rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=4",
                "agenda": [{"title": "Check-in", "kind": "check_in", "minutes": 10}],
            },
        },
        as_=convenor,
    )
    created = gql_ok(body)["scheduleGathering"]
    assert created["recurrence"] == {"rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=4", "index": 0}
    assert created["startLocal"] == "2027-03-04T18:00:00"
    gid = created["uuid"]
    rsvp = """mutation($id: UUID!) { rsvp(id: $id, response: going) { status } }"""
    assert gql_ok(await gql(client, rsvp, {"id": gid}, as_=convenor))["rsvp"]["status"] == "going"
    assert (
        gql_ok(await gql(client, rsvp, {"id": gid}, as_=member))["rsvp"]["status"] == "waitlisted"
    )
    denied = await gql(client, rsvp, {"id": gid}, as_=outsider)
    assert error_codes(denied) == ["FORBIDDEN"]
    assert await count(session, Rsvp) == 2

    query = """query($id: UUID!) { gathering(id: $id) { id title joinUrl goingCount
      waitlistCount myRsvp capacity status rsvps { counts { going waitlisted } } } }"""
    as_member = gql_ok(await gql(client, query, {"id": gid}, as_=member))["gathering"]
    rest = (await client.get(f"/api/v1/gatherings/{gid}", headers=auth(member))).json()
    assert as_member["joinUrl"] == rest["join_url"] == "https://meet.example.org/c"
    assert (
        (as_member["goingCount"], as_member["waitlistCount"])
        == (rest["going_count"], rest["waitlist_count"])
        == (1, 1)
    )
    assert as_member["myRsvp"] == rest["my_rsvp"] == "waitlisted"
    as_outsider = await gql(client, query, {"id": gid}, as_=outsider)
    assert as_outsider["data"]["gathering"]["joinUrl"] is None
    assert error_codes(as_outsider) == ["FORBIDDEN"]  # rsvps are for members only


async def test_bad_input_is_bad_user_input(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    body = await gql(
        client,
        """mutation($slug: String!) { scheduleGathering(slug: $slug, input: {
             title: "x", start: "2027-01-01T10:00:00", timezone: "Mars/Olympus",
             durationMinutes: 30, rrule: "FREQ=SOMETIMES" }) { id } }""",
        {"slug": domain.slug},
        as_=convenor,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


AGENDAS = """query($slug: String!) { domain(slug: $slug) { members(first: 100) { nodes {
  person { displayName gatherings(first: 50) { nodes { id title } } } } } } }"""


async def test_agendas_of_many_people_batch(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    members = [await make_person(session) for _ in range(2)]
    for m in members:
        await add_member(session, domain, m)
    await _schedule(session, domain, convenor, 3, [])

    mine = gql_ok(await gql(client, "{ me { gatherings { nodes { uuid } } } }", as_=members[0]))
    rest = (await client.get("/api/v1/gatherings", headers=auth(members[0]))).json()
    shown = [n["uuid"] for n in mine["me"]["gatherings"]["nodes"]]
    assert shown == [g["id"] for g in rest["items"]]
    assert len(rest["items"]) == 3

    count_statements.reset()
    body = gql_ok(await gql(client, AGENDAS, {"slug": domain.slug}, as_=convenor))
    small = count_statements.count
    assert all(
        len(n["person"]["gatherings"]["nodes"]) == 3 for n in body["domain"]["members"]["nodes"]
    )
    for _ in range(10):
        await add_member(session, domain, await make_person(session))
    count_statements.reset()
    body = gql_ok(await gql(client, AGENDAS, {"slug": domain.slug}, as_=convenor))
    assert len(body["domain"]["members"]["nodes"]) == 13
    assert count_statements.count == small
