"""The outbox under failure and concurrency: a dispatcher killed between its claim and the
receiver's answer loses nothing, and dispatchers running side by side (in this process
and as separate `cop-api dispatch` processes) never send a delivery twice."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_sessionmaker
from app.main import create_app
from app.models.people import Person
from app.services.webhooks.delivery import Dispatcher
from tests.factories import SECRET, auth, make_person, subscribe
from tests.integration.conftest import Clock, Receiver
from tests.support import API, ok, rows, scalar


async def _domain(client: AsyncClient, person: Person, name: str) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await client.post(f"{API}/domains", json={"name": name}, headers=auth(person)), 201
    )
    return created


async def _changes(client: AsyncClient, person: Person, slug: str, count: int) -> None:
    for n in range(count):
        ok(
            await client.patch(
                f"{API}/domains/{slug}", json={"purpose": f"take {n}"}, headers=auth(person)
            )
        )


def _dispatch_command() -> list[str]:
    script = shutil.which("cop-api", path=os.path.dirname(sys.executable))
    if script:
        return [script, "dispatch"]
    return [sys.executable, "-c", "from app.cli import main; main()", "dispatch"]


class Processes:
    """`cop-api dispatch` processes started by a test, killed (by pid) afterwards."""

    def __init__(self, database_url: str) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "test",
            "SECRET_KEY": SECRET,
            "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
            "WEBHOOKS_POLL_SECONDS": "0.05",
            "WEBHOOKS_BATCH_SIZE": "3",
        }
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            _dispatch_command(),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def processes(database_url: str) -> Iterator[Processes]:
    started = Processes(database_url)
    yield started
    started.stop_all()


async def _until(check: Any, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still waiting after {seconds} s")


async def test_events_committed_with_no_dispatcher_running_are_sent_by_a_later_one(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    engine: AsyncEngine,
    hook_settings: Settings,
    clock: Clock,
) -> None:
    """The outbox: the change and its delivery commit together; whichever dispatcher
    comes along later (after a crash, a deploy, hours later) sends it."""
    admin = await make_person(session, is_platform_admin=True)
    await subscribe(hook_client, admin, receiver.url())
    domain = await _domain(hook_client, admin, "Outbox")
    await _changes(hook_client, admin, domain["slug"], 2)
    assert (
        await scalar(engine, "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
        == 4
    )

    clock.advance(timedelta(hours=12))
    async with Dispatcher(create_sessionmaker(engine), hook_settings, clock=clock) as later:
        assert await later.drain() == 4
    assert len({r.id for r in receiver.delivered()}) == 4


async def test_a_dispatcher_killed_mid_send_loses_nothing(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    engine: AsyncEngine,
    hook_settings: Settings,
    clock: Clock,
    processes: Processes,
) -> None:
    """`cop-api dispatch` claims the delivery (committed), the receiver reads the request,
    and the process is killed with SIGKILL before any answer. Once its lease runs out,
    another dispatcher sends the same event (same webhook-id) again."""
    admin = await make_person(session, is_platform_admin=True)
    hook = await subscribe(hook_client, admin, receiver.url(), event_types=["domain.created"])
    receiver.hang = True
    await _domain(hook_client, admin, "Crash")

    process = processes.start()
    async with asyncio.timeout(60):
        await receiver.wait_for(1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    [first] = receiver.received
    [state] = await rows(engine, "SELECT status, attempts, next_attempt_at FROM webhook_deliveries")
    assert state["status"] == "pending" and state["attempts"] == 1  # claimed, never finished

    receiver.hang = False
    async with Dispatcher(create_sessionmaker(engine), hook_settings, clock=clock) as survivor:
        assert await survivor.drain() == 0  # the dead dispatcher's lease still holds
        clock.to(state["next_attempt_at"])
        assert await survivor.drain() == 1
    [second] = receiver.delivered()
    assert second.id == first.id and second.body == first.body
    log = ok(await hook_client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=auth(admin)))
    [delivery] = log["items"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2


async def test_concurrent_dispatchers_in_one_process_never_send_twice(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    database_url: str,
    hook_settings: Settings,
    engine: AsyncEngine,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    paths = [f"/s{n}" for n in range(4)]
    for path in paths:
        await subscribe(hook_client, admin, receiver.url(path))
    domain = await _domain(hook_client, admin, "Busy")
    await _changes(hook_client, admin, domain["slug"], 10)
    expected = [
        r["id"] for r in await rows(engine, "SELECT id::text AS id FROM events ORDER BY seq")
    ]
    assert len(expected) == 12

    settings = hook_settings.model_copy(
        update={"webhooks_batch_size": 2, "webhooks_poll_seconds": 0.01}
    )
    engines = [create_async_engine(database_url, pool_size=3) for _ in range(3)]
    stop = asyncio.Event()
    dispatchers = [Dispatcher(create_sessionmaker(e), settings) for e in engines]
    try:
        runs = [asyncio.create_task(d.run(stop)) for d in dispatchers]

        async def all_delivered() -> bool:
            return len(receiver.delivered()) >= len(paths) * len(expected)

        await _until(all_delivered)
        await asyncio.sleep(0.3)  # room for a duplicate to show up, were there one
        stop.set()
        await asyncio.gather(*runs)
    finally:
        for d in dispatchers:
            await d.aclose()
        for e in engines:
            await e.dispose()

    sent = Counter((r.path, r.id) for r in receiver.received)
    assert set(sent.values()) == {1}
    for path in paths:  # and in commit order for each subscription
        assert [r.id for r in receiver.delivered(path)] == expected


async def test_dispatch_processes_side_by_side_never_send_twice(
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    engine: AsyncEngine,
    processes: Processes,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    paths = [f"/p{n}" for n in range(5)]
    for path in paths:
        await subscribe(hook_client, admin, receiver.url(path))
    domain = await _domain(hook_client, admin, "Shared")
    await _changes(hook_client, admin, domain["slug"], 6)
    total = len(paths) * 8

    for _ in range(3):
        processes.start()

    async def done() -> bool:
        delivered = await scalar(
            engine, "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'"
        )
        return bool(delivered == total)

    await _until(done, seconds=60)
    await asyncio.sleep(0.3)
    for process in processes.started:
        process.send_signal(signal.SIGTERM)
    for process in processes.started:
        assert process.wait(timeout=20) == 0, process.stderr.read() if process.stderr else ""

    sent = Counter((r.path, r.id) for r in receiver.received)
    assert len(sent) == total and set(sent.values()) == {1}


async def test_the_api_process_runs_a_dispatcher_unless_told_not_to(
    session: AsyncSession, receiver: Receiver, hook_settings: Settings, engine: AsyncEngine
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    for enabled in (False, True):
        settings = hook_settings.model_copy(
            update={"webhooks_dispatcher_enabled": enabled, "webhooks_poll_seconds": 0.05}
        )
        app = create_app(settings, engine=engine)
        async with (
            app.router.lifespan_context(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
        ):
            if not enabled:
                await subscribe(client, admin, receiver.url(), event_types=["domain.created"])
            await _domain(client, admin, f"Lifespan {enabled}")
            if enabled:
                async with asyncio.timeout(20):
                    await receiver.wait_for(2)
            else:
                await asyncio.sleep(0.5)
                assert receiver.received == []
    assert sorted(r.json["data"]["name"] for r in receiver.delivered()) == [
        "Lifespan False",
        "Lifespan True",
    ]
