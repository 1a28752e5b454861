"""`events.record` for many changes at once: the same events, audit rows and webhook
deliveries, written with three statements however many changes there are.

Imports change thousands of rows; one `record` per row would cost three statements
each. Like `record`, nothing here commits: the caller's transaction holds the change,
its events and its deliveries together."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.middleware import current_request_id
from app.models.base import utcnow
from app.models.events import EVENT_TYPES
from app.services.actors import Actor
from app.services.changes import events, tombstones


@dataclass(frozen=True)
class Change:
    type: str
    resource_type: str
    resource_id: uuid.UUID
    payload: dict[str, Any]
    changes: dict[str, Any] | None = None
    # Who made this change and when, if not the caller's actor now (replayed history,
    # whose changes each have their own author and moment), and in which domain, if not
    # the call's.
    actor: Actor | None = None
    at: datetime | None = None
    domain_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AuditOnly:
    """A write that emits no webhook event (people have no event types)."""

    action: str
    resource_type: str
    resource_id: uuid.UUID
    changes: dict[str, Any] | None = None


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


_INSERT_EVENTS = text(
    """
    INSERT INTO events (id, type, occurred_at, domain_id, actor_person_id, actor_api_key_id,
                        resource_type, resource_id, payload, tombstone)
    SELECT v.id, v.type, v.at, v.domain_id, v.person_id, v.api_key_id, v.resource_type,
           v.resource_id, CAST(v.payload AS jsonb), v.tombstone
    FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:resource_types AS text[]),
                CAST(:resource_ids AS uuid[]), CAST(:payloads AS text[]),
                CAST(:tombstones AS boolean[]), CAST(:ats AS timestamptz[]),
                CAST(:domain_ids AS uuid[]), CAST(:person_ids AS uuid[]),
                CAST(:api_key_ids AS uuid[]))
         WITH ORDINALITY
         AS v(id, type, resource_type, resource_id, payload, tombstone, at, domain_id,
              person_id, api_key_id, n)
    ORDER BY v.n
    RETURNING seq, type, occurred_at, domain_id
    """
)

_INSERT_AUDIT = text(
    """
    INSERT INTO audit_log (at, actor_person_id, actor_api_key_id, action, resource_type,
                           resource_id, domain_id, changes, request_id, event_id)
    SELECT v.at, v.person_id, v.api_key_id, v.action, v.resource_type, v.resource_id,
           v.domain_id, CAST(v.changes AS jsonb), CAST(:request_id AS text), v.event_id
    FROM unnest(CAST(:actions AS text[]), CAST(:resource_types AS text[]),
                CAST(:resource_ids AS uuid[]), CAST(:changes AS text[]),
                CAST(:event_ids AS uuid[]), CAST(:ats AS timestamptz[]),
                CAST(:domain_ids AS uuid[]), CAST(:person_ids AS uuid[]),
                CAST(:api_key_ids AS uuid[]))
         WITH ORDINALITY
         AS v(action, resource_type, resource_id, changes, event_id, at, domain_id, person_id,
              api_key_id, n)
    ORDER BY v.n
    """
)

# The same matching as `events.record`: a subscription names the type, its resource's
# wildcard (`membership.*`) or `*`.
_QUEUE_DELIVERIES = text(
    """
    INSERT INTO webhook_deliveries
        (id, subscription_id, event_seq, status, attempts, next_attempt_at, created_at)
    SELECT gen_random_uuid(), s.id, e.seq, 'pending', 0, e.at, e.at
    FROM unnest(CAST(:seqs AS bigint[]), CAST(:types AS text[]), CAST(:ats AS timestamptz[]),
                CAST(:domain_ids AS uuid[])) AS e(seq, type, at, domain_id)
    JOIN webhook_subscriptions s
      ON s.active
     AND (s.domain_id IS NULL OR s.domain_id = e.domain_id)
     AND s.event_types && ARRAY[e.type, split_part(e.type, '.', 1) || '.*', '*']::varchar[]
    ORDER BY e.seq
    """
)


async def record_many(
    session: AsyncSession,
    actor: Actor,
    domain_id: uuid.UUID | None,
    changes: list[Change],
    audit_only: list[AuditOnly] | None = None,
) -> None:
    """Append one event and audit row per change (and one audit row per `audit_only`
    entry), and queue their deliveries; the caller commits. Each change is by `actor`, now,
    in `domain_id`, unless it names its own actor, time or domain."""
    audit_only = audit_only or []
    if not changes and not audit_only:
        return
    for change in changes:
        if change.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {change.type!r}; add it to EVENT_TYPES")
    await events.lock_log(session)
    conn = await session.connection()
    now = utcnow()
    event_ids = [uuid.uuid4() for _ in changes]
    # (actor, time, domain) of every row: the changes', then the audit-only entries'.
    whos = [(c.actor or actor, c.at or now, c.domain_id or domain_id) for c in changes]
    whos += [(actor, now, domain_id)] * len(audit_only)

    def who(rows: list[tuple[Actor, Any, uuid.UUID | None]]) -> dict[str, Any]:
        return {
            "ats": [at for _, at, _ in rows],
            "domain_ids": [d for _, _, d in rows],
            "person_ids": [a.person_id for a, _, _ in rows],
            "api_key_ids": [a.api_key_id for a, _, _ in rows],
        }

    if changes:
        inserted = await conn.execute(
            _INSERT_EVENTS.bindparams(
                ids=event_ids,
                types=[c.type for c in changes],
                resource_types=[c.resource_type for c in changes],
                resource_ids=[c.resource_id for c in changes],
                payloads=[_json(c.payload) for c in changes],
                tombstones=[tombstones.is_removal(c.type) for c in changes],
                **who(whos[: len(changes)]),
            )
        )
        seqs, types, ats, domains = zip(*inserted.all(), strict=True)
        await conn.execute(
            _QUEUE_DELIVERIES.bindparams(
                seqs=list(seqs), types=list(types), ats=list(ats), domain_ids=list(domains)
            )
        )
    rows: list[tuple[str, str, uuid.UUID, dict[str, Any] | None, uuid.UUID | None]] = [
        (c.type, c.resource_type, c.resource_id, c.changes, eid)
        for c, eid in zip(changes, event_ids, strict=True)
    ]
    rows += [(a.action, a.resource_type, a.resource_id, a.changes, None) for a in audit_only]
    await conn.execute(
        _INSERT_AUDIT.bindparams(
            request_id=current_request_id(),
            actions=[r[0] for r in rows],
            resource_types=[r[1] for r in rows],
            resource_ids=[r[2] for r in rows],
            changes=[_json(r[3]) for r in rows],
            event_ids=[r[4] for r in rows],
            **who(whos),
        )
    )
