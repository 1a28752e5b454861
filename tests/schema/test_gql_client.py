"""A GraphQL client nobody here wrote: Python's `gql`, over its httpx transport, against
the service in a process of its own on loopback. It validates every document against the
committed `schema.graphql` before sending it (tests/test_contract.py keeps that file the
served schema), builds typed queries from it, reads results into Python types, refetches
objects with `node`, pages backwards and runs mutations."""

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.dsl import (
    DSLInlineFragment,
    DSLMutation,
    DSLQuery,
    DSLSchema,
    DSLVariableDefinitions,
    dsl_gql,
)
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.utilities import update_schema_scalars
from graphql import GraphQLError, GraphQLScalarType
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from tests.factories import add_member, auth, make_domain, make_person
from tests.live_server import ServerFactory, server

__all__ = ["server"]

pytestmark = pytest.mark.slow

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"

UUID = GraphQLScalarType("UUID", serialize=str, parse_value=uuid.UUID)
DATETIME = GraphQLScalarType(
    "DateTime", serialize=datetime.isoformat, parse_value=datetime.fromisoformat
)


def client_for(url: str, person: Person, sent: list[httpx.Request]) -> Client:
    async def record(request: httpx.Request) -> None:
        sent.append(request)

    transport = HTTPXAsyncTransport(
        url=f"{url}/graphql", headers=auth(person), event_hooks={"request": [record]}
    )
    client = Client(
        schema=SDL.read_text(), transport=transport, serialize_variables=True, parse_results=True
    )
    assert client.schema is not None
    update_schema_scalars(client.schema, [UUID, DATETIME])
    return client


async def test_a_third_party_client_queries_refetches_and_mutates(
    server: ServerFactory, session: AsyncSession
) -> None:
    convenor = await make_person(session, display_name="Amara")
    member = await make_person(session, display_name="Mei")
    newcomer = await make_person(session, display_name="Noor")
    domain = await make_domain(session, convenor, name="Night Shift", visibility="private")
    await add_member(session, domain, member)
    for i in range(3):
        await make_domain(session, convenor, name=f"Circle {i}")

    sent: list[httpx.Request] = []
    async with server() as live, client_for(live.url, convenor, sent) as graphql:
        assert graphql.client.schema is not None
        ds = DSLSchema(graphql.client.schema)

        # Invalid documents fail in the client, against the committed schema: nothing sent.
        for invalid in [
            '{ domain(slug: "night-shift") { noSuchField } }',
            '{ domains(first: "ten") { nodes { slug } } }',
            '{ node(id: "x") { slug } }',  # `slug` is no field of the Node interface
            "mutation { createDomain { slug } }",  # its `input` is required
        ]:
            with pytest.raises(GraphQLError):
                await graphql.execute(gql(invalid))
        with pytest.raises(AttributeError):
            ds.Domain.noSuchField  # noqa: B018 (the typed builder knows the schema too)
        assert sent == []

        # A typed query, built from the schema; its results read into Python types.
        members = ds.Domain.members(first=10).select(
            ds.MembershipConnection.nodes.select(
                ds.Membership.id,
                ds.Membership.uuid,
                ds.Membership.roles,
                ds.Membership.person.select(ds.Person.id, ds.Person.uuid, ds.Person.displayName),
            )
        )
        query = DSLQuery(
            ds.Query.domain(slug="night-shift").select(
                ds.Domain.id, ds.Domain.uuid, ds.Domain.createdAt, members
            )
        )
        found: dict[str, Any] = (await graphql.execute(dsl_gql(query)))["domain"]
        assert found["uuid"] == domain.id
        assert isinstance(found["createdAt"], datetime) and found["createdAt"].tzinfo
        people = {m["person"]["displayName"]: m for m in found["members"]["nodes"]}
        assert set(people) == {"Amara", "Mei"}
        assert people["Mei"]["person"]["uuid"] == member.id

        # Refetch by global id: a domain, a membership and a person, through `node`.
        variables = DSLVariableDefinitions()
        refetch = DSLQuery(
            ds.Query.node(id=variables.id).select(
                ds.Node.id,
                DSLInlineFragment().on(ds.Domain).select(ds.Domain.uuid, ds.Domain.slug),
                DSLInlineFragment().on(ds.Membership).select(ds.Membership.uuid),
                DSLInlineFragment().on(ds.Person).select(ds.Person.uuid, ds.Person.displayName),
            )
        )
        refetch.variable_definitions = variables
        request = dsl_gql(Refetch=refetch)
        for gid, expected in [
            (found["id"], {"uuid": domain.id, "slug": "night-shift"}),
            (people["Mei"]["id"], {"uuid": people["Mei"]["uuid"]}),
            (people["Mei"]["person"]["id"], {"uuid": member.id, "displayName": "Mei"}),
        ]:
            request.variable_values = {"id": gid}
            node = (await graphql.execute(request))["node"]
            assert node == {"id": gid, **expected}

        # A mutation, with typed variables: an input object with enums, and a UUID.
        variables = DSLVariableDefinitions()
        create = DSLMutation(
            ds.Mutation.createDomain(input=variables.input).select(
                ds.Domain.id, ds.Domain.uuid, ds.Domain.visibility
            )
        )
        create.variable_definitions = variables
        request = dsl_gql(create)
        request.variable_values = {"input": {"name": "Day Shift", "visibility": "private"}}
        created = (await graphql.execute(request))["createDomain"]
        assert created["visibility"] == "private" and isinstance(created["uuid"], uuid.UUID)
        invite = gql(
            """mutation Invite($slug: String!, $person: UUID!) {
                 inviteMember(slug: $slug, personId: $person) { id status personId } }"""
        )
        invite.variable_values = {"slug": "day-shift", "person": newcomer.id}
        invited = (await graphql.execute(invite))["inviteMember"]
        # (an invitee's profile stays hidden from the convenor until they accept)
        assert invited == {"id": invited["id"], "status": "invited", "personId": newcomer.id}
        request = dsl_gql(Refetch=refetch)
        request.variable_values = {"id": created["id"]}
        assert (await graphql.execute(request))["node"]["slug"] == "day-shift"

        # Backwards through a connection: the last page first.
        last = gql(
            """query Last($before: String) { domains(last: 2, before: $before) {
                 nodes { slug } pageInfo { hasPreviousPage startCursor } } }"""
        )
        slugs: list[str] = []
        before = None
        while True:
            last.variable_values = {"before": before}
            page = (await graphql.execute(last))["domains"]
            slugs = [n["slug"] for n in page["nodes"]] + slugs
            if not page["pageInfo"]["hasPreviousPage"]:
                break
            before = page["pageInfo"]["startCursor"]
        ahead = await graphql.execute(gql("{ domains(first: 100) { nodes { slug } } }"))
        assert slugs == [n["slug"] for n in ahead["domains"]["nodes"]]
        assert len(slugs) == 5

        # Partial answers: what the client gets for a batch with a bad id in it.
        nodes = gql("query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }")
        nodes.variable_values = {"ids": [found["id"], "not an id", created["id"]]}
        with pytest.raises(TransportQueryError) as caught:
            await graphql.execute(nodes)
        assert caught.value.data == {"nodes": [{"id": found["id"]}, None, {"id": created["id"]}]}
        assert [e["extensions"]["code"] for e in caught.value.errors or []] == ["BAD_USER_INPUT"]
        assert sent  # and everything valid did go over the wire
