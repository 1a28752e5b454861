"""Relay connections read backwards (`last`/`before`) as well as forwards: reading a list
backwards gives the forward reading reversed, row for row and cursor for cursor, across
page boundaries that fall elsewhere, and whatever is inserted between two pages; root
lists and the nested ones the loaders batch alike."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from tests.factories import (
    add_member,
    at,
    contribute,
    from_now,
    gql,
    make_domain,
    make_person,
    schedule,
)
from tests.support import error_codes, gql_ok, only_error

ARGS = "first: $first, after: $after, last: $last, before: $before"
VARS = "$first: Int, $after: String, $last: Int, $before: String"
PAGE = "edges { cursor node { %s } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

Edge = tuple[Any, str]  # (the node's key, its cursor)


@dataclass
class Listing:
    """A connection somewhere in a query, and how to add a row to it."""

    query: str
    path: list[str]
    viewer: Person
    insert: Callable[[], Awaitable[Any]]
    lands_before: bool = False  # whether a new row lands before the list's last three


async def _read(client: AsyncClient, listing: Listing, **page: Any) -> dict[str, Any]:
    variables = {"first": None, "after": None, "last": None, "before": None, **page}
    data: Any = gql_ok(await gql(client, listing.query, variables, as_=listing.viewer))
    for key in listing.path:
        data = data[key]
    return dict(data)


def _edges(connection: dict[str, Any]) -> list[Edge]:
    return [(str(e["node"]), e["cursor"]) for e in connection["edges"]]


async def forwards(client: AsyncClient, listing: Listing, size: int) -> list[Edge]:
    seen: list[Edge] = []
    after = None
    while True:
        page = await _read(client, listing, first=size, after=after)
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        seen += _edges(page)
        if not info["hasNextPage"]:
            return seen
        after = info["endCursor"]


async def backwards(
    client: AsyncClient, listing: Listing, size: int, *, insert_between: bool = False
) -> list[Edge]:
    """Read from the end to the start; the edges in the list's order."""
    pages: list[list[Edge]] = []
    before = None
    while True:
        page = await _read(client, listing, last=size, before=before)
        info = page["pageInfo"]
        edges = _edges(page)
        assert len(edges) <= size
        assert info["hasNextPage"] is (before is not None)
        if edges:
            assert (info["startCursor"], info["endCursor"]) == (edges[0][1], edges[-1][1])
        pages.insert(0, edges)
        if insert_between and len(pages) == 1:
            await listing.insert()
        if not info["hasPreviousPage"]:
            return [edge for p in pages for edge in p]
        before = info["startCursor"]


async def domains_listing(session: AsyncSession, n: int) -> Listing:
    viewer = await make_person(session)
    for i in range(n):
        await make_domain(session, viewer, name=f"Circle {i}")
    query = f"query({VARS}) {{ domains({ARGS}) {{ {PAGE % 'slug'} }} }}"
    return Listing(query, ["domains"], viewer, lambda: make_domain(session, viewer))


async def people_listing(session: AsyncSession, n: int) -> Listing:
    viewer = await make_person(session)
    domain = await make_domain(session, viewer)
    for _ in range(n - 1):
        await add_member(session, domain, await make_person(session))

    async def insert() -> None:
        await add_member(session, domain, await make_person(session))

    query = f"query({VARS}) {{ people({ARGS}) {{ {PAGE % 'uuid'} }} }}"
    return Listing(query, ["people"], viewer, insert)


async def members_listing(session: AsyncSession, n: int) -> Listing:
    viewer = await make_person(session)
    domain = await make_domain(session, viewer, name="Members")
    for _ in range(n - 1):
        await add_member(session, domain, await make_person(session))

    async def insert() -> None:
        await add_member(session, domain, await make_person(session))

    query = f"""query({VARS}) {{ domain(slug: "members") {{
      members({ARGS}) {{ {PAGE % "uuid"} }} }} }}"""
    return Listing(query, ["domain", "members"], viewer, insert)


async def memberships_listing(session: AsyncSession, n: int) -> Listing:
    viewer = await make_person(session)
    for i in range(n):
        await make_domain(session, viewer, name=f"Mine {i}")
    query = f"query({VARS}) {{ me {{ memberships({ARGS}) {{ {PAGE % 'uuid'} }} }} }}"
    return Listing(query, ["me", "memberships"], viewer, lambda: make_domain(session, viewer))


