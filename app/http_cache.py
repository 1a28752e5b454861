"""Validators and cache directives (RFC 9110 8.8.3, 13.1.2, 15.4.5; RFC 9111 5.2).

One pure-ASGI middleware, innermost but for HEAD (which reaches it as the GET it is
served as, so HEAD gets GET's headers and its 304s), does for every response:

- `ETag` from the body's bytes (app/etags.py): on a 200 to GET, `"<digest>"`, or
  `"7.<digest>"` where the router marked the resource's version (`with_etag`); on a write
  that answers with a versioned resource (PATCH, PUT, POST 201), `"7.<digest>"` too. A
  body that is streamed (it does not arrive in one piece) or a download (`Content-
  Disposition: attachment`, the domain export: its bytes differ on every call) gets none.
- `If-None-Match` on GET and HEAD: when it names the current tag (weakly) or is `*`, a
  `304 Not Modified` with no body, keeping `ETag`, `Cache-Control`, `Vary` and the other
  headers a 200 would have had but those describing the body (`Content-Type`,
  `Content-Length`).
- `Vary: Authorization` everywhere: what the API answers depends on the caller (API keys
  come in `Authorization` too).
- `Cache-Control`: a 200 or 304 to GET or HEAD that has a validator is `private,
  no-cache` when the request carries a credential (`Authorization`, or a calendar feed
  token in its URL), else `no-cache` (a shared cache may keep it, and must revalidate it
  with its ETag); every other response (writes, errors, downloads) is `no-store`. A
  route that sets its own `Cache-Control` keeps it.

Static files are left alone: they have validators of their own."""

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.etags import none_match, representation_tag

SAFE = frozenset({"GET", "HEAD"})
NO_STORE = "no-store"
REVALIDATE = "no-cache"
PRIVATE = "private, no-cache"
# What a 304 leaves out: it has no body, so nothing that describes one.
_BODY_HEADERS = ("content-type", "content-length", "content-encoding")


def _vary(headers: MutableHeaders, field: str) -> None:
    present = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
    if "*" not in present and field.lower() not in (v.lower() for v in present):
        headers["Vary"] = ", ".join([*present, field])


def _download(headers: MutableHeaders) -> bool:
    return headers.get("content-disposition", "").lower().startswith("attachment")


class HttpCacheMiddleware:
    """`token_paths` are route paths whose URL holds a credential (a calendar feed token);
    so does any URL with a `token_params` query parameter."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        exempt: Iterable[str] = ("/static/",),
        token_paths: Iterable[str] = (),
        token_params: Iterable[str] = ("token",),
    ) -> None:
        self.app = app
        self.exempt = tuple(exempt)
        self.token_paths: list[re.Pattern[str]] = [compile_path(p)[0] for p in token_paths]
        self.token_params = frozenset(token_params)

    def _credentialed(self, scope: Scope) -> bool:
        if any(name == b"authorization" for name, _ in scope["headers"]):
            return True
        if any(regex.match(scope["path"]) for regex in self.token_paths):
            return True
        query = scope.get("query_string", b"").decode("latin-1")
        return any(name in self.token_params for name, _ in parse_qsl(query, True))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        safe = scope["method"] in SAFE
        # Repeated field lines are one list (RFC 9110 5.3).
        conditions = [v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"]
        condition = ", ".join(conditions) if conditions else None
        held: Message | None = None

        def finish(start: Message, body: bytes | None) -> Message:
            """The start message as sent: validators and directives added, or a 304."""
            status: int = start["status"]
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            tag = None
            if body is not None and status in (200, 201) and not _download(headers):
                route_tag = headers.get("etag")
                if route_tag is not None or (safe and status == 200):
                    tag = headers["ETag"] = representation_tag(body, route_tag)
            not_modified = (
                safe and status == 200 and tag is not None and condition is not None
            ) and none_match(condition, tag)
            if not_modified:
                status = 304
                for name in _BODY_HEADERS:
                    del headers[name]
            if "cache-control" not in headers:
                if safe and status in (200, 304) and tag is not None:
                    headers["Cache-Control"] = PRIVATE if self._credentialed(scope) else REVALIDATE
                else:
                    headers["Cache-Control"] = NO_STORE
            _vary(headers, "Authorization")
            return {**start, "status": status, "headers": headers.raw}

        async def validated(message: Message) -> None:
            nonlocal held
            kind = message["type"]
            if kind == "http.response.start":
                held = message  # until the body says whether it comes in one piece
                return
            if held is None:
                await send(message)
                return
            start, held = held, None
            whole = kind == "http.response.body" and not message.get("more_body", False)
            sent = finish(start, message.get("body", b"") if whole else None)
            await send(sent)
            if sent["status"] == 304:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        await self.app(scope, receive, validated)
