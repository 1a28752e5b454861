"""Request ids: taken from `X-Request-ID` (or made up), echoed on the response, and kept
in a context variable so the audit log can say which request made a change."""

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:+/=-]{1,128}$")
# The command line labels its audit rows `console:<command>`; no client may pass for it.
CONSOLE_PREFIX = "console:"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id.get()


def _incoming(scope: Scope) -> str:
    """A client's id is kept when it is short and plain (it ends up in logs and the audit
    log); anything else is replaced rather than refused."""
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            text = value.decode("latin-1")
            if _ACCEPTABLE.match(text) and not text.startswith(CONSOLE_PREFIX):
                return text
            break
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware), so the context variable is set in the same
    context the endpoint runs in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming(scope)
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != HEADER.encode()
                ]
                headers.append((HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
