"""The webhook dispatcher: delivers the outbox (`webhook_deliveries`) to subscribers.

- Claims due deliveries with `FOR UPDATE SKIP LOCKED` and, in the same short transaction,
  leases them (moves `next_attempt_at` past the send's time limit and counts the attempt).
  The send happens outside any transaction; the result is written afterwards, only if the
  lease is still ours. Several dispatchers (processes, or tasks in API workers) can run at
  once without sending a delivery twice; one that dies mid-send loses nothing: the lease
  runs out and another dispatcher sends it again (at-least-once).
- In order per subscription: only the oldest outstanding delivery of a subscription is
  eligible, so a receiver gets events in the order they were committed, and a receiver
  that is down is retried with one request, not a flood.
- Retries with exponential backoff and jitter (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then
  daily for three days); `410 Gone` stops at once. A subscription whose deliveries give up
  is disabled, and so is one that answers 410.
- Signed per Standard Webhooks: `webhook-id`, `webhook-timestamp` and
  `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, where the
  key is the bytes behind the `whsec_` secret."""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import random
import signal
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB

from app.config import Settings
from app.db import SessionMaker, create_engine, create_sessionmaker, session_scope
from app.models.base import utcnow
from app.models.webhooks import SECRET_PREFIX, DeliveryStatus
from app.services.actors import Actor
from app.services.changes import events, tombstones
from app.services.webhooks.targets import UnsafeTarget, resolve

log = logging.getLogger("cop_api.webhooks")

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
USER_AGENT = "cop-api-webhooks/0.1"


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value (Standard Webhooks, version 1)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


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


def event_body(row: Any) -> bytes:
    """What a receiver gets: the event's envelope and the resource as the REST API shows it
    (a removal as app/services/tombstones.py says; subscribers moderate their domains)."""
    shown = tombstones.seen(row.type, row.resource_type, row.payload, moderator=True)
    return orjson.dumps(
        {
            "id": str(row.event_id),
            "seq": row.seq,
            "type": row.type,
            "timestamp": row.occurred_at.isoformat().replace("+00:00", "Z"),
            "domain_id": str(row.domain_id) if row.domain_id else None,
            "actor": {
                "person_id": str(row.actor_person_id) if row.actor_person_id else None,
                "api_key_id": str(row.actor_api_key_id) if row.actor_api_key_id else None,
            },
            "resource": {
                "type": row.resource_type,
                "id": str(row.resource_id),
                "tombstone": shown.tombstone,
            },
            "data": shown.data,
        }
    )


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


