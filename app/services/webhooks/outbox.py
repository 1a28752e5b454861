"""The dispatcher's side of the outbox (`webhook_deliveries`): claiming due deliveries
under a lease, recording an attempt's result while the lease is still ours, the retry
schedule, and disabling a subscription. The caller commits."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB

from app.models.webhooks import DeliveryStatus
from app.services.actors import Actor
from app.services.changes import events
from app.services.webhooks.messages import event_body

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(days=1),
    timedelta(days=1),
    timedelta(days=1),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2  # each delay is stretched or shrunk by up to 20%
EXCERPT_BYTES = 1024


def retry_delay(attempts: int, rng: random.Random) -> timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS[attempts - 1]
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    attempts: int
    subscription_id: uuid.UUID
    url: str
    secret: str
    event_id: uuid.UUID
    body: bytes


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    excerpt: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


_CLAIM = text(
    """
    WITH due AS (
        SELECT d.id
        FROM webhook_deliveries d
        JOIN webhook_subscriptions s ON s.id = d.subscription_id
        WHERE s.active
          AND d.status IN ('pending', 'failed')
          AND d.next_attempt_at <= :now
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries e
              WHERE e.subscription_id = d.subscription_id
                AND e.status IN ('pending', 'failed')
                AND e.event_seq < d.event_seq
          )
        ORDER BY d.next_attempt_at, d.event_seq
        LIMIT :batch
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries w
    SET attempts = w.attempts + 1, next_attempt_at = :lease_until, last_attempt_at = :now
    FROM due, webhook_subscriptions s, events ev
    WHERE w.id = due.id AND s.id = w.subscription_id AND ev.seq = w.event_seq
    RETURNING w.id AS delivery_id, w.attempts, w.subscription_id, s.url, s.secret,
        ev.id AS event_id, ev.seq, ev.type, ev.occurred_at, ev.domain_id, ev.actor_person_id,
        ev.actor_api_key_id, ev.resource_type, ev.resource_id, ev.payload
    """
)

_FINISH = text(
    """
    UPDATE webhook_deliveries
    SET status = :status, next_attempt_at = :next_attempt_at, delivered_at = :delivered_at,
        last_status_code = :code, last_error = :error, response_excerpt = :excerpt,
        last_duration_ms = :duration_ms
    WHERE id = :id AND attempts = :attempts AND status IN ('pending', 'failed')
    """
)

_SUCCEEDED = text(
    """
    UPDATE webhook_subscriptions SET consecutive_failures = 0, last_success_at = :now
    WHERE id = :id
    """
)

_FAILED = text(
    """
    UPDATE webhook_subscriptions
    SET consecutive_failures = consecutive_failures + 1, last_failure_at = :now
    WHERE id = :id
    """
)


async def disable_subscription(
    session: Any, subscription_id: uuid.UUID, reason: str, now: datetime, actor: Actor
) -> None:
    """Deactivate a subscription and give up its outstanding deliveries (they can be
    redelivered by hand once it is active again). The caller commits."""
    await events.lock_log(session)
    conn = await session.connection()
    # Deliveries before the subscription row: the order every writer locks them in.
    await conn.execute(
        text(
            """
            UPDATE webhook_deliveries
            SET status = 'gave_up', next_attempt_at = NULL,
                last_error = coalesce(last_error, :reason)
            WHERE subscription_id = :id AND status IN ('pending', 'failed')
            """
        ).bindparams(id=subscription_id, reason=f"Subscription disabled: {reason}"[:500])
    )
    result = await conn.execute(
        text(
            """
            UPDATE webhook_subscriptions
            SET active = false, disabled_at = :now, disabled_reason = :reason, updated_at = :now,
                version = version + 1
            WHERE id = :id AND active
            RETURNING domain_id
            """
        ).bindparams(id=subscription_id, now=now, reason=reason[:200])
    )
    row = result.one_or_none()
    if row is not None:
        await events.audit(
            session,
            actor,
            "webhook.disabled",
            resource_type="webhook",
            resource_id=subscription_id,
            domain_id=row.domain_id,
            changes={"active": {"from": True, "to": False}, "disabled_reason": reason},
        )


async def claim_due(session: Any, now: datetime, lease_until: datetime, batch: int) -> list[Claim]:
    """Lease up to `batch` due deliveries until `lease_until`, counting the attempt."""
    conn = await session.connection()
    rows = (
        await conn.execute(
            _CLAIM.bindparams(now=now, lease_until=lease_until, batch=batch).columns(payload=JSONB)
        )
    ).all()
    return [
        Claim(
            delivery_id=row.delivery_id,
            attempts=row.attempts,
            subscription_id=row.subscription_id,
            url=row.url,
            secret=row.secret,
            event_id=row.event_id,
            body=event_body(row),
        )
        for row in rows
    ]


async def record_attempt(
    session: Any,
    claim: Claim,
    outcome: Outcome,
    status: DeliveryStatus,
    next_at: datetime | None,
    now: datetime,
) -> bool:
    """Record an attempt's result; False (nothing written) if the delivery was claimed
    again meanwhile (its lease ran out): the result is then theirs to record."""
    gone = outcome.status_code == 410
    if gone or status == DeliveryStatus.gave_up:
        await events.lock_log(session)  # before any row lock (see disable_subscription)
    conn = await session.connection()
    updated = await conn.execute(
        _FINISH.bindparams(
            id=claim.delivery_id,
            attempts=claim.attempts,
            status=status.value,
            next_attempt_at=next_at,
            delivered_at=now if outcome.ok else None,
            code=outcome.status_code,
            error=_text(outcome.error, 500),
            excerpt=_text(outcome.excerpt, EXCERPT_BYTES),
            duration_ms=outcome.duration_ms,
        )
    )
    if updated.rowcount == 0:
        return False
    if gone:
        await disable_subscription(
            session, claim.subscription_id, "The receiver answered 410 Gone.", now, Actor()
        )
    elif status == DeliveryStatus.gave_up:
        await disable_subscription(
            session,
            claim.subscription_id,
            f"A delivery failed {claim.attempts} times over several days.",
            now,
            Actor(),
        )
    counter = _SUCCEEDED if outcome.ok else _FAILED
    await conn.execute(counter.bindparams(id=claim.subscription_id, now=now))
    return True


def _text(value: str | None, limit: int) -> str | None:
    """Fit for a text column: PostgreSQL refuses NUL characters."""
    return None if value is None else value.replace("\x00", "\ufffd")[:limit]
