"""Admission control: at most so many requests work at once; the rest wait their turn in
a bounded queue that holds no connection, and are answered 503 with Retry-After when the
queue is full or their wait too long. Without it, hundreds of simultaneous requests each
take a pooled connection and then wait for the processor while holding it, so the pool
runs dry although the database is idle."""

import asyncio
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import ServiceUnavailable
from app.problems import problem_response

log = logging.getLogger("cop_api")

# Probes and static files do no database work and must answer while the service is busy.
EXEMPT_PREFIXES = ("/healthz", "/readyz", "/static/")


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, concurrency: int, queue: int, wait_seconds: float) -> None:
        self.app = app
        self.slots = asyncio.Semaphore(concurrency)
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        if self.slots.locked() and self.waiting >= self.queue:
            await self._refuse(scope, receive, send, "The service is at capacity; retry shortly.")
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self.slots.acquire()
        except TimeoutError:
            await self._refuse(scope, receive, send, "The service is busy; retry shortly.")
            return
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, detail: str) -> None:
        log.warning("overloaded: %s %s refused", scope.get("method"), scope["path"])
        error = ServiceUnavailable(detail, retry_after=1)
        response = problem_response(
            503,
            error.problem,
            error.title,
            error.detail,
            instance=scope["path"],
            headers={"Retry-After": str(error.retry_after)},
        )
        await response(scope, receive, send)
