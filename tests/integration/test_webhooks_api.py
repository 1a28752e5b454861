"""/api/v1/webhooks: who may subscribe to what, secrets shown once, safe targets, the
delivery log and manual redelivery."""

import base64
from typing import Any

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.webhooks.delivery import Dispatcher
from tests.factories import add_member, auth, make_domain, make_person, subscribe
from tests.integration.conftest import Receiver
from tests.support import API, ok, problem

HOOKS = f"{API}/webhooks"


async def test_a_convenor_subscribes_their_domain_and_the_secret_is_shown_once(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver
) -> None:
    amara = await make_person(session)
    domain = await make_domain(session, amara)
    hook = await subscribe(
        hook_client, amara, receiver.url(), domain=domain.slug, event_types=["membership.*"]
    )
    assert hook["domain_id"] == str(domain.id) and hook["active"] is True
    assert hook["event_types"] == ["membership.*"]
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 32

    shown = ok(await hook_client.get(f"{HOOKS}/{hook['id']}", headers=auth(amara)))
    assert "secret" not in shown
    listed = ok(await hook_client.get(HOOKS, headers=auth(amara)))
    assert [h["id"] for h in listed["items"]] == [hook["id"]]
    assert all("secret" not in h for h in listed["items"])
    by_domain = ok(
        await hook_client.get(HOOKS, params={"domain": domain.slug}, headers=auth(amara))
    )
    assert [h["id"] for h in by_domain["items"]] == [hook["id"]]


async def test_only_convenors_and_admins_manage_webhooks(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver
) -> None:
    amara = await make_person(session)
    ben = await make_person(session)
    outsider = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    public = await make_domain(session, amara)
    private = await make_domain(session, amara, visibility="private")
    await add_member(session, public, ben)
    hook = await subscribe(hook_client, amara, receiver.url(), domain=public.slug)
    body = {"url": receiver.url()}

    # A member who is no convenor: refused, and sees none of the domain's webhooks.
    r = await hook_client.post(HOOKS, json={**body, "domain": public.slug}, headers=auth(ben))
    problem(r, 403)
    assert ok(await hook_client.get(HOOKS, headers=auth(ben)))["items"] == []
    problem(await hook_client.get(HOOKS, params={"domain": public.slug}, headers=auth(ben)), 403)
    for method in ("GET", "PATCH", "DELETE"):
        r = await hook_client.request(
            method,
            f"{HOOKS}/{hook['id']}",
            json={} if method == "PATCH" else None,
            headers=auth(ben),
        )
        problem(r, 404)
    problem(await hook_client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=auth(ben)), 404)

    # A private domain does not leak.
    r = await hook_client.post(HOOKS, json={**body, "domain": private.slug}, headers=auth(outsider))
    problem(r, 404)

    # Platform-wide: admins only.
    problem(await hook_client.post(HOOKS, json=body, headers=auth(amara)), 403)
    everything = await subscribe(hook_client, admin, receiver.url())
    assert everything["domain_id"] is None
    assert {h["id"] for h in ok(await hook_client.get(HOOKS, headers=auth(admin)))["items"]} == {
        hook["id"],
        everything["id"],
    }
    assert [h["id"] for h in ok(await hook_client.get(HOOKS, headers=auth(amara)))["items"]] == [
        hook["id"]
    ]
    problem(await hook_client.get(f"{HOOKS}/{everything['id']}", headers=auth(amara)), 404)
    # Admins manage any domain's webhooks.
    ok(await hook_client.get(f"{HOOKS}/{hook['id']}", headers=auth(admin)))

    problem(await hook_client.get(HOOKS), 401)


async def test_an_archived_domain_takes_no_new_webhooks(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver
) -> None:
    amara = await make_person(session)
    domain = await make_domain(session, amara)
    ok(await hook_client.delete(f"{API}/domains/{domain.slug}", headers=auth(amara)))
    r = await hook_client.post(
        HOOKS, json={"url": receiver.url(), "domain": domain.slug}, headers=auth(amara)
    )
    assert problem(r, 409)["type"] == "/problems/domain-archived"


@pytest.mark.parametrize(
    "fields",
    [
        {"event_types": ["domain.exploded"]},
        {"event_types": ["nothing.*"]},
        {"event_types": []},
        {"secret": "not-a-secret"},
        {"secret": "whsec_c2hvcnQ="},
        {"secret": "whsec_!!!"},
        {"url": "ftp://example.org/hook"},
        {"url": "not a url"},
        {"domain": "Not A Slug"},
    ],
)
async def test_invalid_subscriptions_are_422(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, fields: dict[str, Any]
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    r = await hook_client.post(HOOKS, json={"url": receiver.url(), **fields}, headers=auth(admin))
    problem(r, 422)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b:1::a00:1]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "https://0.0.0.0/hook",
        "http://no-such-host.invalid/hook",
    ],
)
async def test_private_and_unresolvable_targets_are_refused(
    client: AsyncClient, session: AsyncSession, url: str
) -> None:
    """With the default settings (no loopback allowed), on create and on change."""
    admin = await make_person(session, is_platform_admin=True)
    body = problem(await client.post(HOOKS, json={"url": url}, headers=auth(admin)), 422)
    assert [e["field"] for e in body["errors"]] == ["url"]
    assert body["errors"][0]["code"] == "unsafe_target"


