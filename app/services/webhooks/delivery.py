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

The outbox's statements are `outbox`; the signed body a receiver gets is `messages`."""

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import httpx

from app.config import Settings
from app.db import SessionMaker, create_engine, create_sessionmaker, session_scope
from app.models.base import utcnow
from app.models.webhooks import DeliveryStatus
from app.services.webhooks.messages import signature
from app.services.webhooks.outbox import (
    EXCERPT_BYTES,
    Claim,
    Outcome,
    claim_due,
    record_attempt,
    retry_delay,
)
from app.services.webhooks.targets import UnsafeTarget, resolve

log = logging.getLogger("cop_api.webhooks")

USER_AGENT = "cop-api-webhooks/0.1"


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
            claims = await claim_due(
                session, now, now + self.lease, self.settings.webhooks_batch_size
            )
            await session.commit()
        return claims

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
        async with session_scope(self.sessionmaker) as session:
            if await record_attempt(session, claim, outcome, status, next_at, now):
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
