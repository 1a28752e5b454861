"""Relay-style connections: first/after, pageInfo, and pages that stay stable when rows
are inserted between two reads."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from tests.factories import add_member, gql, make_domain, make_person
from tests.support import gql_ok

DOMAINS = """query($first: Int, $after: String) { domains(first: $first, after: $after) {
  edges { cursor node { slug } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def _page(
    client: AsyncClient, first: int, after: str | None, viewer: Person | None = None
) -> dict[str, Any]:
    body = await gql(client, DOMAINS, {"first": first, "after": after}, as_=viewer)
    page: dict[str, Any] = gql_ok(body)["domains"]
    return page


def _slugs(page: dict[str, Any]) -> list[str]:
    return [e["node"]["slug"] for e in page["edges"]]


async def test_first_after_and_page_info(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    for i in range(5):
        await make_domain(session, amara, name=f"Circle {i}")

    first = await _page(client, 2, None)
    assert _slugs(first) == ["circle-0", "circle-1"]
    info = first["pageInfo"]
    assert info["hasNextPage"] is True
    assert info["hasPreviousPage"] is False
    assert info["startCursor"] == first["edges"][0]["cursor"]
    assert info["endCursor"] == first["edges"][-1]["cursor"]

    second = await _page(client, 2, info["endCursor"])
    assert _slugs(second) == ["circle-2", "circle-3"]
    # Read after a cursor, a page knows the rows before it are there.
    assert second["pageInfo"]["hasPreviousPage"] is True
    third = await _page(client, 2, second["pageInfo"]["endCursor"])
    assert _slugs(third) == ["circle-4"]
    assert third["pageInfo"]["hasNextPage"] is False

    # Exactly a full page left: no phantom next page.
    exact = await _page(client, 3, info["endCursor"])
    assert _slugs(exact) == ["circle-2", "circle-3", "circle-4"]
    assert exact["pageInfo"]["hasNextPage"] is False

    # Past the end: empty, and the cursors say so; the rows read so far lie before it.
    empty = await _page(client, 2, third["pageInfo"]["endCursor"])
    assert empty["edges"] == []
    assert empty["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_any_edge_cursor_resumes_after_that_edge(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    for i in range(4):
        await make_domain(session, amara, name=f"Circle {i}")
    page = await _page(client, 4, None)
    after_second = page["edges"][1]["cursor"]
    assert _slugs(await _page(client, 10, after_second)) == ["circle-2", "circle-3"]


async def test_stable_under_inserts_between_pages(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    for i in range(4):
        await make_domain(session, amara, name=f"Circle {i}")

    seen: list[str] = []
    page = await _page(client, 2, None)
    seen += _slugs(page)
    # Others create domains while we page: nothing we have seen repeats, nothing we were
    # about to see is skipped, and the newcomers arrive at the end (oldest first).
    await make_domain(session, amara, name="Newcomer A")
    page = await _page(client, 2, page["pageInfo"]["endCursor"])
    seen += _slugs(page)
    await make_domain(session, amara, name="Newcomer B")
    while page["pageInfo"]["hasNextPage"]:
        page = await _page(client, 2, page["pageInfo"]["endCursor"])
        seen += _slugs(page)
    assert seen == ["circle-0", "circle-1", "circle-2", "circle-3", "newcomer-a", "newcomer-b"]


async def test_stable_when_a_seen_row_disappears(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A keyset cursor does not shift when an earlier row leaves the list (archived)."""
    amara = await make_person(session)
    for i in range(4):
        await make_domain(session, amara, name=f"Circle {i}")
    page = await _page(client, 2, None, amara)
    gql_ok(await gql(client, 'mutation { archiveDomain(slug: "circle-0") { id } }', as_=amara))
    page = await _page(client, 2, page["pageInfo"]["endCursor"], amara)
    assert _slugs(page) == ["circle-2", "circle-3"]


MEMBERS = """query($after: String) { domain(slug: "circle") {
  members(first: 2, after: $after) { edges { node { person { displayName } } }
    pageInfo { hasNextPage endCursor } } } }"""


async def test_nested_connection_pages_and_stays_stable(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, display_name="P0")
    domain = await make_domain(session, amara, name="Circle")
    for i in range(1, 4):
        await add_member(session, domain, await make_person(session, display_name=f"P{i}"))

    names: list[str] = []
    after = None
    inserted = False
    while True:
        members = gql_ok(await gql(client, MEMBERS, {"after": after}, as_=amara))["domain"][
            "members"
        ]
        names += [e["node"]["person"]["displayName"] for e in members["edges"]]
        if not inserted:
            await add_member(session, domain, await make_person(session, display_name="P4"))
            inserted = True
        if not members["pageInfo"]["hasNextPage"]:
            break
        after = members["pageInfo"]["endCursor"]
    assert names == ["P0", "P1", "P2", "P3", "P4"]


async def test_people_and_memberships_connections_page(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, display_name="P0")
    for i in range(3):
        domain = await make_domain(session, amara, name=f"Circle {i}")
        await add_member(session, domain, await make_person(session, display_name=f"P{i + 1}"))

    people = gql_ok(
        await gql(
            client,
            "{ people(first: 3) { nodes { displayName } pageInfo { hasNextPage endCursor } } }",
            as_=amara,
        )
    )["people"]
    assert [p["displayName"] for p in people["nodes"]] == ["P0", "P1", "P2"]
    assert people["pageInfo"]["hasNextPage"] is True
    rest = gql_ok(
        await gql(
            client,
            """query($a: String) { people(first: 3, after: $a) {
                 nodes { displayName } pageInfo { hasNextPage } } }""",
            {"a": people["pageInfo"]["endCursor"]},
            as_=amara,
        )
    )["people"]
    assert [p["displayName"] for p in rest["nodes"]] == ["P3"]
    assert rest["pageInfo"]["hasNextPage"] is False

    query = """query($a: String) { me { memberships(first: 2, after: $a) {
      nodes { domain { slug } } pageInfo { hasNextPage endCursor } } } }"""
    first = gql_ok(await gql(client, query, {"a": None}, as_=amara))["me"]["memberships"]
    assert [n["domain"]["slug"] for n in first["nodes"]] == ["circle-0", "circle-1"]
    second = gql_ok(await gql(client, query, {"a": first["pageInfo"]["endCursor"]}, as_=amara))[
        "me"
    ]["memberships"]
    assert [n["domain"]["slug"] for n in second["nodes"]] == ["circle-2"]
    assert second["pageInfo"]["hasNextPage"] is False