async def contributions_listing(
    session: AsyncSession, client: AsyncClient, n: int, sort: str = "newest"
) -> Listing:
    viewer = await make_person(session)
    domain = await make_domain(session, viewer, name="Practice")
    author = await make_person(session)
    await add_member(session, domain, author)
    for i in range(n):
        made = await contribute(client, domain, author, title=f"Lesson {i}")
        for _ in range(i % 3 if sort == "most_endorsed" else 0):
            endorser = await make_person(session)
            await add_member(session, domain, endorser)
            body = await gql(
                client,
                "mutation($id: UUID!) { endorse(id: $id, kind: helpful) { uuid } }",
                {"id": made["id"]},
                as_=endorser,
            )
            gql_ok(body)

    query = f"""query({VARS}) {{ domain(slug: "practice") {{
      contributions(sort: {sort}, {ARGS}) {{ {PAGE % "title"} }} }} }}"""
    return Listing(
        query,
        ["domain", "contributions"],
        viewer,
        lambda: contribute(client, domain, author, title="Newcomer"),
        lands_before=True,  # newest first (or, by endorsements, first of the unendorsed)
    )


async def gatherings_listing(session: AsyncSession, client: AsyncClient, n: int) -> Listing:
    viewer = await make_person(session)
    domain = await make_domain(session, viewer, name="Rounds")
    first = from_now(days=2)
    for i in range(n):
        await schedule(client, domain, viewer, start=at(first + timedelta(hours=i)))

    async def insert() -> None:
        await schedule(client, domain, viewer, start=at(first + timedelta(days=30)))

    query = f"""query({VARS}) {{ domain(slug: "rounds") {{
      gatherings({ARGS}) {{ {PAGE % "uuid start"} }} }} }}"""
    return Listing(query, ["domain", "gatherings"], viewer, insert)


