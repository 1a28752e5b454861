"""HTTP method semantics the routes do not give by themselves (RFC 9110, 9.1 and 15.5.6).

- HEAD answers wherever GET does, with GET's status and headers (Content-Length of the
  body GET would send, ETag, Link, Content-Type) and no body. It is done once, here, by
  running the request as GET and dropping the body, so no route declares HEAD and the
  OpenAPI document is not changed by it.
- A 405 names in `Allow` every method the path accepts, not only those of the first
  route that matched it."""

from collections.abc import Iterable
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route accepts on the request's path, HEAD wherever GET is, in a
    fixed order. Empty if no route with methods matches the path (a mount, say)."""
    path = get_route_path(scope)
    methods: set[str] = set()
    for route in iter_route_contexts(list(routes)):
        regex: Any = getattr(route, "path_regex", None)
        if route.methods and regex is not None and regex.match(path):
            methods |= route.methods
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods, key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))


class HeadAsGetMiddleware:
    """Serve HEAD as GET without the body. Everything GET would answer, HEAD answers alike:
    a 200 with its ETag and Link, a 404 or 401 problem's status and headers; where GET
    is not allowed either, HEAD is a 405 too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def without_body(message: Message) -> None:
            nonlocal finished
            kind = message["type"]
            if kind == "http.response.start":
                await send(message)
            elif kind.startswith("http.response.") and kind != "http.response.trailers":
                # A body, or a file to send as one: keep none of it, end once.
                if not finished and not message.get("more_body", False):
                    finished = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        await self.app(dict(scope, method="GET"), receive, without_body)
