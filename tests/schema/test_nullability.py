"""A nested field that can be refused for one item is nullable, so that refusing it nulls
that field alone, not the item, the list, and everything above it."""

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_member, gql, make_domain, make_person
from tests.support import gql_ok

TYPE = """query($name: String!) { __type(name: $name) {
  fields { name type { kind } } } }"""


@pytest.mark.parametrize(
    ("type_name", "field"),
    [
        ("Domain", "members"),
        ("Domain", "parent"),
        ("Membership", "person"),
        ("Membership", "domain"),
        ("Person", "email"),
    ],
)
async def test_refusable_fields_are_nullable(
    client: AsyncClient, type_name: str, field: str
) -> None:
    fields = gql_ok(await gql(client, TYPE, {"name": type_name}))["__type"]["fields"]
    kinds = {f["name"]: f["type"]["kind"] for f in fields}
    assert kinds[field] != "NON_NULL"


async def test_one_refused_member_list_leaves_the_rest_of_the_list(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    mine = await make_domain(session, amara, name="Mine")
    await make_domain(session, mei, name="Theirs")
    await make_domain(session, amara, name="Also Mine")
    assert mine.slug == "mine"
    body = await gql(
        client,
        "{ domains { nodes { slug members { nodes { person { uuid } } } } } }",
        as_=amara,
    )
    nodes = body["data"]["domains"]["nodes"]
    assert [n["slug"] for n in nodes] == ["mine", "theirs", "also-mine"]
    assert nodes[1]["members"] is None
    assert (
        nodes[0]["members"]["nodes"]
        == nodes[2]["members"]["nodes"]
        == [{"person": {"uuid": str(amara.id)}}]
    )
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["domains", "nodes", 1, "members"], "FORBIDDEN")
    ]


async def test_membership_whose_domain_you_no_longer_see(
    client: AsyncClient, session: AsyncSession
) -> None:
    """You left a private domain: your membership (history) stays yours, the domain does not."""
    amara = await make_person(session)
    mei = await make_person(session)
    quiet = await make_domain(session, amara, name="Quiet Room", visibility="private")
    await make_domain(session, amara, name="Open Room")
    await add_member(session, quiet, mei)
    gql_ok(await gql(client, 'mutation { joinDomain(slug: "open-room") { id } }', as_=mei))
    gql_ok(
        await gql(
            client,
            'mutation($p: UUID!) { endMembership(slug: "quiet-room", personId: $p) { id } }',
            {"p": str(mei.id)},
            as_=mei,
        )
    )
    body = await gql(client, "{ me { memberships { nodes { status domain { slug } } } } }", as_=mei)
    assert gql_ok(body)["me"]["memberships"]["nodes"] == [
        {"status": "left", "domain": None},
        {"status": "active", "domain": {"slug": "open-room"}},
    ]


@pytest.mark.parametrize(
    ("field", "lookup"),
    [
        ("domain", 'domain(slug: "nowhere") { slug }'),
        ("person", 'person(id: "00000000-0000-0000-0000-000000000000") { id }'),
        ("gathering", 'gathering(id: "00000000-0000-0000-0000-000000000000") { id }'),
        ("contribution", 'contribution(id: "00000000-0000-0000-0000-000000000000") { id }'),
        ("collection", 'collection(id: "00000000-0000-0000-0000-000000000000") { id }'),
        (
            "membership",
            'membership(slug: "nowhere", personId: "00000000-0000-0000-0000-000000000000")'
            " { status }",
        ),
    ],
)
async def test_a_missing_root_lookup_is_null_and_keeps_its_siblings(
    client: AsyncClient, session: AsyncSession, field: str, lookup: str
) -> None:
    """A missing (or hidden) object is null with NOT_FOUND at its path; `me` beside it
    keeps its data, as Relay clients expect."""
    person = await make_person(session)
    body = await gql(client, f"{{ me {{ displayName }} {lookup} }}", as_=person)
    assert body["data"] == {"me": {"displayName": person.display_name}, field: None}
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        ([field], "NOT_FOUND")
    ]
