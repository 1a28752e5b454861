"""A size limit on request bodies, applied before anything reads them.

A body whose `Content-Length` is over the limit is refused with 413 before a byte of it
is read; a chunked body is counted as it streams in and refused once it passes the
limit, so a client cannot make the service hold more than the limit in memory. The
limit is `request_max_bytes` (GraphQL included); the bulk import routes have their own,
larger `import_max_bytes`. Pure ASGI, and outside the idempotency middleware, which
buffers bodies to fingerprint them."""

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import instance_of, problem_response

PROBLEM = "payload-too-large"


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit: FastAPI's body
    parsing lets an HTTPException through, so the route answers 413 problem+json; a
    middleware that reads the body first (idempotency) lets it reach this one."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")
        self.limit = limit


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses these; counting still applies
    return None


def _only_too_large(exc: BaseException) -> bool:
    if isinstance(exc, BodyTooLarge):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return exc.split(BodyTooLarge)[1] is None
    return False


def too_large(limit: int, path: str) -> Response:
    return problem_response(
        413,
        PROBLEM,
        "Request body too large",
        f"The request body is larger than {limit} bytes, the most this endpoint accepts.",
        instance=instance_of(path),
        headers={"Connection": "close"},
        extra={"max_bytes": limit},
    )


async def handle(request: Request, exc: Exception) -> Response:
    """The exception handler for a body found too large while a route reads it."""
    return too_large(exc.limit if isinstance(exc, BodyTooLarge) else 0, request.url.path)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    await too_large(limit, scope["path"])(scope, receive, send)


class BodyLimitMiddleware:
    """`larger` maps route paths (`/api/v1/domains/{slug}/members/import`) to their
    own limits; every other request gets `max_bytes`."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, larger: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger: list[tuple[re.Pattern[str], int]] = [
            (compile_path(path)[0], limit) for path, limit in (larger or {}).items()
        ]

    def limit_for(self, path: str) -> int:
        return next((limit for regex, limit in self.larger if regex.match(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception as exc:
            if started or not _only_too_large(exc):
                raise
            await _refuse(scope, receive, send, limit)
