"""Events of the shared repertoire: contributions, answers, curation, moderation,
endorsements and value stories reach a domain's webhook; drafts never leave the service
(audited only); a failed write leaves nothing."""

from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Role
from app.models.people import Person
from app.services.webhooks.delivery import Dispatcher
from tests.factories import add_member, auth, make_domain, make_person, subscribe
from tests.integration.conftest import Receiver
from tests.support import API, counts, ok, rows


def _types(receiver: Receiver) -> list[str]:
    return [r.json["type"] for r in receiver.delivered()]


async def _post(client: AsyncClient, slug: str, person: Person, **fields: Any) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await client.post(f"{API}/domains/{slug}/contributions", json=fields, headers=auth(person)),
        201,
    )
    return created


async def test_the_life_of_a_contribution(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
    engine: AsyncEngine,
) -> None:
    convenor = await make_person(session)
    alice = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, alice)
    await subscribe(
        hook_client,
        convenor,
        receiver.url(),
        domain=domain.slug,
        event_types=["contribution.*"],
    )

    draft = await _post(
        hook_client,
        domain.slug,
        alice,
        kind="story",
        title="Secret",
        body="Not yet",
        status="draft",
    )
    url = f"{API}/contributions/{draft['id']}"
    ok(await hook_client.patch(url, json={"body": "Still not"}, headers=auth(alice)))
    await dispatcher.drain()
    assert receiver.received == []  # a draft is its author's alone
    audited = await rows(engine, "SELECT action, changes FROM audit_log ORDER BY id")
    assert [a["action"] for a in audited][-2:] == ["contribution.created", "contribution.updated"]
    assert audited[-1]["changes"] is None  # the draft's text stays out of the log too

    ok(await hook_client.patch(url, json={"status": "published"}, headers=auth(alice)))
    ok(await hook_client.patch(url, json={"title": "Open"}, headers=auth(alice)))
    ok(await hook_client.put(f"{url}/curation", headers=auth(convenor)))
    ok(await hook_client.post(f"{url}/hide", json={"reason": "check"}, headers=auth(convenor)))
    ok(await hook_client.post(f"{url}/restore", headers=auth(convenor)))
    shown = ok(await hook_client.get(url, headers=auth(alice)))
    ok(await hook_client.delete(url, headers=auth(alice)))
    await dispatcher.drain()

    assert _types(receiver) == [
        "contribution.created",
        "contribution.updated",
        "contribution.curated",
        "contribution.hidden",
        "contribution.hidden",
        "contribution.archived",
    ]
    bodies = [r.json for r in receiver.delivered()]
    assert bodies[4]["data"] == shown
    assert bodies[3]["data"]["hidden_at"] is not None and bodies[4]["data"]["hidden_at"] is None
    assert bodies[5]["resource"]["tombstone"] is True
    updated = await rows(
        engine, "SELECT changes FROM audit_log WHERE action = 'contribution.updated' ORDER BY id"
    )
    assert updated[-1]["changes"]["title"] == {"from": "Secret", "to": "Open"}


async def test_an_archived_draft_emits_nothing(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    alice = await make_person(session)
    domain = await make_domain(session, alice)
    await subscribe(hook_client, alice, receiver.url(), domain=domain.slug)
    draft = await _post(hook_client, domain.slug, alice, kind="story", title="x", status="draft")
    ok(await hook_client.delete(f"{API}/contributions/{draft['id']}", headers=auth(alice)))
    await dispatcher.drain()
    assert receiver.received == []


async def test_questions_answers_endorsements_and_value_stories(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
    engine: AsyncEngine,
) -> None:
    convenor = await make_person(session)
    alice = await make_person(session)
    bob = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, alice)
    await add_member(session, domain, bob, roles=[Role.member, Role.knowledge_broker])
    await subscribe(
        hook_client,
        convenor,
        receiver.url(),
        domain=domain.slug,
        event_types=["contribution.*", "endorsement.*", "value_story.*"],
    )

    question = await _post(hook_client, domain.slug, alice, kind="question", title="How?")
    answer = await _post(hook_client, domain.slug, bob, kind="answer", parent_id=question["id"])
    q_url = f"{API}/contributions/{question['id']}"
    ok(
        await hook_client.post(
            f"{q_url}/accept", json={"answer_id": answer["id"]}, headers=auth(alice)
        )
    )
    endorse = f"{API}/contributions/{answer['id']}/endorsements"
    ok(await hook_client.post(endorse, json={"kind": "helpful"}, headers=auth(alice)), 201)
    ok(await hook_client.post(endorse, json={"kind": "helpful"}, headers=auth(alice)))  # no change
    ok(
        await hook_client.post(
            endorse, json={"kind": "applied", "note": "Used it on my ward"}, headers=auth(alice)
        ),
        201,
    )
    r = await hook_client.delete(f"{endorse}/helpful", headers=auth(alice))
    assert r.status_code == 204
    ok(
        await hook_client.post(
            f"{API}/domains/{domain.slug}/value-stories",
            json={"cycle": "realized", "title": "Calmer", "story": "Fewer calls"},
            headers=auth(convenor),
        ),
        201,
    )
    await dispatcher.drain()

    assert _types(receiver) == [
        "contribution.created",  # the question
        "contribution.created",  # the answer
        "contribution.answered",  # the question, now answered
        "contribution.accepted",
        "endorsement.created",
        "endorsement.created",
        "value_story.created",  # the applied endorsement's note is a value story
        "endorsement.withdrawn",
        "value_story.created",
    ]
    bodies = [r.json for r in receiver.delivered()]
    assert bodies[2]["resource"]["id"] == question["id"]
    assert bodies[2]["data"]["answer_count"] == 1
    assert bodies[3]["data"]["accepted_answer_id"] == answer["id"]
    assert bodies[7]["resource"]["tombstone"] is True
    assert bodies[7]["data"]["kind"] == "helpful"
    assert bodies[6]["data"]["cycle"] == "applied"
    actions = await rows(
        engine,
        "SELECT action FROM audit_log WHERE resource_type IN ('endorsement', 'value_story')"
        " ORDER BY id",
    )
    assert [a["action"] for a in actions] == _types(receiver)[4:]


async def test_failed_repertoire_writes_leave_nothing(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    convenor = await make_person(session)
    alice = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, alice)
    story = await _post(client, domain.slug, alice, kind="story", title="Mine")
    before = await counts(engine)
    url = f"{API}/contributions/{story['id']}"
    attempts = [
        (
            client.post(
                f"{API}/domains/{domain.slug}/contributions",
                json={"kind": "resource", "title": "no url"},
                headers=auth(alice),
            ),
            422,
        ),
        (client.patch(url, json={"title": "theirs"}, headers=auth(convenor)), 403),
        (client.post(f"{url}/endorsements", json={"kind": "helpful"}, headers=auth(alice)), 403),
        (client.post(f"{url}/endorsements", json={"kind": "helpful"}, headers=auth(outsider)), 403),
        (client.put(f"{url}/curation", headers=auth(alice)), 403),
        (client.post(f"{url}/hide", headers=auth(alice)), 403),
        (client.post(f"{url}/accept", json={"answer_id": story["id"]}, headers=auth(alice)), 409),
    ]
    for request, status in attempts:
        r = await request
        assert r.status_code == status, r.text
    assert await counts(engine) == before
