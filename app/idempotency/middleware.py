"""The idempotency middleware: claims the key before a POST runs, holds its response back
until the outcome is stored, and replays a stored one. Pure ASGI, so that REST and
GraphQL (`POST /graphql`) are covered alike."""

import logging
import uuid
from datetime import timedelta
from typing import Any

import anyio
import orjson
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.idempotency.keys import (
    NOT_STORED_PATHS,
    BadKey,
    caller_of,
    fingerprint,
    issues_credentials,
    parse_key,
)
from app.idempotency.store import KeyStore, Stored
from app.models.base import utcnow
from app.problems import MEDIA_TYPE, instance_of, problem_type

log = logging.getLogger("cop_api")

HEADER = b"idempotency-key"
REPLAYED_HEADER = b"idempotent-replayed"
GRAPHQL_PATH = "/graphql"

_TRANSIENT_GRAPHQL_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
_TRANSIENT_PROBLEM = problem_type("concurrent-update")
_PURGE_EVERY = timedelta(minutes=10)


def _problem(status: int, slug: str, title: str, detail: str, path: str, **extra: Any) -> Stored:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance_of(path):
        body["instance"] = path
    body.update(extra)
    headers = [(b"content-type", MEDIA_TYPE.encode()), (b"cache-control", b"no-store")]
    if status == 409:
        headers.append((b"retry-after", b"1"))
    return Stored(status, headers, orjson.dumps(body))


def _problem_for(slug: str, path: str) -> Stored:
    if slug == "idempotency-key-reused":
        return _problem(
            422,
            slug,
            "Idempotency-Key reused",
            "This Idempotency-Key was already used for a different request (another "
            "method, path or body). Use a new key for a new request.",
            path,
        )
    return _problem(
        409,
        slug,
        "Request in progress",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        path,
    )


def _not_an_outcome(path: str, response: Stored) -> bool:
    """Responses not stored: a failure on our side or a lost race (a retry may well
    succeed), and a 401 (the caller is not who the key's scope says)."""
    if response.status >= 500 or response.status == 401:
        return True
    if response.status != 409 and path != GRAPHQL_PATH:
        return False
    try:
        body = orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return False
    if not isinstance(body, dict):
        return False
    if body.get("type") == _TRANSIENT_PROBLEM:
        return True
    errors = body.get("errors") if path == GRAPHQL_PATH else None
    for error in errors if isinstance(errors, list) else []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if not isinstance(extensions, dict):
            continue
        if extensions.get("code") in _TRANSIENT_GRAPHQL_CODES:
            return True
        if extensions.get("problemType") == _TRANSIENT_PROBLEM:
            return True
    return False


async def _send(send: Send, response: Stored, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(n, v) for n, v in response.headers if n.lower() != b"content-length"]
    headers += [*extra, (b"content-length", str(len(response.body)).encode())]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _read_body(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    queue = list(messages)

    async def replay() -> Message:
        return queue.pop(0) if queue else await receive()

    return replay


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._next_purge = utcnow()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope["headers"] if k == HEADER]
        path: str = scope["path"]
        if not values or path in NOT_STORED_PATHS:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        settings: Settings = state.settings
        try:
            key = parse_key(values)
        except BadKey as exc:
            await _send(send, _invalid_key(str(exc), path), [])
            return
        caller = caller_of(scope["headers"], settings)
        messages, body = await _read_body(receive)
        receive = _replaying(messages, receive)
        if caller is None or (
            path == GRAPHQL_PATH
            and issues_credentials(body, max_tokens=settings.graphql_max_tokens)
        ):
            await self.app(scope, receive, send)
            return
        store = KeyStore(state.engine, settings)
        try:
            claim = await store.claim(caller, key, fingerprint(settings, scope, body), "POST", path)
        except (DBAPIError, OSError):
            log.exception("idempotency key claim failed on %s", path)
            await _send(send, _unavailable(path), [])
            return
        if claim.replay is not None:
            await _send(send, claim.replay, [(REPLAYED_HEADER, b"true")])
            return
        if claim.claim_id is None:
            await _send(send, _problem_for(claim.problem or "", path), [])
            return
        await self._run(scope, receive, send, store, claim.claim_id)
        await self._maybe_purge(store)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, store: KeyStore, claim_id: uuid.UUID
    ) -> None:
        """Run the request with its response held back until the outcome is stored, so
        that a client who has the response finds the key completed when it retries."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await _release(store, claim_id, scope["path"])
            raise
        if start is None:  # the app sent nothing: nothing to store or to send
            await _release(store, claim_id, scope["path"])
            return
        response = Stored(start["status"], list(start.get("headers", [])), b"".join(chunks))
        try:
            with anyio.CancelScope(shield=True):
                if _not_an_outcome(scope["path"], response):
                    await store.release(claim_id)
                else:
                    await store.complete(claim_id, response)
        except (DBAPIError, OSError):
            # The write is done; the client gets its answer. The claim stays unfinished
            # until its lease runs out.
            log.exception("storing an idempotent response failed on %s", scope["path"])
        await _send(send, response, [])

    async def _maybe_purge(self, store: KeyStore) -> None:
        if utcnow() < self._next_purge:
            return
        self._next_purge = utcnow() + _PURGE_EVERY
        try:
            await store.purge()
        except (DBAPIError, OSError):
            log.exception("purging expired idempotency keys failed")


async def _release(store: KeyStore, claim_id: uuid.UUID, path: str) -> None:
    """Release a claim whose request failed, even while being cancelled; a failure to
    release is logged (the lease frees the key later), never raised over the first one."""
    try:
        with anyio.CancelScope(shield=True):
            await store.release(claim_id)
    except (DBAPIError, OSError):
        log.exception("releasing an idempotency key failed on %s", path)


def _invalid_key(message: str, path: str) -> Stored:
    return _problem(
        422,
        "validation-error",
        "Invalid input",
        "The Idempotency-Key header is not valid; see `errors`.",
        path,
        errors=[{"field": "Idempotency-Key", "message": message, "code": "invalid"}],
    )


def _unavailable(path: str) -> Stored:
    return _problem(
        503,
        "service-unavailable",
        "Service unavailable",
        "The database could not complete the request.",
        path,
    )
