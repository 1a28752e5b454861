"""Recording changes: one event (the webhook outbox and change log), one audit row, and a
pending delivery per matching webhook subscription, all inside the caller's transaction.

Services call `record` just before they commit a successful write; nothing here commits,
so a write that fails or rolls back leaves no event, no audit row and no delivery."""

import uuid
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.middleware import current_request_id
from app.models.base import utcnow
from app.models.events import EVENT_TYPES, AuditEntry, Event
from app.models.people import Person
from app.services.actors import Actor
from app.services.changes import tombstones

# Writers append to the log one at a time (a transaction-level advisory lock, held from
# the append to the commit, a few milliseconds), so that `seq` order is commit order:
# a reader following `seq` never passes a number whose transaction commits later.
_LOG_LOCK = 0x636F_7001

_IGNORED_IN_DIFF = frozenset({"updated_at", "version"})


async def lock_log(session: AsyncSession) -> None:
    """Take the log lock now. Writers that change webhook subscriptions call it before
    touching them, so that they never wait for it while holding a subscription row that
    a concurrent `record` needs (which would deadlock)."""
    conn = await session.connection()
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_LOG_LOCK))


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed between two dumps of a resource, as `{field: {from, to}}`."""
    before = before or {}
    return {
        key: {"from": before.get(key), "to": value}
        for key, value in after.items()
        if key not in _IGNORED_IN_DIFF and before.get(key) != value
    }


def _matching_types(type_: str) -> list[str]:
    return [type_, f"{type_.split('.', 1)[0]}.*", "*"]


_QUEUE_DELIVERIES = text(
    """
    INSERT INTO webhook_deliveries
        (id, subscription_id, event_seq, status, attempts, next_attempt_at, created_at)
    SELECT gen_random_uuid(), s.id, :seq, 'pending', 0, :now, :now
    FROM webhook_subscriptions s
    WHERE s.active
      AND (s.domain_id IS NULL OR s.domain_id = :domain_id)
      AND s.event_types && CAST(:types AS varchar[])
    """
)


async def record(
    session: AsyncSession,
    actor: Actor,
    type: str,
    *,
    domain_id: uuid.UUID | None,
    resource_type: str,
    resource_id: uuid.UUID,
    payload: dict[str, Any],
    changes: dict[str, Any] | None = None,
) -> Event:
    """Append an event, its audit row and its deliveries; the caller commits.
    `payload` is the resource as the REST API shows it (a Public model, mode="json"), its
    last state when the event removes it (app/services/tombstones.py says which do)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}; add it to EVENT_TYPES")
    await lock_log(session)
    now = utcnow()
    event = Event(
        type=type,
        occurred_at=now,
        domain_id=domain_id,
        actor_person_id=actor.person_id,
        actor_api_key_id=actor.api_key_id,
        resource_type=resource_type,
        resource_id=resource_id,
        payload=payload,
        tombstone=tombstones.is_removal(type),
    )
    session.add(event)
    session.add(
        AuditEntry(
            at=now,
            actor_person_id=actor.person_id,
            actor_api_key_id=actor.api_key_id,
            action=type,
            resource_type=resource_type,
            resource_id=resource_id,
            domain_id=domain_id,
            changes=changes,
            request_id=current_request_id(),
            event_id=event.id,
        )
    )
    await session.flush()
    conn = await session.connection()
    await conn.execute(
        _QUEUE_DELIVERIES.bindparams(
            seq=event.seq, now=now, domain_id=domain_id, types=_matching_types(type)
        )
    )
    return event


async def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    resource_type: str,
    resource_id: uuid.UUID,
    domain_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
) -> None:
    """An audit row for a write that emits no event (webhook subscriptions themselves)."""
    await lock_log(session)
    session.add(
        AuditEntry(
            actor_person_id=actor.person_id,
            actor_api_key_id=actor.api_key_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            domain_id=domain_id,
            changes=changes,
            request_id=current_request_id(),
        )
    )


async def audit_person(
    session: AsyncSession,
    person: Person,
    action: str,
    changes: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """An audit row for a change to a person's account, by themselves unless `actor` says
    otherwise; written platform-wide, not in any domain's log."""
    await audit(
        session,
        actor or Actor(person_id=person.id),
        action,
        resource_type="person",
        resource_id=person.id,
        domain_id=None,
        changes=changes,
    )
