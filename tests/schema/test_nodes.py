"""Relay global object identification: every object with an identity has a global `id`
that `node` and `nodes` refetch, under the rules of the object's own lookup; a missing
object and a hidden one are the same answer; a malformed id is the client's mistake."""

import base64
import uuid
from typing import Any

import pytest
from graphql import GraphQLObjectType
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Invalid
from app.models.people import Person
from app.schema.build import build_schema
from app.schema.nodes import KINDS, MAX_NODES, parse_node_id
from app.schema.relay import global_id, parse_global_id
from tests.factories import add_member, gql, make_domain, make_person
from tests.schema.nodes_support import World, private_world
from tests.support import error_codes, gql_ok

NODE = """query($id: ID!) { node(id: $id) { __typename id ... on %s { uuid } } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_every_type_with_an_identity_is_a_node_with_a_lookup() -> None:
    schema = build_schema(Settings(environment="test", secret_key="x" * 40))._schema
    node = schema.get_type("Node")
    implementing = {t.name for t in schema.get_possible_types(node)}  # type: ignore[arg-type]
    assert implementing == set(KINDS)
    # Every object type with an `id` is a Node: no `id` means something else anywhere.
    with_id = {
        name
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and "id" in t.fields and not name.startswith("__")
    }
    assert with_id - implementing == {"NetworkNode"}  # a person in a view, keyed by their UUID


@pytest.mark.parametrize("type_name", sorted(KINDS))
def test_a_global_id_round_trips(type_name: str) -> None:
    ident = uuid.uuid4()
    value = global_id(type_name, ident)
    assert value == b64(f"{type_name}:{ident}")
    kind, parsed = parse_node_id(value)
    assert (kind.name, parsed) == (type_name, ident)


UUID = "8c7b3a52-1f0e-4d0a-9a43-6f1e2d3c4b5a"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "%%%",
        "é",
        "Domain:" + UUID,  # not encoded
        b64("Domain"),
        b64("Domain:"),
        b64(":" + UUID),
        b64("Domain:not-a-uuid"),
        b64("Domain:" + UUID.upper()),  # not as we write it
        b64("Domain:" + UUID.replace("-", "")),
        b64("Domain:{" + UUID + "}"),
        b64("Domain:" + UUID + " "),
        b64("Domain:" + UUID).rstrip("="),  # padding dropped
        b64("Domain:" + UUID)[:-4] + " " + b64("Domain:" + UUID)[-4:],
        b64("Domain:" + UUID) + "\n",
        base64.b64encode(b"\xff\xfe:" + UUID.encode()).decode(),
        b64("Do main:" + UUID),
        b64("Domain:" + UUID) + "=",  # too much padding
    ],
)
def test_anything_else_is_a_field_error(value: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_global_id(value)
    assert [(e.field, e.code) for e in caught.value.errors] == [("id", "invalid_global_id")]


@pytest.mark.parametrize("type_name", ["PageInfo", "Query", "Rsvp", "NetworkNode", "Nobody"])
def test_a_type_without_identity_is_no_node_id(type_name: str) -> None:
    with pytest.raises(Invalid):
        parse_node_id(global_id(type_name, uuid.uuid4()))


async def _node(client: AsyncClient, world: World, type_name: str, viewer: Person | None) -> Any:
    return await gql(client, NODE % type_name, {"id": world.ids[type_name][0]}, as_=viewer)


async def test_node_refetches_every_kind(client: AsyncClient, session: AsyncSession) -> None:
    world = await private_world(client, session)
    assert set(world.ids) == set(KINDS)
    for type_name, (gid, ident) in world.ids.items():
        found = gql_ok(await _node(client, world, type_name, world.seen_by[type_name]))["node"]
        assert found == {"__typename": type_name, "id": gid, "uuid": ident}, type_name

    # All at once, in the order asked, repeats included. An admin sees every domain's
    # objects, but not someone else's feed token.
    asked = [*world.ids, "Domain"]
    body = await gql(client, NODES, {"ids": [world.ids[t][0] for t in asked]}, as_=world.admin)
    everything = body["data"]["nodes"]
    assert error_codes(body) == ["NOT_FOUND"]
    assert [n and n["id"] for n in everything] == [
        None if t == "FeedToken" else world.ids[t][0] for t in asked
    ]


async def test_a_refetch_shows_what_the_object_query_shows(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await private_world(client, session)
    fields = "uuid title status goingCount myRsvp joinUrl domain { slug }"
    own = gql_ok(
        await gql(
            client,
            f"query($id: UUID!) {{ gathering(id: $id) {{ {fields} }} }}",
            {"id": world.ids["Gathering"][1]},
            as_=world.member,
        )
    )["gathering"]
    refetched = gql_ok(
        await gql(
            client,
            f"query($id: ID!) {{ node(id: $id) {{ ... on Gathering {{ {fields} }} }} }}",
            {"id": world.ids["Gathering"][0]},
            as_=world.member,
        )
    )["node"]
    assert refetched == own
    assert own["joinUrl"] is None  # none was set; a member would see it


async def test_a_private_domains_ids_are_missing_ones_to_an_outsider(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await private_world(client, session)
    for type_name, (gid, _) in world.ids.items():
        hidden = await gql(client, NODE % type_name, {"id": gid}, as_=world.outsider)
        missing = await gql(
            client, NODE % type_name, {"id": global_id(type_name, uuid.uuid4())}, as_=world.outsider
        )
        assert hidden == missing, type_name
        assert hidden["data"] == {"node": None}
        assert error_codes(hidden) == ["NOT_FOUND"]
        assert hidden["errors"][0]["path"] == ["node"]
    # The root lookups agree: the domain is not there for them either.
    by_slug = await gql(
        client, "query($s: String!) { domain(slug: $s) { id } }", {"s": world.domain.slug},
        as_=world.outsider,
    )  # fmt: skip
    assert error_codes(by_slug) == ["NOT_FOUND"]


async def test_nodes_answers_each_id_on_its_own(client: AsyncClient, session: AsyncSession) -> None:
    world = await private_world(client, session)
    contribution, domain, report = (world.ids[t][0] for t in ("Contribution", "Domain", "Report"))
    ids = [
        contribution,  # visible
        report,  # hidden: a member does not see reports
        global_id("Gathering", uuid.uuid4()),  # missing
        "not an id",  # malformed
        domain,  # visible
        global_id("PageInfo", uuid.uuid4()),  # no such kind of node
        contribution,  # a repeat
    ]
    body = await gql(client, NODES, {"ids": ids}, as_=world.member)
    assert [n and n["__typename"] for n in body["data"]["nodes"]] == [
        "Contribution",
        None,
        None,
        None,
        "Domain",
        None,
        "Contribution",
    ]
    errors = {tuple(e["path"]): e["extensions"] for e in body["errors"]}
    assert {path: e["code"] for path, e in errors.items()} == {
        ("nodes", 1): "NOT_FOUND",
        ("nodes", 2): "NOT_FOUND",
        ("nodes", 3): "BAD_USER_INPUT",
        ("nodes", 5): "BAD_USER_INPUT",
    }
    assert errors[("nodes", 3)]["fieldErrors"] == [
        {"field": "ids", "message": "'not an id' is not an id this API gave out.",
         "code": "invalid_global_id"}
    ]  # fmt: skip


async def test_node_with_a_malformed_id_is_bad_input(client: AsyncClient) -> None:
    body = await gql(client, '{ node(id: "bm9wZQ==") { id } }')
    assert body["data"] == {"node": None}
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["node"]


async def test_nodes_is_bounded(client: AsyncClient, session: AsyncSession) -> None:
    person = await make_person(session)
    many = [global_id("Domain", uuid.uuid4()) for _ in range(MAX_NODES + 1)]
    refused = await gql(client, NODES, {"ids": many}, as_=person)
    assert refused["data"] is None
    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["extensions"]["fieldErrors"][0]["code"] == "too_many_ids"
    at_most = await gql(client, NODES, {"ids": many[:MAX_NODES]}, as_=person)
    assert at_most["data"] == {"nodes": [None] * MAX_NODES}
    assert error_codes(at_most) == ["NOT_FOUND"] * MAX_NODES


async def _answer(client: AsyncClient, query: str, variables: dict[str, Any], viewer: Any) -> Any:
    """What a query gives: its data, or its error codes."""
    body = await gql(client, query, variables, as_=viewer)
    value = next(iter(body["data"].values())) if body.get("data") else None
    return value["uuid"] if value else error_codes(body)


async def test_node_follows_the_rules_of_each_lookup(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Case by case, `node` gives what the object's own query gives (a refusal that would
    tell the object exists being NOT_FOUND)."""
    world = await private_world(client, session)
    invitee = await make_person(session)
    await add_member(session, world.domain, invitee, status="invited")
    slug = world.domain.slug
    contribution = world.ids["Contribution"][1]
    hide = "mutation($id: UUID!) { hideContribution(id: $id) { uuid } }"
    gql_ok(await gql(client, hide, {"id": contribution}, as_=world.convenor))
    by_contribution = ("query($id: UUID!) { contribution(id: $id) { uuid } }", {"id": contribution})
    by_slug = ("query($s: String!) { domain(slug: $s) { uuid } }", {"s": slug})
    by_person = (
        "query($s: String!, $p: UUID!) { membership(slug: $s, personId: $p) { uuid } }",
        {"s": slug, "p": str(invitee.id)},
    )
    invitation = await _answer(client, *by_person, world.convenor)
    cases: list[tuple[Person | None, tuple[str, dict[str, Any]], str, str, Any]] = [
        # A hidden contribution: for moderators only.
        (world.member, by_contribution, "Contribution", contribution, ["NOT_FOUND"]),
        (world.convenor, by_contribution, "Contribution", contribution, contribution),
        # An invitee sees the domain's card; an anonymous caller not even that.
        (invitee, by_slug, "Domain", str(world.domain.id), str(world.domain.id)),
        (None, by_slug, "Domain", str(world.domain.id), ["NOT_FOUND"]),
        # An invitation: for the convenor and the invitee, not for the other members.
        (world.convenor, by_person, "Membership", invitation, invitation),
        (invitee, by_person, "Membership", invitation, invitation),
        (world.member, by_person, "Membership", invitation, ["NOT_FOUND"]),
        (world.outsider, by_person, "Membership", invitation, ["NOT_FOUND"]),
    ]
    for viewer, (query, variables), type_name, ident, expected in cases:
        who = viewer.display_name if viewer else "anonymous"
        assert await _answer(client, query, variables, viewer) == expected, (who, type_name)
        gid = global_id(type_name, uuid.UUID(ident))
        node = await _answer(client, NODE % type_name, {"id": gid}, viewer)
        assert node == expected, (who, type_name)

    # An archived domain stays visible to its convenor, as through `domain(slug)`.
    gql_ok(await gql(client, "mutation($s: String!) { archiveDomain(slug: $s) { uuid } }",
                 {"s": slug}, as_=world.convenor))  # fmt: skip
    assert await _answer(client, *by_slug, world.convenor) == str(world.domain.id)
    assert (await _answer(client, *by_slug, world.member)) == ["NOT_FOUND"]
    archived = await _node(client, world, "Domain", world.convenor)
    assert gql_ok(archived)["node"]["uuid"] == str(world.domain.id)
    assert error_codes(await _node(client, world, "Domain", world.member)) == ["NOT_FOUND"]

    # Anonymous callers: people are for signed-in callers (as `person(id)` says), a public
    # domain is for everyone.
    person = await gql(client, NODE % "Person", {"id": world.ids["Person"][0]})
    assert error_codes(person) == ["UNAUTHENTICATED"]
    by_id = await gql(
        client, "query($id: UUID!) { person(id: $id) { uuid } }", {"id": world.ids["Person"][1]}
    )
    assert error_codes(by_id) == ["UNAUTHENTICATED"]
    public = await make_domain(session, world.convenor, name="Open Circle")
    open_circle = await gql(client, NODE % "Domain", {"id": global_id("Domain", public.id)})
    assert gql_ok(open_circle)["node"]["uuid"] == str(public.id)


