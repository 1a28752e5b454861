"""Someone invited to a private domain sees its card (the charter, who invited them, with
which roles) to decide whether to accept, and nothing of what the domain holds: every
content route answers 404, exactly as for a stranger. Accepting opens it all."""

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from tests.factories import WORD, Invited, auth, invited_to_private_domain, make_person
from tests.support import API, ok, problem


def content_routes(world: Invited) -> list[str]:
    """Every read of what the domain holds."""
    base = f"{API}/domains/{world.slug}"
    contribution = f"{API}/contributions/{world.contribution['id']}"
    gathering = f"{API}/gatherings/{world.gathering['id']}"
    return [
        f"{base}/contributions",
        contribution,
        f"{contribution}/thread",
        f"{contribution}/revisions",
        f"{contribution}/endorsements",
        f"{base}/gatherings",
        gathering,
        f"{gathering}/rsvps",
        f"{base}/calendar.ics",
        f"{base}/collections",
        f"{API}/collections/{world.collection['id']}",
        f"{base}/value-stories",
        f"{base}/members",
        f"{base}/members/{world.member.id}",
        f"{base}/views/network",
        f"{base}/views/community",
        f"{base}/views/comparison",
        f"{base}/views/comparison/history",
        f"{API}/search?q={WORD}&domain={world.slug}",
        f"{API}/changes?domain={world.slug}",
        f"{API}/people/{world.member.id}",
    ]


async def reads(client: AsyncClient, person: Person, world: Invited) -> dict[str, int]:
    return {
        url: (await client.get(url, headers=auth(person))).status_code
        for url in content_routes(world)
    }


async def test_an_invitee_sees_the_card_and_who_invited_them(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await invited_to_private_domain(client, session)
    card = ok(await client.get(f"{API}/domains/{world.slug}", headers=auth(world.invitee)))
    assert card["name"] == "Night nurses"
    invitation = card["invitation"]
    assert invitation["invited_by_id"] == str(world.convenor.id)
    assert invitation["invited_by_name"] == "Connie Convenor"
    assert invitation["roles"] == ["member", "core"] and invitation["invited_at"]
    listed = ok(await client.get(f"{API}/domains", headers=auth(world.invitee)))
    assert [d["invitation"]["invited_by_name"] for d in listed["items"]] == ["Connie Convenor"]
    # Nobody else's card carries an invitation, and none is in the domain's events.
    mine = ok(await client.get(f"{API}/domains/{world.slug}", headers=auth(world.member)))
    assert mine["invitation"] is None
    own = ok(
        await client.get(
            f"{API}/domains/{world.slug}/members/{world.invitee.id}", headers=auth(world.invitee)
        )
    )
    assert own["status"] == "invited"


async def test_an_invitee_reads_nothing_the_domain_holds(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await invited_to_private_domain(client, session)
    for url, status in (await reads(client, world.invitee, world)).items():
        assert status == 404, url
    problem(
        await client.get(f"{API}/domains/{world.slug}/members", headers=auth(world.invitee)),
        404,
        "not-found",
    )
    # Lists across domains leave the domain out.
    found = ok(await client.get(f"{API}/search?q={WORD}", headers=auth(world.invitee)))
    assert found["items"] == []
    tags = ok(await client.get(f"{API}/search/tags?q=air", headers=auth(world.invitee)))
    assert tags == []
    agenda = ok(await client.get(f"{API}/gatherings", headers=auth(world.invitee)))
    assert agenda["items"] == []
    feed = ok(await client.get(f"{API}/changes", headers=auth(world.invitee)))
    assert feed["items"] == []
    # A calendar link of theirs does not open the domain's feed either.
    token = ok(await client.post(f"{API}/people/me/feed-tokens", headers=auth(world.invitee)), 201)
    problem(
        await client.get(f"{API}/domains/{world.slug}/calendar.ics?token={token['token']}"), 404
    )
    personal = await client.get(f"{API}/calendar/{token['token']}.ics")
    assert personal.status_code == 200 and world.gathering["title"] not in personal.text


async def test_the_same_routes_answer_an_invitee_as_a_stranger(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await invited_to_private_domain(client, session)
    stranger = await make_person(session)
    assert await reads(client, world.invitee, world) == await reads(client, stranger, world)


async def test_accepting_opens_the_domain(client: AsyncClient, session: AsyncSession) -> None:
    world = await invited_to_private_domain(client, session)
    accepted = ok(
        await client.post(
            f"{API}/domains/{world.slug}/members", json={}, headers=auth(world.invitee)
        ),
        201,
    )
    assert accepted["status"] == "active" and accepted["roles"] == ["member", "core"]
    card = ok(await client.get(f"{API}/domains/{world.slug}", headers=auth(world.invitee)))
    assert card["invitation"] is None
    for url, status in (await reads(client, world.invitee, world)).items():
        assert status == 200, url
    found = ok(await client.get(f"{API}/search?q={WORD}", headers=auth(world.invitee)))
    assert [h["contribution"]["id"] for h in found["items"]] == [world.contribution["id"]]
    tags = ok(await client.get(f"{API}/search/tags?q=air", headers=auth(world.invitee)))
    assert [t["tag"] for t in tags] == ["airway"]


async def test_an_invitee_may_decline(client: AsyncClient, session: AsyncSession) -> None:
    world = await invited_to_private_domain(client, session)
    declined = ok(
        await client.delete(
            f"{API}/domains/{world.slug}/members/{world.invitee.id}", headers=auth(world.invitee)
        )
    )
    assert declined["status"] == "declined"
    # Declined, the domain is gone for them.
    problem(await client.get(f"{API}/domains/{world.slug}", headers=auth(world.invitee)), 404)
