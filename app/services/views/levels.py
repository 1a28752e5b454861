"""Levels of participation, computed from activity, never assigned (Wenger, McDermott and
Snyder, 2002).

Over the six months before `until`, counted as six 30-day months:
- core: contributed in at least 5 of the 6 months, and attended at least 75% of the
  gatherings held or hosted one;
- active: contributed in at least 3 months, or attended at least 50% of the gatherings;
- occasional: contributed in 1 or 2 months;
- peripheral: a member who only attends or reads (or of whom nothing is recorded).
A domain that held no gatherings has no attendance share, so its core needs a host."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.views import ParticipationLevel
from app.services.views.interactions import (
    VISIBLE,
    Query,
    by_person,
    gather_rows,
    members_at_query,
)
from app.services.views.params import LEVEL_WINDOW, MONTH

L = ParticipationLevel
RANK = {L.peripheral: 0, L.occasional: 1, L.active: 2, L.core: 3}

_IDS = sa.bindparam("domains", type_=ARRAY(sa.Uuid()))
_SECONDS = int(MONTH.total_seconds())

HELD = """
    SELECT g.id, g.domain_id, g.host_ids, g.start_at FROM gatherings g
    WHERE g.domain_id = ANY(:domains) AND g.status <> 'cancelled'
      AND g.start_at >= :lo AND g.start_at < :hi AND g.start_at <= now()
"""

_HELD = sa.text(HELD).bindparams(_IDS)

_MONTHS = sa.text(
    f"""
    SELECT c.domain_id, c.author_id,
           count(DISTINCT floor(extract(epoch FROM c.created_at - :lo) / {_SECONDS}))
    FROM contributions c
    WHERE c.domain_id = ANY(:domains) AND {VISIBLE} AND c.author_id IS NOT NULL
      AND c.created_at >= :lo AND c.created_at < :hi
    GROUP BY 1, 2
    """
).bindparams(_IDS)

_ATTENDED = sa.text(
    f"""
    WITH held AS ({HELD})
    SELECT h.domain_id, a.person_id, count(*)
    FROM attendance a JOIN held h ON h.id = a.gathering_id
    GROUP BY 1, 2
    """
).bindparams(_IDS)


@dataclass(frozen=True)
class Activity:
    months: int = 0
    attended: int = 0
    hosted: bool = False


def classify(activity: Activity, held: int) -> ParticipationLevel:
    share = activity.attended / held if held else None
    months = activity.months
    if months >= 5 and ((share is not None and share >= 0.75) or activity.hosted):
        return L.core
    if months >= 3 or (share is not None and share >= 0.5):
        return L.active
    if months >= 1:
        return L.occasional
    return L.peripheral


@dataclass
class LevelTable:
    since: datetime
    until: datetime
    held: dict[uuid.UUID, int]
    members: dict[uuid.UUID, set[uuid.UUID]]  # person -> domains, at `until`
    activity: dict[tuple[uuid.UUID, uuid.UUID], Activity] = field(default_factory=dict)

    def level(self, domain_id: uuid.UUID, person_id: uuid.UUID) -> ParticipationLevel | None:
        if domain_id not in self.members.get(person_id, ()):
            return None
        activity = self.activity.get((domain_id, person_id), Activity())
        return classify(activity, self.held.get(domain_id, 0))

    def highest(self, person_id: uuid.UUID) -> ParticipationLevel | None:
        found = [self.level(d, person_id) for d in self.members.get(person_id, ())]
        known = [f for f in found if f is not None]
        return max(known, key=RANK.__getitem__) if known else None

    def by_person(self, domain_id: uuid.UUID) -> dict[uuid.UUID, ParticipationLevel]:
        return {
            p: self.level(domain_id, p) or L.peripheral
            for p, ds in self.members.items()
            if domain_id in ds
        }


def level_queries(domain_ids: Sequence[uuid.UUID], until: datetime) -> list[Query]:
    window = {"domains": list(domain_ids), "lo": until - LEVEL_WINDOW, "hi": until}
    return [
        (_MONTHS, window),
        (_ATTENDED, window),
        (_HELD, window),
        members_at_query(domain_ids, until),
    ]


def level_table_from(until: datetime, results: Sequence[Sequence[Any]]) -> LevelTable:
    months_rows, attended_rows, held_rows, member_rows = results
    months = {(domain, person): min(int(count), 6) for domain, person, count in months_rows}
    attended = {(domain, person): int(count) for domain, person, count in attended_rows}
    held: dict[uuid.UUID, int] = defaultdict(int)
    hosted: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for _, domain, hosts, _ in held_rows:
        held[domain] += 1
        hosted.update((domain, h) for h in hosts)
    table = LevelTable(until - LEVEL_WINDOW, until, dict(held), by_person(member_rows))
    for key in set(months) | set(attended) | hosted:
        table.activity[key] = Activity(months.get(key, 0), attended.get(key, 0), key in hosted)
    return table


async def level_table(
    session: AsyncSession, domain_ids: Sequence[uuid.UUID], until: datetime
) -> LevelTable:
    return level_table_from(until, await gather_rows(session, level_queries(domain_ids, until)))
