"""The view cache stays within its budget in bytes, and windows that differ by seconds
share one entry."""

import enum
import gc
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.views import cache
from app.services.views.params import view_params, view_window
from tests.factories import auth
from tests.support import API
from tests.views.support import World


@pytest.fixture
def budget() -> Iterator[None]:
    """Each test sets its own budget; the default comes back afterwards."""
    yield
    cache.configure(cache.DEFAULT_MAX_BYTES)


def exact_size(value: object) -> int:
    """Every reachable object counted once, none sampled: slow, for comparison only."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | enum.Enum | bool | None):
            continue
        if isinstance(obj, int) and -5 <= obj <= 256:
            continue  # Python's own
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def view_like(nodes: int, links: int) -> dict[str, Any]:
    people = [uuid.uuid4() for _ in range(nodes)]
    return {
        "nodes": [
            {"id": p, "name": f"Person {i}", "degree": i, "betweenness": i / 7, "domains": ["d"]}
            for i, p in enumerate(people)
        ],
        "links": [
            {
                "source": people[i % nodes],
                "target": people[(i * 7 + 1) % nodes],
                "weight": i % 13 + 1000,
                "layers": [{"layer": "reply", "weight": i % 5, "a_to_b": 1, "b_to_a": 2}],
            }
            for i in range(links)
        ],
    }  # fmt: skip


def test_the_size_estimate_is_close_and_quick() -> None:
    """Exact up to 20,000 objects; beyond, sampled, erring high (shared ids)."""
    for nodes, links, over in [(10, 5, 1.0), (300, 1_000, 1.0), (2_000, 60_000, 1.5)]:
        value = view_like(nodes, links)
        started = time.perf_counter()
        estimate = cache.size_of(value)
        took = time.perf_counter() - started
        exact = exact_size(value)
        assert exact <= estimate <= over * exact, (nodes, links, estimate, exact)
        assert took < 0.5, took
    text = "x" * 1_000_000
    assert 1_000_000 <= cache.size_of(text) < 1_001_000


async def _value(value: Any) -> Any:
    return value


async def test_an_entry_over_the_budget_is_not_kept(session: AsyncSession, budget: None) -> None:
    world = await World.create(session, 1)
    ids = [world.domain.id]
    cache.configure(100_000)
    small, large = "s" * 10_000, "L" * 200_000
    assert await cache.cached(session, "small", ids, lambda: _value(small)) is small
    assert await cache.cached(session, "large", ids, lambda: _value(large)) is large
    entries, size = cache.stats()
    assert entries == 1 and 10_000 < size < 100_000


async def test_the_least_recently_used_go_first(session: AsyncSession, budget: None) -> None:
    world = await World.create(session, 1)
    ids = [world.domain.id]
    cache.configure(50_000)
    for n in range(10):
        await cache.cached(session, n, ids, lambda n=n: _value(str(n) * 10_000))
        await cache.cached(session, 0, ids, lambda: _value("never rebuilt"))  # keeps 0 fresh
    entries, size = cache.stats()
    assert size <= 50_000 and 2 <= entries <= 4
    assert await cache.cached(session, 0, ids, lambda: _value("rebuilt")) == "0" * 10_000
    assert await cache.cached(session, 1, ids, lambda: _value("rebuilt")) == "rebuilt"
    cache.configure(0)
    assert cache.stats() == (0, 0)


async def test_a_view_holding_another_is_counted_once_and_goes_with_it(
    session: AsyncSession, budget: None
) -> None:
    """Like a diagnosis holding the network and community figures cached on their own."""
    world = await World.create(session, 1)
    ids = [world.domain.id]
    cache.configure(1_000_000)
    inner = ["i" * 100_000]
    await cache.cached(session, "inner", ids, lambda: _value(inner))
    _, alone = cache.stats()
    await cache.cached(session, "outer", ids, lambda: _value({"inner": inner, "own": "o" * 1000}))
    entries, both = cache.stats()
    assert entries == 2 and 1000 < both - alone < 3000
    cache.configure(alone + 500)  # the inner entry, older, goes first, and the outer with it
    assert cache.stats() == (0, 0)
    rebuilt = await cache.cached(session, "outer", ids, lambda: _value("rebuilt"))
    assert rebuilt == "rebuilt"


def test_windows_are_widened_to_whole_hours() -> None:
    since = datetime(2026, 3, 4, 10, 17, 33, tzinfo=UTC)
    until = datetime(2026, 5, 6, 7, 0, 1, tzinfo=UTC)
    assert view_window(since, until, default=timedelta(days=1)) == (
        datetime(2026, 3, 4, 10, tzinfo=UTC),
        datetime(2026, 5, 6, 8, tzinfo=UTC),
    )
    india = datetime(2026, 3, 4, 15, 47, 33, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert view_window(india, until, default=timedelta(days=1))[0] == datetime(
        2026, 3, 4, 10, tzinfo=UTC
    )
    whole = datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert view_window(whole, until, default=timedelta(days=1))[0] == whole


async def test_two_thousand_windows_a_second_apart_share_their_entries(
    client: AsyncClient, session: AsyncSession, budget: None
) -> None:
    """2,000 `since` values a second apart make one window (two, should the default
    `until` pass an hour meanwhile); every 10th of them is asked over REST."""
    world = await World.create(session, 4)
    a, b, c, _ = world.people
    await world.reply(a, b)
    await world.reply(b, c)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)
    windows = {view_params(since=start + timedelta(seconds=s)) for s in range(2000)}
    assert len(windows) <= 2
    cache.configure(4 * 1024 * 1024)
    url = f"{API}/domains/{world.domain.slug}/views/comparison"
    first = await client.get(url, params={"since": start.isoformat()}, headers=auth(a))
    assert first.status_code == 200, first.text
    assert datetime.fromisoformat(first.json()["window"]["since"]) == start
    per_window, _ = cache.stats()
    for second in range(10, 2000, 10):
        since = start + timedelta(seconds=second)
        response = await client.get(url, params={"since": since.isoformat()}, headers=auth(a))
        assert response.status_code == 200
        assert datetime.fromisoformat(response.json()["window"]["since"]) == start
    entries, size = cache.stats()
    assert entries <= 2 * per_window
    assert size <= 4 * 1024 * 1024