async def test_uuid_arguments_take_a_global_id_too(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await private_world(client, session)
    query = "query($id: UUID!) { contribution(id: $id) { uuid } }"
    gid, ident = world.ids["Contribution"]
    by_uuid = gql_ok(await gql(client, query, {"id": ident}, as_=world.member))
    assert gql_ok(await gql(client, query, {"id": gid}, as_=world.member)) == by_uuid
    literal = f'{{ contribution(id: "{gid}") {{ uuid }} }}'
    assert gql_ok(await gql(client, literal, as_=world.member)) == by_uuid
    # Another kind's id names no contribution.
    other = await gql(client, query, {"id": world.ids["Domain"][0]}, as_=world.member)
    assert error_codes(other) == ["NOT_FOUND"]
    for bad in ["nope", b64("PageInfo:" + ident), b64("Contribution:" + ident.upper())]:
        assert error_codes(await gql(client, query, {"id": bad}, as_=world.member)) == [
            "BAD_USER_INPUT"
        ], bad


async def test_nodes_are_batched_by_kind(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    domains = [await make_domain(session, convenor, name=f"Circle {i}") for i in range(30)]
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Domain { slug
      members(first: 2) { nodes { person { displayName } } } } ... on Person { displayName } } }"""
    person = global_id("Person", convenor.id)

    async def statements(n: int) -> int:
        ids = [global_id("Domain", d.id) for d in domains[:n]] + [person]
        count_statements.reset()
        found = gql_ok(await gql(client, query, {"ids": ids}, as_=convenor))["nodes"]
        assert len(found) == n + 1 and all(found)
        return count_statements.count

    assert await statements(3) == await statements(30)


async def test_node_costs(client: AsyncClient, session: AsyncSession) -> None:
    person = await make_person(session)
    selection = """{ id ... on Domain { members(first: 10) { nodes { roles } } }
      ... on Person { memberships(first: 5) { nodes { roles } } } }"""
    one = await gql(
        client,
        "query($id: ID!) { node(id: $id) " + selection + " }",
        {"id": global_id("Person", person.id)},
        as_=person,
    )
    # The field 1, then what a Domain costs, the costliest type it may be: id 0.1 + members
    # 1 + 10 x (1 + 0.1) = 12.1; not that plus what a Person would (6.5 more).
    assert one["extensions"]["cost"]["requested"] == 14  # ceil(1 + 12.1)
    ids = [global_id("Person", person.id)] * 5
    five = await gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) " + selection + " }",
        {"ids": ids},
        as_=person,
    )
    assert five["extensions"]["cost"]["requested"] == 62  # ceil(1 + 5 x 12.1)
    listed = ", ".join(f'"{i}"' for i in ids)
    literal = "{ nodes(ids: [" + listed + "]) " + selection + " }"
    assert (await gql(client, literal, as_=person))["extensions"]["cost"]["requested"] == 62
