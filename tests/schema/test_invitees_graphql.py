"""The invitee rule through GraphQL: the card of a private domain (with who invited them)
and nothing it holds, until they accept. The same services answer REST and GraphQL, so
this checks the GraphQL side of tests/routers/test_invitees.py."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from tests.factories import WORD, Invited, auth, gql, invited_to_private_domain
from tests.support import API, error_codes, gql_ok

CARD = """query($slug: String!) {
  domain(slug: $slug) {
    name
    invitation { invitedById invitedByName roles invitedAt }
    contributions { nodes { uuid } }
    gatherings { nodes { uuid } }
  }
}"""

MEMBERS = """query($slug: String!) { domain(slug: $slug) { members { nodes { personId } } } }"""

MY_INVITATIONS = """{ me { memberships { nodes { status domain { slug invitation { roles } }
  } } } }"""


def content_queries(world: Invited) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("query($id: UUID!) { contribution(id: $id) { id } }", {"id": world.contribution["id"]}),
        ("query($id: UUID!) { thread(id: $id) { id } }", {"id": world.contribution["id"]}),
        ("query($id: UUID!) { gathering(id: $id) { id } }", {"id": world.gathering["id"]}),
        ("query($id: UUID!) { collection(id: $id) { id } }", {"id": world.collection["id"]}),
        (
            "query($slug: String!) { collections(slug: $slug) { nodes { id } } }",
            {"slug": world.slug},
        ),
        (
            "query($slug: String!) { valueStories(slug: $slug) { nodes { id } } }",
            {"slug": world.slug},
        ),
        (
            "query($q: String!, $slug: String!) { search(q: $q, domain: $slug) "
            "{ nodes { contribution { id } } } }",
            {"q": WORD, "slug": world.slug},
        ),
        (
            "query($slug: String!, $id: UUID!) { membership(slug: $slug, personId: $id) "
            "{ status } }",
            {"slug": world.slug, "id": str(world.member.id)},
        ),
        (
            "query($slug: String!) { domain(slug: $slug) { networkView { domain } } }",
            {"slug": world.slug},
        ),
        (
            "query($slug: String!) { domain(slug: $slug) { communityView { domain } } }",
            {"slug": world.slug},
        ),
    ]


async def codes(client: AsyncClient, person: Person, world: Invited) -> list[list[str]]:
    return [
        error_codes(await gql(client, query, variables, as_=person))
        for query, variables in content_queries(world)
    ]


async def test_an_invitee_sees_the_card_over_graphql(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await invited_to_private_domain(client, session)
    card = gql_ok(await gql(client, CARD, {"slug": world.slug}, as_=world.invitee))["domain"]
    assert card["name"] == "Night nurses"
    assert card["invitation"]["invitedById"] == str(world.convenor.id)
    assert card["invitation"]["invitedByName"] == "Connie Convenor"
    assert card["invitation"]["roles"] == ["member", "core"]
    assert card["contributions"]["nodes"] == [] and card["gatherings"]["nodes"] == []
    members = await gql(client, MEMBERS, {"slug": world.slug}, as_=world.invitee)
    assert error_codes(members) == ["FORBIDDEN"]
    mine = gql_ok(await gql(client, MY_INVITATIONS, as_=world.invitee))["me"]["memberships"]
    assert mine["nodes"] == [
        {
            "status": "invited",
            "domain": {"slug": world.slug, "invitation": {"roles": ["member", "core"]}},
        }
    ]
    # REST and GraphQL show the same invitation.
    rest = (await client.get(f"{API}/domains/{world.slug}", headers=auth(world.invitee))).json()
    assert rest["invitation"]["invited_by_name"] == card["invitation"]["invitedByName"]


async def test_an_invitee_reads_no_content_over_graphql(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await invited_to_private_domain(client, session)
    refused = await codes(client, world.invitee, world)
    assert all(found == ["NOT_FOUND"] for found in refused), refused
    everywhere = gql_ok(
        await gql(
            client,
            "query($q: String!) { search(q: $q) { nodes { contribution { id } } } }",
            {"q": WORD},
            as_=world.invitee,
        )
    )
    assert everywhere["search"]["nodes"] == []

    accept = """mutation($slug: String!) { joinDomain(slug: $slug) { status } }"""
    joined = gql_ok(await gql(client, accept, {"slug": world.slug}, as_=world.invitee))
    assert joined["joinDomain"]["status"] == "active"
    assert all(found == [] for found in await codes(client, world.invitee, world))
    card = gql_ok(await gql(client, CARD, {"slug": world.slug}, as_=world.invitee))["domain"]
    assert card["invitation"] is None
    assert [n["uuid"] for n in card["contributions"]["nodes"]] == [world.contribution["id"]]
    assert [n["uuid"] for n in card["gatherings"]["nodes"]] == [world.gathering["id"]]