async def search_listing(session: AsyncSession, client: AsyncClient, n: int) -> Listing:
    viewer = await make_person(session)
    domain = await make_domain(session, viewer, name="Search")
    for i in range(n):
        # Ranks differ (more mentions rank higher) and tie (the same text twice).
        await contribute(client, domain, viewer, body="handover " * (1 + i // 2))

    query = f"""query({VARS}) {{ search(q: "handover", {ARGS}) {{
      {PAGE % "rank contribution { uuid }"} }} }}"""
    return Listing(
        query,
        ["search"],
        viewer,
        lambda: contribute(client, domain, viewer, body="handover " * 40),
        lands_before=True,  # the best match first: the newcomer ranks above them all
    )


async def _listing(name: str, session: AsyncSession, client: AsyncClient, n: int) -> Listing:
    if name == "domains":
        return await domains_listing(session, n)
    if name == "people":
        return await people_listing(session, n)
    if name == "members":
        return await members_listing(session, n)
    if name == "memberships":
        return await memberships_listing(session, n)
    if name == "gatherings":
        return await gatherings_listing(session, client, n)
    if name == "search":
        return await search_listing(session, client, n)
    sort = {"contributions": "newest", "contributions by endorsements": "most_endorsed"}[name]
    return await contributions_listing(session, client, n, sort)


LISTINGS = [
    "domains",
    "people",
    "members",
    "memberships",
    "contributions",
    "contributions by endorsements",
    "gatherings",
    "search",
]


@pytest.mark.parametrize("name", LISTINGS)
async def test_backwards_is_forwards_reversed(
    name: str, client: AsyncClient, session: AsyncSession
) -> None:
    listing = await _listing(name, session, client, 7)
    ahead = await forwards(client, listing, 3)
    assert len(ahead) == 7
    assert len({cursor for _, cursor in ahead}) == 7
    # Pages of 3 from the end fall on other boundaries (1 | 2-4 | 5-7) than from the
    # start (1-3 | 4-6 | 7); the rows and their cursors are the same.
    assert await backwards(client, listing, 3) == ahead
    assert await backwards(client, listing, 2) == ahead
    assert await backwards(client, listing, 7) == ahead
    assert await backwards(client, listing, 100) == ahead

    # A row inserted between two backward pages: the rest of the reading meets it if it
    # lands before the page just read, and not otherwise; nothing is repeated or skipped.
    read = await backwards(client, listing, 3, insert_between=True)
    now = await forwards(client, listing, 3)
    new = [edge for edge in now if edge not in ahead]
    assert len(now) == 8 and len(new) == 1
    lands_before = now.index(new[0]) < now.index(ahead[-3])
    assert lands_before is listing.lands_before
    assert read == (now if lands_before else ahead)


@pytest.mark.parametrize("name", ["domains", "members", "contributions", "search"])
async def test_turning_round_mid_list(
    name: str, client: AsyncClient, session: AsyncSession
) -> None:
    listing = await _listing(name, session, client, 7)
    first = await _read(client, listing, first=3)
    second = await _read(client, listing, first=3, after=first["pageInfo"]["endCursor"])
    back = await _read(client, listing, last=3, before=second["pageInfo"]["startCursor"])
    assert _edges(back) == _edges(first)
    assert (back["pageInfo"]["hasPreviousPage"], back["pageInfo"]["hasNextPage"]) == (False, True)
    ahead = await _read(client, listing, first=3, after=back["pageInfo"]["endCursor"])
    assert _edges(ahead) == _edges(second)
    # Both bounds: the rows strictly between two cursors, from either end.
    everything = _edges(await _read(client, listing, first=7))
    start, end = everything[1][1], everything[5][1]
    between = everything[2:5]
    assert _edges(await _read(client, listing, first=10, after=start, before=end)) == between
    assert _edges(await _read(client, listing, last=10, after=start, before=end)) == between
    last_two = await _read(client, listing, last=2, after=start, before=end)
    assert _edges(last_two) == between[1:]
    assert last_two["pageInfo"]["hasPreviousPage"] is True
    assert last_two["pageInfo"]["hasNextPage"] is True  # rows exist from `before` on


async def test_an_empty_page_before_the_first_row(
    client: AsyncClient, session: AsyncSession
) -> None:
    listing = await domains_listing(session, 3)
    first = _edges(await _read(client, listing, first=3))[0][1]
    page = await _read(client, listing, last=2, before=first)
    assert page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def test_nested_backward_pages_for_many_parents(
    client: AsyncClient, session: AsyncSession
) -> None:
    """One batch serves every domain's `members(last: 2)`; each gets its own page."""
    viewer = await make_person(session)
    sizes = {"one": 1, "two": 2, "five": 5}
    for name, size in sizes.items():
        domain = await make_domain(session, viewer, name=name)
        for _ in range(size - 1):
            await add_member(session, domain, await make_person(session))
    query = """{ domains { nodes { slug forwards: members(first: 10) { edges { cursor } }
      backwards: members(last: 2) { edges { cursor }
        pageInfo { hasPreviousPage hasNextPage } } } } }"""
    nodes = gql_ok(await gql(client, query, as_=viewer))["domains"]["nodes"]
    for node in nodes:
        every = [e["cursor"] for e in node["forwards"]["edges"]]
        assert len(every) == sizes[node["slug"]]
        assert [e["cursor"] for e in node["backwards"]["edges"]] == every[-2:]
        assert node["backwards"]["pageInfo"] == {
            "hasPreviousPage": len(every) > 2,
            "hasNextPage": False,
        }
    # And from a cursor in each, the rows behind it are known per parent.
    befores = {n["slug"]: n["forwards"]["edges"][-1]["cursor"] for n in nodes}
    for slug, before in befores.items():
        page = gql_ok(
            await gql(
                client,
                """query($s: String!, $b: String) { domain(slug: $s) {
                     members(last: 10, before: $b) { edges { cursor }
                       pageInfo { hasPreviousPage hasNextPage } } } }""",
                {"s": slug, "b": before},
                as_=viewer,
            )
        )["domain"]["members"]
        assert len(page["edges"]) == sizes[slug] - 1
        assert page["pageInfo"] == {"hasPreviousPage": False, "hasNextPage": True}


async def test_first_and_last_together_are_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    viewer = await make_person(session)
    await make_domain(session, viewer, name="Refusals")
    for arguments, field, code in [
        ("first: 2, last: 2", "last", "first_and_last"),
        ("last: 0", "last", "invalid"),
        ("last: 101", "last", "invalid"),
        ('last: 2, before: "nope"', "before", "invalid"),
    ]:
        body = await gql(client, f"{{ domains({arguments}) {{ nodes {{ slug }} }} }}", as_=viewer)
        error = only_error(body)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", arguments
        assert [(e["field"], e["code"]) for e in error["extensions"]["fieldErrors"]] == [
            (field, code)
        ], arguments
        nested = await gql(
            client,
            f'{{ domain(slug: "refusals") {{ members({arguments}) {{ nodes {{ uuid }} }} }} }}',
            as_=viewer,
        )
        assert error_codes(nested) == ["BAD_USER_INPUT"], arguments
    assert gql_ok(await gql(client, "{ domains(last: 100) { nodes { slug } } }", as_=viewer))


async def test_last_costs_as_first_does(client: AsyncClient, session: AsyncSession) -> None:
    viewer = await make_person(session)
    await make_domain(session, viewer)
    costs = []
    for word in ("first", "last"):
        members = f"members({word}: 5) {{ nodes {{ roles }} }}"
        query = f"{{ domains({word}: 10) {{ nodes {{ slug {members} }} }} }}"
        costs.append((await gql(client, query, as_=viewer))["extensions"]["cost"]["requested"])
    assert costs == [77, 77]
