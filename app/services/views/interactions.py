"""Recorded interactions as edge lists, one layer at a time, built in SQL.

A tie is (a, b, layer, weight, domains). For directed layers `a` acted towards `b`
(replied to, appreciated, endorsed); for co-attendance and membership `a < b`. Self-loops
never appear. Contributions count when they are not drafts and not hidden; a gathering
counts once it has started and was not cancelled."""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Invalid
from app.models.views import Layer
from app.services.views.params import ViewParams

Tie = tuple[uuid.UUID, uuid.UUID, Layer, int, tuple[uuid.UUID, ...]]

MAX_MEMBERSHIP_TIES = 2_000_000

_IDS = sa.bindparam("domains", type_=ARRAY(sa.Uuid()))

# Counted when it is neither a draft nor hidden by a moderator.
VISIBLE = "c.status <> 'draft' AND c.hidden_at IS NULL"

_REPLY = sa.text(
    f"""
    SELECT c.author_id, p.author_id, c.domain_id, count(*)
    FROM contributions c JOIN contributions p ON p.id = c.parent_id
    WHERE c.domain_id = ANY(:domains) AND p.domain_id = ANY(:domains)
      AND c.kind IN ('reply', 'answer') AND {VISIBLE}
      AND c.created_at >= :since AND c.created_at < :until
      AND c.author_id <> p.author_id
    GROUP BY 1, 2, 3
    """
).bindparams(_IDS)

_APPRECIATION = sa.text(
    f"""
    SELECT c.author_id, r.recipient, c.domain_id, count(*)
    FROM contributions c CROSS JOIN LATERAL unnest(c.recipient_ids) AS r(recipient)
    WHERE c.domain_id = ANY(:domains) AND c.kind = 'appreciation' AND {VISIBLE}
      AND c.created_at >= :since AND c.created_at < :until
      AND c.author_id <> r.recipient
    GROUP BY 1, 2, 3
    """
).bindparams(_IDS)

_ENDORSEMENT = sa.text(
    """
    SELECT e.person_id, c.author_id, c.domain_id, count(*)
    FROM endorsements e JOIN contributions c ON c.id = e.contribution_id
    WHERE c.domain_id = ANY(:domains)
      AND e.created_at >= :since AND e.created_at < :until
      AND e.person_id <> c.author_id
    GROUP BY 1, 2, 3
    """
).bindparams(_IDS)

# People who chose not to share their attendance are left out of co-attendance ties:
# a tie would tell other members which gatherings they came to.
_COATTENDANCE = sa.text(
    """
    WITH att AS (
      SELECT a.gathering_id, a.person_id, g.domain_id
      FROM attendance a
      JOIN gatherings g ON g.id = a.gathering_id
      JOIN people p ON p.id = a.person_id
      WHERE g.domain_id = ANY(:domains) AND g.status <> 'cancelled'
        AND g.start_at >= :since AND g.start_at < :until AND g.start_at <= now()
        AND p.share_participation
    )
    SELECT x.person_id, y.person_id, array_agg(DISTINCT x.domain_id), count(*)
    FROM att x JOIN att y ON x.gathering_id = y.gathering_id AND x.person_id < y.person_id
    GROUP BY 1, 2
    HAVING count(*) >= :minimum
    """
).bindparams(_IDS)

# A member during the window: joined before it ended, and had not left before it began.
_MEMBERS_DURING = sa.text(
    """
    SELECT m.person_id, m.domain_id
    FROM memberships m
    WHERE m.domain_id = ANY(:domains) AND m.status IN ('active', 'left', 'removed')
      AND coalesce(m.joined_at, m.created_at) < :until
      AND (m.status = 'active' OR m.left_at IS NULL OR m.left_at >= :since)
    """
).bindparams(_IDS)

_MEMBERS_AT = sa.text(
    """
    SELECT m.person_id, m.domain_id
    FROM memberships m
    WHERE m.domain_id = ANY(:domains) AND m.status IN ('active', 'left', 'removed')
      AND coalesce(m.joined_at, m.created_at) <= :moment
      AND (m.status = 'active' OR m.left_at IS NULL OR m.left_at > :moment)
    """
).bindparams(_IDS)

_DIRECTED = {
    Layer.reply: _REPLY,
    Layer.appreciation: _APPRECIATION,
    Layer.endorsement: _ENDORSEMENT,
}


async def rows(session: AsyncSession, statement: Any, **values: Any) -> Sequence[Any]:
    connection = await session.connection()
    return (await connection.execute(statement, values)).all()


Query = tuple[Any, dict[str, Any]]

# Queries of one view run side by side, each on a connection of its own, at most this many
# at once: PostgreSQL then uses both cores, and one view never drains the pool.
PARALLEL_QUERIES = 3


