"""Delivering events to a real receiver on loopback: signatures, payloads, matching,
order, retries with backoff, 410, giving up, and refusing private targets."""

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_sessionmaker
from app.models.people import Person
from app.services.webhooks.delivery import Dispatcher
from app.services.webhooks.outbox import MAX_ATTEMPTS, RETRY_DELAYS
from tests.factories import auth, make_person, subscribe
from tests.integration.conftest import Clock, Receiver
from tests.support import API, ok, rows, scalar, verify


async def _domain(client: AsyncClient, person: Person, **fields: Any) -> dict[str, Any]:
    body = {"name": "Palliative Care Nurses", **fields}
    created: dict[str, Any] = ok(
        await client.post(f"{API}/domains", json=body, headers=auth(person)), 201
    )
    return created


async def test_a_signed_delivery_carries_the_resource_as_rest_shows_it(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    hook = await subscribe(hook_client, admin, receiver.url(), event_types=["domain.*"])
    assert hook["secret"].startswith("whsec_")

    domain = await _domain(hook_client, admin)
    assert await dispatcher.drain() == 1

    [got] = receiver.delivered()
    assert got.headers["content-type"] == "application/json"
    assert verify(hook["secret"], got.headers, got.body)
    assert not verify(hook["secret"], got.headers, got.body + b" ")
    other = "whsec_" + "A" * 43 + "="
    assert not verify(other, got.headers, got.body)

    body = got.json
    assert body["id"] == got.id and body["type"] == "domain.created"
    assert body["domain_id"] == domain["id"]
    assert body["actor"] == {"person_id": str(admin.id), "api_key_id": None}
    assert body["resource"] == {"type": "domain", "id": domain["id"], "tombstone": False}
    shown = ok(await hook_client.get(f"{API}/domains/{domain['slug']}", headers=auth(admin)))
    assert body["data"] == shown == domain
    assert body["timestamp"].endswith("Z")


async def test_a_secret_the_client_chose_signs_the_deliveries(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    hook = await subscribe(hook_client, admin, receiver.url(), secret=secret)
    assert hook["secret"] == secret
    await _domain(hook_client, admin)
    await dispatcher.drain()
    assert all(verify(secret, r.headers, r.body) for r in receiver.delivered())
    assert len(receiver.delivered()) == 2  # domain.created, membership.joined


async def test_subscriptions_get_only_their_domain_and_their_event_types(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    amara = await make_person(session)
    ben = await make_person(session)
    mine = await _domain(hook_client, amara, name="Mine")
    theirs = await _domain(hook_client, amara, name="Theirs")
    await subscribe(hook_client, admin, receiver.url("/all"))
    await subscribe(
        hook_client,
        amara,
        receiver.url("/members"),
        domain=mine["slug"],
        event_types=["membership.*"],
    )
    await subscribe(
        hook_client,
        amara,
        receiver.url("/updates"),
        domain=mine["slug"],
        event_types=["domain.updated", "domain.archived"],
    )

    ok(
        await hook_client.post(f"{API}/domains/{mine['slug']}/members", json={}, headers=auth(ben)),
        201,
    )
    ok(
        await hook_client.post(
            f"{API}/domains/{theirs['slug']}/members", json={}, headers=auth(ben)
        ),
        201,
    )
    ok(
        await hook_client.patch(
            f"{API}/domains/{mine['slug']}", json={"purpose": "p"}, headers=auth(amara)
        )
    )
    ok(
        await hook_client.delete(
            f"{API}/domains/{mine['slug']}/members/{ben.id}", headers=auth(ben)
        )
    )
    await dispatcher.drain()

    def seen(path: str) -> list[tuple[str, str | None]]:
        return [(r.json["type"], r.json["domain_id"]) for r in receiver.delivered(path)]

    assert seen("/members") == [("membership.joined", mine["id"]), ("membership.left", mine["id"])]
    assert seen("/updates") == [("domain.updated", mine["id"])]
    assert seen("/all") == [
        ("membership.joined", mine["id"]),
        ("membership.joined", theirs["id"]),
        ("domain.updated", mine["id"]),
        ("membership.left", mine["id"]),
    ]


async def test_a_receiver_down_for_a_while_gets_every_event_once_in_order(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
    clock: Clock,
    engine: AsyncEngine,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    member = await make_person(session)
    await subscribe(hook_client, admin, receiver.url())
    await receiver.stop()

    domain = await _domain(hook_client, admin)
    slug = domain["slug"]
    for n in range(3):
        ok(
            await hook_client.patch(
                f"{API}/domains/{slug}", json={"purpose": f"v{n}"}, headers=auth(admin)
            )
        )
    ok(await hook_client.post(f"{API}/domains/{slug}/members", json={}, headers=auth(member)), 201)
    expected = [
        r["id"] for r in await rows(engine, "SELECT id::text AS id FROM events ORDER BY seq")
    ]
    assert len(expected) == 6

    # Down: only the oldest delivery is tried (one request, not a flood), and it backs off.
    for _ in range(3):
        assert await dispatcher.run_once() == 1
        assert await dispatcher.run_once() == 0
        clock.advance(timedelta(hours=3))
    states = await rows(
        engine,
        "SELECT status, attempts FROM webhook_deliveries d JOIN events e"
        " ON e.seq = d.event_seq ORDER BY e.seq",
    )
    assert [(s["status"], s["attempts"]) for s in states] == [("failed", 3)] + [("pending", 0)] * 5
    hook_state = await rows(
        engine, "SELECT consecutive_failures, active FROM webhook_subscriptions"
    )
    assert hook_state[0]["consecutive_failures"] == 3 and hook_state[0]["active"]

    await receiver.start()
    clock.advance(timedelta(hours=6))
    assert await dispatcher.drain() == 6
    got = [r.id for r in receiver.delivered()]
    assert got == expected  # every event, once each, in commit order
    assert (
        await scalar(engine, "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
        == 6
    )
    hook_state = await rows(engine, "SELECT consecutive_failures FROM webhook_subscriptions")
    assert hook_state[0]["consecutive_failures"] == 0


async def test_410_gone_stops_and_disables_the_subscription(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
    engine: AsyncEngine,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    hook = await subscribe(hook_client, admin, receiver.url())
    receiver.status = 410
    domain = await _domain(hook_client, admin)  # domain.created + membership.joined
    assert await dispatcher.drain() == 1
    assert len(receiver.received) == 1

    shown = ok(await hook_client.get(f"{API}/webhooks/{hook['id']}", headers=auth(admin)))
    assert shown["active"] is False and "410" in shown["disabled_reason"]
    log = ok(await hook_client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=auth(admin)))
    by_type = {d["event_type"]: d for d in log["items"]}
    assert by_type["domain.created"]["status"] == "gave_up"
    assert by_type["domain.created"]["last_status_code"] == 410
    assert by_type["membership.joined"]["status"] == "gave_up"  # never sent

    ok(
        await hook_client.patch(
            f"{API}/domains/{domain['slug']}", json={"purpose": "x"}, headers=auth(admin)
        )
    )
    assert await dispatcher.drain() == 0
    assert await scalar(engine, "SELECT count(*) FROM webhook_deliveries") == 2
    entries = ok(
        await hook_client.get(
            f"{API}/audit", params={"resource_type": "webhook"}, headers=auth(admin)
        )
    )
    assert [e["action"] for e in entries["items"]] == ["webhook.created", "webhook.disabled"]


async def test_retries_back_off_then_give_up_and_disable(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
    clock: Clock,
    engine: AsyncEngine,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    hook = await subscribe(hook_client, admin, receiver.url(), event_types=["domain.created"])
    receiver.status = 500
    await _domain(hook_client, admin)

    delays = []
    for _ in range(MAX_ATTEMPTS):
        assert await dispatcher.run_once() == 1
        [state] = await rows(
            engine,
            "SELECT status, attempts, last_attempt_at, next_attempt_at, response_excerpt,"
            " last_status_code FROM webhook_deliveries",
        )
        assert state["last_status_code"] == 500 and state["response_excerpt"] == "not now"
        if state["status"] == "gave_up":
            break
        assert state["status"] == "failed"
        delays.append(state["next_attempt_at"] - state["last_attempt_at"])
        assert await dispatcher.run_once() == 0  # not due yet
        clock.to(state["next_attempt_at"])
    assert state["status"] == "gave_up" and state["attempts"] == MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS
    for delay, base in zip(delays, RETRY_DELAYS, strict=True):
        assert base * 0.8 <= delay <= base * 1.2
    assert sum(delays, timedelta()) > timedelta(days=3)

    shown = ok(await hook_client.get(f"{API}/webhooks/{hook['id']}", headers=auth(admin)))
    assert shown["active"] is False and shown["disabled_at"] is not None
    assert shown["consecutive_failures"] == MAX_ATTEMPTS
    ok(
        await hook_client.patch(
            f"{API}/webhooks/{hook['id']}", json={"active": True}, headers=auth(admin)
        )
    )
    shown = ok(await hook_client.get(f"{API}/webhooks/{hook['id']}", headers=auth(admin)))
    assert shown["active"] and shown["consecutive_failures"] == 0 and shown["disabled_at"] is None


async def test_a_timeout_is_a_failed_attempt(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    hook_settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    await subscribe(hook_client, admin, receiver.url(), event_types=["domain.created"])
    receiver.hang = True
    await _domain(hook_client, admin)
    fast = hook_settings.model_copy(update={"webhooks_timeout_seconds": 0.5})
    async with Dispatcher(create_sessionmaker(engine), fast, clock=clock) as dispatcher:
        assert await dispatcher.run_once() == 1
    [state] = await rows(
        engine, "SELECT status, last_error, last_status_code FROM webhook_deliveries"
    )
    assert state["status"] == "failed" and state["last_status_code"] is None
    assert state["last_error"].startswith("Timed out")


async def test_private_targets_are_refused_at_send_time_unless_allowed(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    hook_settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
) -> None:
    """A subscription saved while loopback was allowed is still not called once it is not
    (the check runs again before every send)."""
    admin = await make_person(session, is_platform_admin=True)
    await subscribe(hook_client, admin, receiver.url(), event_types=["domain.created"])
    await _domain(hook_client, admin)
    strict = hook_settings.model_copy(update={"webhooks_allow_private_targets": False})
    async with Dispatcher(create_sessionmaker(engine), strict, clock=clock) as dispatcher:
        assert await dispatcher.run_once() == 1
    assert receiver.received == []
    [state] = await rows(engine, "SELECT status, last_error FROM webhook_deliveries")
    assert state["status"] == "failed"
    assert state["last_error"].startswith("Refused") and "127.0.0.1" in state["last_error"]


async def test_a_member_event_reaches_the_domain_subscription(
    hook_client: AsyncClient, session: AsyncSession, receiver: Receiver, dispatcher: Dispatcher
) -> None:
    """Membership writes through every path emit their event: invite, accept, roles, remove."""
    amara = await make_person(session)
    ben = await make_person(session)
    cleo = await make_person(session)
    domain = await _domain(hook_client, amara, join_policy="request")
    slug = domain["slug"]
    await subscribe(hook_client, amara, receiver.url(), domain=slug, event_types=["membership.*"])
    members = f"{API}/domains/{slug}/members"
    ok(await hook_client.post(members, json={"person_id": str(ben.id)}, headers=auth(amara)), 201)
    ok(await hook_client.patch(f"{members}/{ben.id}", json={"status": "active"}, headers=auth(ben)))
    ok(
        await hook_client.patch(
            f"{members}/{ben.id}", json={"roles": ["member", "core"]}, headers=auth(amara)
        )
    )
    ok(await hook_client.post(members, json={}, headers=auth(cleo)), 201)
    ok(
        await hook_client.patch(
            f"{members}/{cleo.id}", json={"status": "active"}, headers=auth(amara)
        )
    )
    ok(await hook_client.delete(f"{members}/{ben.id}", headers=auth(amara)))
    await dispatcher.drain()
    got = [(r.json["type"], r.json["data"]["person_id"]) for r in receiver.delivered()]
    assert got == [
        ("membership.invited", str(ben.id)),
        ("membership.joined", str(ben.id)),
        ("membership.role_changed", str(ben.id)),
        ("membership.requested", str(cleo.id)),
        ("membership.approved", str(cleo.id)),
        ("membership.removed", str(ben.id)),
    ]
    role_change = receiver.delivered()[2].json
    assert role_change["data"]["roles"] == ["member", "core"]


async def test_a_name_that_turns_private_after_saving_is_refused_at_send_time(
    client: AsyncClient,
    session: AsyncSession,
    hook_settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
    dns: dict[str, list[str]],
) -> None:
    """DNS rebinding: the name was public when the subscription was saved; by the time of
    the delivery it answers a NAT64 form of 127.0.0.1, and nothing is sent."""
    admin = await make_person(session, is_platform_admin=True)
    dns["rebind.example"] = ["93.184.215.14"]
    await subscribe(client, admin, "http://rebind.example/hook", event_types=["domain.created"])
    await _domain(client, admin)
    dns["rebind.example"] = ["64:ff9b::7f00:1"]
    strict = hook_settings.model_copy(update={"webhooks_allow_private_targets": False})
    async with Dispatcher(create_sessionmaker(engine), strict, clock=clock) as dispatcher:
        assert await dispatcher.run_once() == 1
    [state] = await rows(engine, "SELECT status, last_error FROM webhook_deliveries")
    assert state["status"] == "failed"
    assert state["last_error"].startswith("Refused") and "64:ff9b::7f00:1" in state["last_error"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::", False),
        ("224.0.0.1", False),
    ],
)
def test_which_addresses_count_as_public(address: str, public: bool) -> None:
    import ipaddress

    from app.services.webhooks.targets import is_public

    assert is_public(ipaddress.ip_address(address)) is public


async def test_whatever_a_receiver_answers_is_stored_safely(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    dispatcher: Dispatcher,
    engine: AsyncEngine,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    await subscribe(hook_client, admin, receiver.url(), event_types=["domain.created"])
    receiver.status = 500
    receiver.answer = b"\x00\xff" * 5000
    await _domain(hook_client, admin)
    assert await dispatcher.run_once() == 1
    [state] = await rows(engine, "SELECT status, response_excerpt FROM webhook_deliveries")
    assert state["status"] == "failed"
    assert 0 < len(state["response_excerpt"]) <= 1024 and "\x00" not in state["response_excerpt"]