async def test_a_change_of_url_is_checked_too(
    client: AsyncClient, hook_client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    hook = await subscribe(hook_client, admin, "http://93.184.215.14/hook")
    r = await client.patch(
        f"{HOOKS}/{hook['id']}", json={"url": "http://127.0.0.1/x"}, headers=auth(admin)
    )
    problem(r, 422)
    shown = ok(await client.get(f"{HOOKS}/{hook['id']}", headers=auth(admin)))
    assert shown["url"] == "http://93.184.215.14/hook"


async def test_pause_resume_and_delete(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    amara = await make_person(session)
    domain = await make_domain(session, amara)
    hook = await subscribe(hook_client, amara, receiver.url(), domain=domain.slug)
    url = f"{HOOKS}/{hook['id']}"

    paused = ok(await hook_client.patch(url, json={"active": False}, headers=auth(amara)))
    assert paused["active"] is False and paused["disabled_at"] is not None
    ok(
        await hook_client.patch(
            f"{API}/domains/{domain.slug}", json={"purpose": "x"}, headers=auth(amara)
        )
    )
    assert await dispatcher.drain() == 0 and receiver.received == []

    changed = ok(
        await hook_client.patch(
            url,
            json={"active": True, "event_types": ["domain.updated"], "description": "sync"},
            headers=auth(amara),
        )
    )
    assert changed["active"] and changed["disabled_at"] is None
    assert changed["event_types"] == ["domain.updated"] and changed["description"] == "sync"
    ok(
        await hook_client.patch(
            f"{API}/domains/{domain.slug}", json={"purpose": "y"}, headers=auth(amara)
        )
    )
    assert await dispatcher.drain() == 1
    assert receiver.delivered()[0].json["data"]["purpose"] == "y"

    assert (await hook_client.delete(url, headers=auth(amara))).status_code == 204
    problem(await hook_client.get(url, headers=auth(amara)), 404)
    log = ok(
        await hook_client.get(
            f"{API}/audit", params={"resource_type": "webhook"}, headers=auth(amara)
        )
    )
    assert [e["action"] for e in log["items"]] == [
        "webhook.created",
        "webhook.updated",
        "webhook.updated",
        "webhook.deleted",
    ]
    assert log["items"][1]["changes"]["active"] == {"from": True, "to": False}
    assert all("secret" not in str(e["changes"]) for e in log["items"])


async def test_the_delivery_log_and_redelivery(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    amara = await make_person(session)
    ben = await make_person(session)
    domain = await make_domain(session, amara)
    hook = await subscribe(hook_client, amara, receiver.url(), domain=domain.slug)
    receiver.status = 200
    ok(
        await hook_client.patch(
            f"{API}/domains/{domain.slug}", json={"purpose": "a"}, headers=auth(amara)
        )
    )
    ok(
        await hook_client.post(f"{API}/domains/{domain.slug}/members", json={}, headers=auth(ben)),
        201,
    )
    deliveries = f"{HOOKS}/{hook['id']}/deliveries"

    queued = ok(await hook_client.get(deliveries, headers=auth(amara)))
    assert [d["status"] for d in queued["items"]] == ["pending", "pending"]
    first = queued["items"][1]
    r = await hook_client.post(f"{deliveries}/{first['id']}/redeliver", headers=auth(amara))
    problem(r, 409)  # still queued: it might be in flight

    assert await dispatcher.drain() == 2
    page = ok(await hook_client.get(deliveries, params={"limit": 1}, headers=auth(amara)))
    [newest] = page["items"]
    assert newest["event_type"] == "membership.joined"
    assert newest["status"] == "delivered" and newest["attempts"] == 1
    assert newest["last_status_code"] == 200 and newest["response_excerpt"] == "thanks"
    assert newest["delivered_at"] is not None and newest["last_duration_ms"] >= 0
    older = ok(
        await hook_client.get(
            deliveries, params={"cursor": page["next_cursor"]}, headers=auth(amara)
        )
    )
    assert [d["event_type"] for d in older["items"]] == ["domain.updated"]
    assert older["next_cursor"] is None
    only = ok(await hook_client.get(deliveries, params={"status": "failed"}, headers=auth(amara)))
    assert only["items"] == []

    again = ok(
        await hook_client.post(
            f"{deliveries}/{older['items'][0]['id']}/redeliver", headers=auth(amara)
        ),
        202,
    )
    assert again["status"] == "pending" and again["attempts"] == 0
    assert await dispatcher.drain() == 1
    ids = [r.id for r in receiver.delivered()]
    assert ids[0] == ids[2] == older["items"][0]["event_id"]  # the same webhook-id again

    other = await make_person(session)
    problem(
        await hook_client.post(f"{deliveries}/{first['id']}/redeliver", headers=auth(other)), 404
    )
    missing = f"{deliveries}/{hook['id']}/redeliver"
    problem(await hook_client.post(missing, headers=auth(amara)), 404)


async def test_a_read_only_api_key_cannot_subscribe(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    created = ok(
        await hook_client.post(
            f"{API}/api-keys", json={"name": "reader", "scopes": ["read"]}, headers=auth(admin)
        ),
        201,
    )
    key = {"Authorization": f"Bearer {created['key']}"}
    problem(await hook_client.post(HOOKS, json={"url": receiver.url()}, headers=key), 403)
    writer = ok(
        await hook_client.post(
            f"{API}/api-keys", json={"name": "lms", "scopes": ["admin"]}, headers=auth(admin)
        ),
        201,
    )
    hook = await _subscribe_with_key(hook_client, writer["key"], receiver.url())
    assert hook["created_by_id"] is None
    log = ok(
        await hook_client.get(f"{API}/audit", params={"actor": writer["id"]}, headers=auth(admin))
    )
    assert [e["action"] for e in log["items"]] == ["webhook.created"]
    assert log["items"][0]["actor_api_key_id"] == writer["id"]


async def _subscribe_with_key(client: AsyncClient, key: str, url: str) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await client.post(HOOKS, json={"url": url}, headers={"Authorization": f"Bearer {key}"}),
        201,
    )
    return created