class Dispatcher:
    """One dispatcher. `clock` and `rng` are injectable so that tests can move time on
    instead of waiting for it."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.timeout = settings.webhooks_timeout_seconds
        # Longer than any send can take, so a live dispatcher never loses its lease.
        self.lease = timedelta(seconds=max(60.0, 4 * self.timeout))
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
        )

    async def __aenter__(self) -> "Dispatcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def claim(self) -> list[Claim]:
        now = self.clock()
        async with session_scope(self.sessionmaker) as session:
            conn = await session.connection()
            rows = (
                await conn.execute(
                    _CLAIM.bindparams(
                        now=now,
                        lease_until=now + self.lease,
                        batch=self.settings.webhooks_batch_size,
                    ).columns(payload=JSONB)
                )
            ).all()
            await session.commit()
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

    async def send(self, claim: Claim) -> Outcome:
        started = time.monotonic()
        timestamp = int(time.time())
        message_id = str(claim.event_id)
        try:
            target = await resolve(
                claim.url, allow_private=self.settings.webhooks_allow_private_targets
            )
            headers = {
                **target.headers,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
                "webhook-id": message_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signature(claim.secret, message_id, timestamp, claim.body),
            }
            async with asyncio.timeout(self.timeout):
                request = self._client.build_request(
                    "POST",
                    target.url,
                    content=claim.body,
                    headers=headers,
                    extensions=target.extensions,
                )
                response = await self._client.send(request, stream=True)
                try:
                    excerpt = await _excerpt(response)
                finally:
                    await response.aclose()
            return Outcome(response.status_code, None, excerpt, _ms(started))
        except UnsafeTarget as exc:
            return Outcome(None, f"Refused: {exc}", None, _ms(started))
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(None, f"Timed out after {self.timeout:g} s", None, _ms(started))
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}"[:500], None, _ms(started))

    async def finish(self, claim: Claim, outcome: Outcome) -> DeliveryStatus:
        """Record an attempt's result, if the delivery is still ours."""
        now = self.clock()
        gone = outcome.status_code == 410
        if outcome.ok:
            status, next_at = DeliveryStatus.delivered, None
        elif gone:
            status, next_at = DeliveryStatus.gave_up, None
        else:
            delay = retry_delay(claim.attempts, self.rng)
            status = DeliveryStatus.failed if delay is not None else DeliveryStatus.gave_up
            next_at = now + delay if delay is not None else None
        disabling = gone or status == DeliveryStatus.gave_up
        async with session_scope(self.sessionmaker) as session:
            if disabling:
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
                return status  # claimed again meanwhile (lease ran out): theirs to record
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
            await session.commit()
        return status

    async def deliver(self, claim: Claim) -> DeliveryStatus:
        outcome = await self.send(claim)
        if not outcome.ok:
            log.info(
                "webhook delivery %s attempt %d failed: %s",
                claim.delivery_id,
                claim.attempts,
                outcome.error or outcome.status_code,
            )
        return await self.finish(claim, outcome)

    async def run_once(self) -> int:
        """Claim one batch and deliver it; the number of deliveries attempted."""
        claims = await self.claim()
        results = await asyncio.gather(*(self.deliver(c) for c in claims), return_exceptions=True)
        for claim, result in zip(claims, results, strict=True):
            if isinstance(result, Exception):  # its lease runs out and it is tried again
                log.error("webhook delivery %s failed", claim.delivery_id, exc_info=result)
        return len(claims)

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Deliver until nothing is due (by this dispatcher's clock)."""
        total = 0
        for _ in range(max_rounds):
            done = await self.run_once()
            if done == 0:
                break
            total += done
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, polling when there is nothing to do."""
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                log.exception("webhook dispatcher round failed; retrying shortly")
                done = 0
            if done == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.webhooks_poll_seconds)


async def _excerpt(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= EXCERPT_BYTES:
            break
    return b"".join(chunks)[:EXCERPT_BYTES].decode("utf-8", "replace")


def _text(value: str | None, limit: int) -> str | None:
    """Fit for a text column: PostgreSQL refuses NUL characters."""
    return None if value is None else value.replace("\x00", "\ufffd")[:limit]


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


@contextlib.asynccontextmanager
async def running(sessionmaker: SessionMaker, settings: Settings) -> AsyncIterator[None]:
    """Run a dispatcher in the background for the lifetime of the block (the API process),
    unless `webhooks_dispatcher_enabled` is off."""
    if not settings.webhooks_dispatcher_enabled:
        yield
        return
    stop = asyncio.Event()
    dispatcher = Dispatcher(sessionmaker, settings)
    task = asyncio.create_task(dispatcher.run(stop), name="webhook-dispatcher")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, settings.webhooks_timeout_seconds + 5)
        except TimeoutError:
            log.warning("webhook dispatcher did not stop in time; its leases will expire")
        await dispatcher.aclose()


async def dispatch_due(settings: Settings) -> int:
    """`cop-api dispatch --once`: deliver what is due now, then return how many deliveries
    were attempted (for a cron job instead of a long-running dispatcher)."""
    if not settings.database_url:
        raise RuntimeError("Set DATABASE_URL.")
    engine = create_engine(settings.database_url, settings)
    try:
        async with Dispatcher(create_sessionmaker(engine), settings) as dispatcher:
            return await dispatcher.drain()
    finally:
        await engine.dispose()


async def dispatch_forever(settings: Settings) -> None:
    """`cop-api dispatch`: run until SIGINT or SIGTERM, then finish the sends in flight."""
    if not settings.database_url:
        raise RuntimeError("Set DATABASE_URL.")
    engine = create_engine(settings.database_url, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with Dispatcher(create_sessionmaker(engine), settings) as dispatcher:
            log.info("webhook dispatcher running")
            await dispatcher.run(stop)
    finally:
        await engine.dispose()
