"""A private domain holding one object of every kind with an identity, made through the
API as a client makes them, each with its global id as the API gave it out."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.people import Person
from app.schema.relay import global_id
from tests.factories import add_member, gql, make_domain, make_person
from tests.support import gql_ok


@dataclass
class World:
    domain: Domain
    convenor: Person
    member: Person
    outsider: Person
    admin: Person
    # GraphQL type name -> (global id, uuid) of one object of that type
    ids: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Who may see it (the object's own query or list shows it to them)
    seen_by: dict[str, Person] = field(default_factory=dict)

    def add(self, type_name: str, made: dict[str, Any], viewer: Person) -> None:
        assert made["id"] == global_id(type_name, uuid.UUID(made["uuid"])), made
        self.ids[type_name] = (made["id"], made["uuid"])
        self.seen_by[type_name] = viewer


async def _do(client: AsyncClient, query: str, viewer: Person, **variables: Any) -> Any:
    data = gql_ok(await gql(client, query, variables, as_=viewer))
    return next(iter(data.values()))


async def private_world(client: AsyncClient, session: AsyncSession) -> World:
    convenor = await make_person(session, display_name="Connie")
    member = await make_person(session, display_name="Mo")
    outsider = await make_person(session, display_name="Otto")
    admin = await make_person(session, display_name="Ada", is_platform_admin=True)
    domain = await make_domain(session, convenor, name="Quiet Room", visibility="private")
    await add_member(session, domain, member)
    world = World(domain, convenor, member, outsider, admin)
    slug = domain.slug

    world.add("Person", await _do(client, "{ me { id uuid } }", member), convenor)
    world.add(
        "Domain",
        await _do(client, "query($s: String!) { domain(slug: $s) { id uuid } }", member, s=slug),
        member,
    )
    members = await _do(
        client,
        """query($s: String!) { domain(slug: $s) { members(first: 5) { nodes {
             id uuid person { uuid } } } } }""",
        convenor,
        s=slug,
    )
    mine = next(m for m in members["members"]["nodes"] if m["person"]["uuid"] == str(member.id))
    world.add("Membership", mine, convenor)
    world.add(
        "Gathering",
        await _do(
            client,
            """mutation($s: String!) { scheduleGathering(slug: $s, input: { title: "Rounds",
                 start: "2031-05-06T09:00:00", timezone: "UTC", durationMinutes: 60 }) {
                 id uuid } }""",
            convenor,
            s=slug,
        ),
        member,
    )
    contribution = await _do(
        client,
        """mutation($s: String!) { contribute(slug: $s, input: { kind: lesson,
             title: "Quiet hours", body: "Dim the lights at ten." }) { id uuid } }""",
        member,
        s=slug,
    )
    world.add("Contribution", contribution, member)
    world.add(
        "Endorsement",
        await _do(
            client,
            "mutation($id: UUID!) { endorse(id: $id, kind: helpful) { id uuid } }",
            convenor,
            id=contribution["uuid"],
        ),
        member,
    )
    world.add(
        "ValueStory",
        await _do(
            client,
            """mutation($s: String!) { recordValueStory(slug: $s, input: { cycle: immediate,
                 title: "Slept better", story: "The ward was calmer." }) { id uuid } }""",
            member,
            s=slug,
        ),
        member,
    )
    world.add(
        "Collection",
        await _do(
            client,
            """mutation($s: String!) { createCollection(slug: $s, input: { title: "Nights" })
                 { id uuid } }""",
            convenor,
            s=slug,
        ),
        member,
    )
    world.add(
        "Report",
        await _do(
            client,
            """mutation($id: UUID!) { report(id: $id, reason: "Off topic") { id uuid } }""",
            convenor,
            id=contribution["uuid"],
        ),
        convenor,
    )
    world.add(
        "ApiKey",
        await _do(
            client,
            """mutation { createApiKey(input: { name: "LMS", scopes: [read] }) { id uuid } }""",
            admin,
        ),
        admin,
    )
    world.add(
        "FeedToken", await _do(client, "mutation { createFeedToken { id uuid } }", member), member
    )
    return world
