"""Views kept per window until something new is recorded.

Dashboards read the same views again and again, and a view of a large community takes
about a second to compute. Each entry carries a fingerprint of the domains' activity
(counts and latest change times of contributions, endorsements, attendance, gatherings,
memberships, value stories, the domains and people's profiles); a request recomputes the
fingerprint with one cheap query, and a different fingerprint means the entry is stale.
Time passing changes nothing within a fixed window, and the default window ends at the
next full hour, so it too stays fixed for up to an hour.

The cache lives in the process (each server process keeps its own), holds at most
`MAX_WEIGHT` nodes and links in all, and lets concurrent requests for the same missing
entry share one computation. Permission checks run before it, on every request."""

import asyncio
import gc
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.views.interactions import rows

T = TypeVar("T")

MAX_WEIGHT = 1_000_000  # nodes and links; a 250,000-link network holds about 140 MB
ENABLED = True

_FINGERPRINT = sa.text(
    """
    SELECT
      (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '')
         FROM contributions WHERE domain_id = ANY(:domains)),
      (SELECT count(*) || '/' || coalesce(max(e.created_at)::text, '')
         FROM endorsements e JOIN contributions c ON c.id = e.contribution_id
         WHERE c.domain_id = ANY(:domains)),
      (SELECT count(*) || '/' || coalesce(max(a.created_at)::text, '')
         FROM attendance a JOIN gatherings g ON g.id = a.gathering_id
         WHERE g.domain_id = ANY(:domains)),
      (SELECT count(*) FILTER (WHERE start_at <= now()) || '/' || count(*) || '/'
              || coalesce(max(updated_at)::text, '')
         FROM gatherings WHERE domain_id = ANY(:domains)),
      (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '')
         FROM memberships WHERE domain_id = ANY(:domains)),
      (SELECT count(*) || '/' || coalesce(max(created_at)::text, '')
         FROM value_stories WHERE domain_id = ANY(:domains)),
      (SELECT coalesce(max(updated_at)::text, '') FROM domains),
      (SELECT count(*) || '/' || coalesce(max(updated_at)::text, '') FROM people)
    """
).bindparams(sa.bindparam("domains", type_=ARRAY(sa.Uuid())))


@dataclass
class _Entry:
    fingerprint: tuple[Any, ...]
    value: Any
    weight: int


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_pending: dict[tuple[Hashable, tuple[Any, ...]], asyncio.Future[Any]] = {}
_total = 0


_paused = 0


@contextmanager
def collection_paused() -> Iterator[None]:
    """Building a view allocates hundreds of thousands of small objects, and the cyclic
    garbage collector, run every few hundred allocations, then spends more time walking
    the heap than the view takes to compute (measured: 1 to 3 s per view of a 2,000-member
    community). Reference counting still frees everything; the collector resumes when
    the last build in progress ends."""
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


def clear() -> None:
    global _total
    _entries.clear()
    _total = 0


async def fingerprint(session: AsyncSession, domain_ids: Sequence[uuid.UUID]) -> tuple[Any, ...]:
    """One query per request and set of domains (kept on the request's session)."""
    key = tuple(sorted(domain_ids))
    known: dict[tuple[uuid.UUID, ...], tuple[Any, ...]] = session.info.setdefault(
        "views_fingerprints", {}
    )
    if key not in known:
        known[key] = tuple((await rows(session, _FINGERPRINT, domains=list(key)))[0])
    return known[key]


def _store(key: Hashable, entry: _Entry) -> None:
    global _total
    old = _entries.pop(key, None)
    if old is not None:
        _total -= old.weight
    if entry.weight > MAX_WEIGHT:
        return
    _entries[key] = entry
    _total += entry.weight
    while _total > MAX_WEIGHT and _entries:
        _, evicted = _entries.popitem(last=False)
        _total -= evicted.weight


async def cached(
    session: AsyncSession,
    key: Hashable,
    domain_ids: Sequence[uuid.UUID],
    build: Callable[[], Awaitable[T]],
    weight: Callable[[T], int] = lambda _: 1,
) -> T:
    if not ENABLED:
        return await build()
    mark = await fingerprint(session, domain_ids)
    entry = _entries.get(key)
    if entry is not None and entry.fingerprint == mark:
        _entries.move_to_end(key)
        value: T = entry.value
        return value
    pending = _pending.get((key, mark))
    if pending is not None and pending.get_loop() is asyncio.get_running_loop():
        shared: T = await asyncio.shield(pending)
        return shared
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    _pending[(key, mark)] = future
    try:
        with collection_paused():
            value = await build()
    except Exception as exc:
        future.set_exception(exc)
        future.exception()  # marks it retrieved: nobody else may be waiting
        raise
    except BaseException:
        future.cancel()
        raise
    finally:
        _pending.pop((key, mark), None)
    future.set_result(value)
    _store(key, _Entry(mark, value, max(1, weight(value))))
    return value
