"""Views kept per window until something new is recorded.

Dashboards read the same views again and again, and a view of a large community takes
about a second to compute. Each entry carries a fingerprint of the domains' activity
(counts and latest change times of contributions, endorsements, attendance, gatherings,
memberships, value stories, the domains and people's profiles); a request recomputes the
fingerprint with one cheap query, and a different fingerprint means the entry is stale.
Time passing changes nothing within a fixed window, and the default window ends at the
next full hour, so it too stays fixed for up to an hour.

The cache lives in the process (each server process keeps its own), holds at most
`view_cache_max_bytes` of views in all (the least recently used go first; a view larger
than that is not kept), and lets concurrent requests for the same missing entry share one
computation. Permission checks run before it, on every request."""

import asyncio
import enum
import gc
import random
import sys
import types
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.views.interactions import rows

T = TypeVar("T")

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
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
    size: int  # bytes, those of other entries' values it holds left out
    holds: frozenset[Hashable]  # the keys of those entries


_entries: OrderedDict[Hashable, _Entry] = OrderedDict()
_pending: dict[tuple[Hashable, tuple[Any, ...]], asyncio.Future[Any]] = {}
_total = 0
_max_bytes = DEFAULT_MAX_BYTES
# A diagnosis holds the network and community figures cached on their own: each is
# counted once, and an entry goes when one it holds goes, so that nothing it keeps alive
# is left uncounted.
_key_of_value: dict[int, Hashable] = {}
_held_by: dict[Hashable, set[Hashable]] = {}


def configure(max_bytes: int) -> None:
    """The budget, from the `view_cache_max_bytes` setting; entries over it go at once."""
    global _max_bytes
    _max_bytes = max_bytes
    _evict()


def stats() -> tuple[int, int]:
    """Entries held, and their estimated size in bytes."""
    return len(_entries), _total


# Objects that belong to the program, not to an entry (the small integers too).
_SHARED = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    enum.Enum,
    bool,
    types.NoneType,
)
_EXACT_UP_TO = 20_000  # objects: about 25 ms to walk
_SAMPLE = 32
_DEEPEST = 100  # views nest a dozen levels; this keeps clear of Python's recursion limit


def _shared(obj: object) -> bool:
    return isinstance(obj, _SHARED) or (isinstance(obj, int) and -5 <= obj <= 256)


class _TooMany(Exception):
    pass


def _measure(
    value: object, cached: Mapping[int, Hashable], *, sample: bool
) -> tuple[int, set[Hashable]]:
    """The bytes of every object `value` reaches, each counted once, stopping at the
    values of other entries (whose keys come back). `sample`: a collection of more than
    `_SAMPLE` items is estimated from a fixed random sample of them (a view's nodes and
    links are much alike), and objects the items share, such as the people's ids in both
    nodes and links, may be counted more than once; the estimate errs high, by up to half
    in a measured 250,000-link view. Otherwise it gives up past `_EXACT_UP_TO` objects."""
    seen: set[int] = set()
    holds: set[Hashable] = set()

    def walk(obj: object, depth: int) -> int:
        if id(obj) in seen or _shared(obj) or depth > _DEEPEST:
            return 0
        if obj is not value and id(obj) in cached:
            holds.add(cached[id(obj)])
            return 0
        seen.add(id(obj))
        if not sample and len(seen) > _EXACT_UP_TO:
            raise _TooMany
        size = sys.getsizeof(obj)
        refs = gc.get_referents(obj)
        if not sample or len(refs) <= _SAMPLE:
            return size + sum(walk(r, depth + 1) for r in refs)
        chosen = random.Random(len(refs)).sample(refs, _SAMPLE)
        return size + sum(walk(r, depth + 1) for r in chosen) * len(refs) // _SAMPLE

    return walk(value, 0), holds


def measure(value: object, cached: Mapping[int, Hashable]) -> tuple[int, set[Hashable]]:
    """Exact for most entries; estimated for a large view, where an exact count would
    take seconds (a synthetic 250,000-link view: 45 ms instead of 2 to 4 s)."""
    try:
        return _measure(value, cached, sample=False)
    except _TooMany:
        return _measure(value, cached, sample=True)


def size_of(value: object) -> int:
    return measure(value, {})[0]


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
    _key_of_value.clear()
    _held_by.clear()
    _total = 0


def _remove(key: Hashable) -> None:
    global _total
    entry = _entries.pop(key, None)
    if entry is None:
        return
    _total -= entry.size
    _key_of_value.pop(id(entry.value), None)
    for held in entry.holds:
        _held_by.get(held, set()).discard(key)
    for holder in _held_by.pop(key, set()):
        _remove(holder)


def _evict() -> None:
    while _total > _max_bytes and _entries:
        _remove(next(iter(_entries)))


async def fingerprint(session: AsyncSession, domain_ids: Sequence[uuid.UUID]) -> tuple[Any, ...]:
    """One query per request and set of domains (kept on the request's session)."""
    key = tuple(sorted(domain_ids))
    known: dict[tuple[uuid.UUID, ...], tuple[Any, ...]] = session.info.setdefault(
        "views_fingerprints", {}
    )
    if key not in known:
        known[key] = tuple((await rows(session, _FINGERPRINT, domains=list(key)))[0])
    return known[key]


def _store(key: Hashable, mark: tuple[Any, ...], value: Any) -> None:
    global _total
    _remove(key)
    size, holds = measure((key, mark, value), _key_of_value)
    if size > _max_bytes:
        return
    _entries[key] = _Entry(mark, value, size, frozenset(holds))
    _key_of_value.setdefault(id(value), key)
    for held in holds:
        _held_by.setdefault(held, set()).add(key)
    _total += size
    _evict()


async def cached(
    session: AsyncSession,
    key: Hashable,
    domain_ids: Sequence[uuid.UUID],
    build: Callable[[], Awaitable[T]],
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
    _store(key, mark, value)
    return value
