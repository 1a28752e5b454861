"""A removal looks the same wherever it is read (app/services/tombstones.py): in a webhook
delivery and in the change feed, a tombstone (`tombstone: true`) carrying the resource's
last state, the state REST and GraphQL answered the removal with; `data: null` only for a
reader whom moderators hid the resource from, who cannot read it over REST or GraphQL
either."""

from datetime import datetime
from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from app.services.changes import tombstones
from app.services.changes.service import decode
from app.services.webhooks.delivery import Dispatcher
from tests.factories import (
    add_member,
    auth,
    gathering_body,
    gql,
    make_domain,
    make_person,
    subscribe,
)
from tests.integration.conftest import Receiver
from tests.support import API, ok


async def _feed(client: AsyncClient, who: Person) -> dict[int, dict[str, Any]]:
    """Every change the person may see, by event sequence number."""
    items: dict[int, dict[str, Any]] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["since_cursor"] = cursor
        page = ok(await client.get(f"{API}/changes", params=params, headers=auth(who)))
        items.update({decode(i["cursor"]): i for i in page["items"]})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_removal_looks_the_same_in_webhooks_the_feed_rest_and_graphql(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    client = hook_client
    convenor, ada = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, ada)
    await subscribe(client, convenor, receiver.url(), domain=domain.slug)
    slug = domain.slug

    async def contribute(title: str) -> dict[str, Any]:
        body = {"kind": "story", "title": title, "body": "What happened."}
        created: dict[str, Any] = ok(
            await client.post(f"{API}/domains/{slug}/contributions", json=body, headers=auth(ada)),
            201,
        )
        return created

    # Withdrawn: an endorsement and an RSVP (deleted rows).
    story = await contribute("A night shift")
    story_url = f"{API}/contributions/{story['id']}"
    endorsed = ok(
        await client.post(
            f"{story_url}/endorsements", json={"kind": "helpful"}, headers=auth(convenor)
        ),
        201,
    )
    assert (
        await client.delete(f"{story_url}/endorsements/helpful", headers=auth(convenor))
    ).status_code == 204
    gathering = ok(
        await client.post(
            f"{API}/domains/{slug}/gatherings", json=gathering_body(), headers=auth(convenor)
        ),
        201,
    )
    rsvp_url = f"{API}/gatherings/{gathering['id']}"
    ok(await client.put(f"{rsvp_url}/rsvp", json={"response": "going"}, headers=auth(ada)))
    rsvp = ok(await client.get(f"{rsvp_url}/rsvps", headers=auth(ada)))["mine"]
    assert (await client.delete(f"{rsvp_url}/rsvps/{ada.id}", headers=auth(ada))).status_code == 204

    # Archived: a contribution (REST), then hidden: another one, curated while hidden.
    archived_story = ok(await client.delete(story_url, headers=auth(ada)))
    secret = await contribute("Not for everyone")
    secret_url = f"{API}/contributions/{secret['id']}"
    hidden = ok(
        await client.post(f"{secret_url}/hide", json={"reason": "x"}, headers=auth(convenor))
    )
    curated = ok(await client.put(f"{secret_url}/curation", headers=auth(convenor)))
    assert (await client.get(secret_url, headers=auth(ada))).status_code == 404
    titles = "query($s: String!) { domain(slug: $s) { contributions { nodes { title } } } }"
    for person, seen in ((ada, []), (convenor, [{"title": "Not for everyone"}])):
        listed = await gql(client, titles, {"s": slug}, as_=person)
        assert listed["data"]["domain"]["contributions"]["nodes"] == seen

    # Archived over GraphQL: the domain. Its answer is the last state.
    answer = await gql(
        client,
        "mutation($s: String!) { archiveDomain(slug: $s) { archivedAt version updatedAt } }",
        {"s": slug},
        as_=convenor,
    )
    archived_domain = answer["data"]["archiveDomain"]
    rest_domain = ok(await client.get(f"{API}/domains/{slug}", headers=auth(convenor)))

    await dispatcher.drain()
    hooks = {r.json["seq"]: r.json for r in receiver.delivered()}
    moderator, member = await _feed(client, convenor), await _feed(client, ada)
    # Webhooks deliver what happened since the subscription; the feeds start earlier.
    assert set(moderator) == set(member)
    assert set(hooks) == {seq for seq in moderator if seq >= min(hooks)}

    [rsvp_id] = {
        h["resource"]["id"]
        for h in hooks.values()
        if h["type"] == "rsvp.created" and h["data"]["gathering_id"] == gathering["id"]
    }

    def one(event: str, resource_id: str) -> int:
        [seq] = [
            s for s, h in hooks.items() if (h["type"], h["resource"]["id"]) == (event, resource_id)
        ]
        return seq

    removals = {
        one("endorsement.withdrawn", endorsed["id"]): endorsed,
        one("rsvp.withdrawn", rsvp_id): rsvp,
        one("contribution.archived", story["id"]): archived_story,
        one("domain.archived", str(domain.id)): rest_domain,
    }
    assert {hooks[s]["type"] for s in removals} == set(tombstones.REMOVALS)
    for seq, last_state in removals.items():
        hook, mine, theirs = hooks[seq], moderator[seq], member[seq]
        where = hook["type"]
        # The same tombstone, with the same last state, in every place.
        assert hook["resource"]["tombstone"] is mine["tombstone"] is theirs["tombstone"] is True
        assert hook["data"] == mine["data"] == theirs["data"], where
        assert mine["deleted_at"] == theirs["deleted_at"] == mine["changed_at"], where
        # ... the state REST showed at the removal (the withdrawn RSVP as it was read).
        assert hook["data"] == last_state, where

    # GraphQL answered the domain's archive with the same state.
    domain_data = hooks[one("domain.archived", str(domain.id))]["data"]
    assert archived_domain["version"] == domain_data["version"]
    assert _when(archived_domain["archivedAt"]) == _when(domain_data["archived_at"])
    assert _when(archived_domain["updatedAt"]) == _when(domain_data["updated_at"])

    # Hidden: moderators (webhooks, the convenor's feed) get a change with its state; a
    # member gets a tombstone without it, for the hiding and for every later change of
    # the hidden contribution, as REST and GraphQL show them nothing.
    for event, shown in (("contribution.hidden", hidden), ("contribution.curated", curated)):
        seq = one(event, secret["id"])
        assert hooks[seq]["resource"]["tombstone"] is moderator[seq]["tombstone"] is False
        assert hooks[seq]["data"] == moderator[seq]["data"] == shown
        assert member[seq]["tombstone"] is True and member[seq]["data"] is None
        assert member[seq]["deleted_at"] == member[seq]["changed_at"]

    # Every other change reads the same in both places, and is no tombstone.
    for seq, hook in hooks.items():
        if seq in removals or hook["resource"]["id"] == secret["id"]:
            continue
        assert hook["resource"]["tombstone"] is moderator[seq]["tombstone"] is False
        assert hook["data"] == moderator[seq]["data"] == member[seq]["data"]
        assert member[seq]["tombstone"] is False and member[seq]["deleted_at"] is None