async def gather_rows(session: AsyncSession, queries: Sequence[Query]) -> list[Sequence[Any]]:
    """Run read-only queries concurrently on separate connections of the session's engine.
    They may see slightly different snapshots; for figures over months that is harmless."""
    bind = session.bind
    if not isinstance(bind, AsyncEngine) or len(queries) <= 1:
        return [await rows(session, statement, **values) for statement, values in queries]
    engine: AsyncEngine = bind
    gate = asyncio.Semaphore(PARALLEL_QUERIES)

    async def run(statement: Any, values: dict[str, Any]) -> Sequence[Any]:
        async with gate, engine.connect() as conn:
            return (await conn.execute(statement, values)).all()

    return list(await asyncio.gather(*(run(s, v) for s, v in queries)))


def tie_queries(domain_ids: Sequence[uuid.UUID], params: ViewParams) -> list[Query]:
    window = {"domains": list(domain_ids), "since": params.since, "until": params.until}
    found: list[Query] = []
    for layer in params.layers:
        if layer in _DIRECTED:
            found.append((_DIRECTED[layer], window))
        elif layer == Layer.coattendance:
            found.append((_COATTENDANCE, {**window, "minimum": params.min_coattendance}))
    return found


def ties_from(
    params: ViewParams,
    results: Sequence[Sequence[Any]],
    members: dict[uuid.UUID, set[uuid.UUID]] | None = None,
) -> list[Tie]:
    """The ties of the selected layers from the results of `tie_queries`, in that order.
    `members` (person -> domains) is needed for the membership layer only."""
    found: list[Tie] = []
    pending = iter(results)
    for layer in params.layers:
        if layer in _DIRECTED:
            for a, b, domain_id, weight in next(pending):
                if a is not None and b is not None:
                    found.append((a, b, layer, int(weight), (domain_id,)))
        elif layer == Layer.coattendance:
            found.extend((a, b, layer, int(w), tuple(ds)) for a, b, ds, w in next(pending))
        elif layer == Layer.membership:
            found.extend(membership_ties(members or {}, params.min_shared_domains))
    return found


async def ties(
    session: AsyncSession,
    domain_ids: Sequence[uuid.UUID],
    params: ViewParams,
    *,
    members: dict[uuid.UUID, set[uuid.UUID]] | None = None,
) -> list[Tie]:
    """Every tie of the selected layers in the window."""
    results = await gather_rows(session, tie_queries(domain_ids, params))
    return ties_from(params, results, members)


def membership_ties(members: dict[uuid.UUID, set[uuid.UUID]], minimum: int) -> list[Tie]:
    """People linked by the domains they share, `minimum` or more of them. Only people in at
    least `minimum` domains can qualify, which keeps the candidate pairs few; a threshold
    that would link hundreds of thousands of pairs (minimum 1 on large domains) is refused."""
    eligible = {p: ds for p, ds in members.items() if len(ds) >= minimum}
    by_key: dict[tuple[uuid.UUID, ...], list[uuid.UUID]] = defaultdict(list)
    for person, ds in eligible.items():
        for key in combinations(sorted(ds), minimum):
            by_key[key].append(person)
    candidates = sum(len(people) * (len(people) - 1) // 2 for people in by_key.values())
    if candidates > MAX_MEMBERSHIP_TIES:
        raise Invalid(
            f"Membership ties at min_shared_domains={minimum} would link about "
            f"{candidates:,} pairs of people; raise min_shared_domains.",
            errors=[FieldError("min_shared_domains", "too many ties", "too_many_ties")],
        )
    pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for people in by_key.values():
        people.sort()
        pairs.update(combinations(people, 2))
    found: list[Tie] = []
    for a, b in sorted(pairs):
        shared = eligible[a] & eligible[b]
        found.append((a, b, Layer.membership, len(shared), tuple(sorted(shared))))
    return found


def members_during_query(
    domain_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> Query:
    return _MEMBERS_DURING, {"domains": list(domain_ids), "since": since, "until": until}


def members_at_query(domain_ids: Sequence[uuid.UUID], moment: datetime) -> Query:
    return _MEMBERS_AT, {"domains": list(domain_ids), "moment": moment}


def by_person(result: Sequence[Any]) -> dict[uuid.UUID, set[uuid.UUID]]:
    found: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for person, domain in result:
        found[person].add(domain)
    return dict(found)


async def members_during(
    session: AsyncSession, domain_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """person -> the domains they were a member of at some time in the window."""
    statement, values = members_during_query(domain_ids, since, until)
    return by_person(await rows(session, statement, **values))


async def members_at(
    session: AsyncSession, domain_ids: Sequence[uuid.UUID], moment: datetime
) -> dict[uuid.UUID, set[uuid.UUID]]:
    """person -> the domains they were a member of at `moment`."""
    statement, values = members_at_query(domain_ids, moment)
    return by_person(await rows(session, statement, **values))


_NAMES = sa.text("SELECT id, display_name FROM people WHERE id = ANY(:ids)").bindparams(
    sa.bindparam("ids", type_=ARRAY(sa.Uuid()))
)


async def display_names(
    session: AsyncSession, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not person_ids:
        return {}
    return dict(await rows(session, _NAMES, ids=list(person_ids)))
