"""Nested GraphQL reads batch through DataLoaders: the number of SQL statements does not
grow with the number of parents."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.people import Person
from tests.factories import add_member, gql, make_domain, make_person
from tests.support import gql_ok, gql_statements

DOMAINS_WITH_MEMBERS = """{ domains(first: 50) { edges { node {
  members { edges { node { person { displayName } } } } } } } }"""

MY_MEMBERSHIPS = """{ me { memberships(first: 50) { nodes {
  domain { slug } history { kind } } } } }"""

MEMBERS_PER_DOMAIN = 3


async def _add_domains(
    session: AsyncSession, convenor: Person, people: list[Person], n: int
) -> list[Domain]:
    created = []
    for _ in range(n):
        domain = await make_domain(session, convenor)
        for person in people:
            await add_member(session, domain, person)
        created.append(domain)
    return created


async def test_domains_members_people_constant(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    people = [await make_person(session) for _ in range(MEMBERS_PER_DOMAIN)]
    await _add_domains(session, convenor, people, 5)

    body = await gql(client, DOMAINS_WITH_MEMBERS, as_=convenor)
    edges = gql_ok(body)["domains"]["edges"]
    assert len(edges) == 5
    assert all(len(e["node"]["members"]["edges"]) == 1 + MEMBERS_PER_DOMAIN for e in edges)
    with_5 = await gql_statements(count_statements, client, DOMAINS_WITH_MEMBERS, as_=convenor)

    await _add_domains(session, convenor, people, 45)
    body = await gql(client, DOMAINS_WITH_MEMBERS, as_=convenor)
    edges = gql_ok(body)["domains"]["edges"]
    assert len(edges) == 50
    assert all(len(e["node"]["members"]["edges"]) == 1 + MEMBERS_PER_DOMAIN for e in edges)
    with_50 = await gql_statements(count_statements, client, DOMAINS_WITH_MEMBERS, as_=convenor)

    print(f"domains→members→person: {with_5} statements for 5 domains, {with_50} for 50")
    assert with_5 == with_50
    # the caller, the domains, then one batch each: domains+my memberships, members, people
    assert with_50 <= 6, count_statements.statements


async def test_constant_when_some_member_lists_are_refused(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    """An outsider sees the public domains but not their members: still one batch."""
    convenor = await make_person(session)
    outsider = await make_person(session)
    people = [await make_person(session)]
    await _add_domains(session, convenor, people, 5)
    few = await gql(client, DOMAINS_WITH_MEMBERS, as_=outsider)
    assert len(few["errors"]) == 5
    count_statements.reset()
    await gql(client, DOMAINS_WITH_MEMBERS, as_=outsider)
    with_5 = count_statements.count

    await _add_domains(session, convenor, people, 45)
    count_statements.reset()
    many = await gql(client, DOMAINS_WITH_MEMBERS, as_=outsider)
    with_50 = count_statements.count
    assert len(many["errors"]) == 50
    assert {e["extensions"]["code"] for e in many["errors"]} == {"FORBIDDEN"}
    assert with_5 == with_50


async def test_my_memberships_with_domain_and_history_constant(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    me = await make_person(session)
    await _add_domains(session, convenor, [me], 3)
    nodes = gql_ok(await gql(client, MY_MEMBERSHIPS, as_=me))["me"]["memberships"]["nodes"]
    assert len(nodes) == 3
    assert all(n["domain"] and n["history"] == [{"kind": "joined"}] for n in nodes)
    few = await gql_statements(count_statements, client, MY_MEMBERSHIPS, as_=me)

    await _add_domains(session, convenor, [me], 37)
    nodes = gql_ok(await gql(client, MY_MEMBERSHIPS, as_=me))["me"]["memberships"]["nodes"]
    assert len(nodes) == 40
    many = await gql_statements(count_statements, client, MY_MEMBERSHIPS, as_=me)

    print(f"me→memberships→domain+history: {few} statements for 3, {many} for 40")
    assert few == many
    assert many <= 5, count_statements.statements


async def test_domain_parent_batched(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    query = "{ domains(first: 50) { nodes { slug parent { slug } } } }"

    async def add_families(n: int) -> None:
        for _ in range(n):
            parent = await make_domain(session, convenor)
            await make_domain(session, convenor, parent_slug=parent.slug)

    await add_families(2)
    few = await gql_statements(count_statements, client, query, as_=convenor)
    await add_families(20)
    nodes = gql_ok(await gql(client, query, as_=convenor))["domains"]["nodes"]
    assert sum(1 for n in nodes if n["parent"]) == 22
    many = await gql_statements(count_statements, client, query, as_=convenor)
    assert few == many
