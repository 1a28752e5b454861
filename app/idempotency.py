"""`Idempotency-Key` on POST (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

A client that sends `Idempotency-Key: <key>` with a POST may retry it safely: within the
retention (24 hours) the same key with the same request returns the first response
(status, body, Location, ETag and the other headers) without doing the write again; the
same key with a different request is 422; a retry while the first is still running is
409. Without the header nothing changes.

Keys belong to a caller: a person (the `sub` of a valid access token, checked without
the database), an API key (a keyed hash of the whole key: its prefix alone is no secret),
or, for requests without a token, everyone without one (so only the same request, the
same body included, can replay an anonymous response). A request whose access token is
invalid is passed through untouched: it fails authentication anyway.

The key is claimed in its own short transaction before the request runs (a unique
constraint lets exactly one concurrent request through) and completed, with the
response, after it. A server-side failure (a 5xx, a GraphQL INTERNAL_SERVER_ERROR or
SERVICE_UNAVAILABLE, a transient concurrent-update conflict) releases the key instead,
so a retry runs the request again; so does a 401 (the key's owner is not established).
A claim whose request never finished (its process died) stops blocking retries of the
same request after `idempotency_lease_seconds`.

Responses that carry a credential shown once (tokens, API keys, calendar-feed tokens)
are never stored: those endpoints, and the GraphQL mutations that issue them, ignore the
header. Pure ASGI, so that REST and GraphQL (`POST /graphql`) are covered alike."""

import contextlib
import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import json_body
from app.config import Settings
from app.models.base import utcnow
from app.models.idempotency import IdempotencyRecord
from app.problems import MEDIA_TYPE, instance_of, problem_type
from app.services.people.auth import API_KEY_PREFIX, access_token_subject

log = logging.getLogger("cop_api")

HEADER = b"idempotency-key"
REPLAYED_HEADER = b"idempotent-replayed"
MAX_KEY_LENGTH = 255
GRAPHQL_PATH = "/graphql"

# Their responses hold a secret shown once; storing it would keep a live credential.
NOT_STORED_PATHS = frozenset(
    {
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/api-keys",
        "/api/v1/people/me/feed-tokens",
    }
)
NOT_STORED_MUTATIONS = frozenset({"login", "refreshToken", "createApiKey", "createFeedToken"})

# Not replayed: they describe this response, not the outcome of the request.
_DROPPED_HEADERS = frozenset(
    {b"content-length", b"date", b"server", b"x-request-id", b"connection", b"set-cookie"}
)
_TRANSIENT_GRAPHQL_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
_TRANSIENT_PROBLEM = problem_type("concurrent-update")
_SF_STRING = re.compile(r'^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$')
_PLAIN_KEY = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")
_PURGE_EVERY = timedelta(minutes=10)
_PURGE_BATCH = 1000

T = IdempotencyRecord.__table__  # type: ignore[attr-defined]


class BadKey(ValueError):
    pass


def parse_key(values: list[bytes]) -> str:
    """The key, from a Structured Fields string (`"abc"`, as the draft defines it) or a
    bare token (`abc`, as most clients send it): 1 to 255 printable ASCII characters."""
    if len(values) != 1:
        raise BadKey("Send one Idempotency-Key header.")
    raw = values[0].decode("latin-1").strip()
    quoted = _SF_STRING.match(raw)
    if quoted:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif _PLAIN_KEY.match(raw) and not raw.startswith('"'):
        key = raw
    else:
        raise BadKey("An Idempotency-Key is printable ASCII, optionally in double quotes.")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadKey(f"An Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters.")
    return key


def _keyed(settings: Settings, *parts: bytes) -> str:
    mac = hmac.new(settings.secret_key.encode(), digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def caller_of(headers: list[tuple[bytes, bytes]], settings: Settings) -> str | None:
    """Whose key space a request uses; None when its token is invalid (not handled)."""
    authorization = next((v for k, v in headers if k == b"authorization"), None)
    if authorization is None:
        return "anonymous"
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return "anonymous"  # the API ignores it too: the request runs without an identity
    if token.startswith(API_KEY_PREFIX):
        return "key:" + _keyed(settings, b"api-key", token.encode())
    person_id = access_token_subject(token, settings)
    return f"person:{person_id}" if person_id else None


def fingerprint(settings: Settings, scope: Scope, body: bytes) -> str:
    """What makes two requests "the same": method, path, query, media type and body (JSON
    compared by value, so key order and spacing do not matter). Keyed, so that a body
    holding a password is not stored as a plain hash of it."""
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    if b"json" in content_type:
        # JSON the API will refuse is compared byte for byte.
        with contextlib.suppress(json_body.MalformedJSON, orjson.JSONEncodeError):
            body = orjson.dumps(json_body.loads(body), option=orjson.OPT_SORT_KEYS)
    return _keyed(
        settings,
        scope["method"].encode(),
        scope["path"].encode(),
        scope.get("query_string", b""),
        content_type.split(b";", 1)[0].strip().lower(),
        body,
    )


def issues_credentials(body: bytes, *, max_tokens: int | None = None) -> bool:
    """Whether a GraphQL request may run a mutation whose result holds a secret (read
    with the GraphQL endpoint's own limits: what it refuses runs nothing)."""
    try:
        payload = json_body.loads(body)
    except json_body.MalformedJSON:
        return False
    requests = payload if isinstance(payload, list) else [payload]
    return any(_issues_credentials(r, max_tokens) for r in requests if isinstance(r, dict))


def _issues_credentials(request: dict[str, Any], max_tokens: int | None) -> bool:
    try:
        document = parse(request["query"], max_tokens=max_tokens)
    except (GraphQLError, KeyError, TypeError):
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    name = request.get("operationName")
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.operation != OperationType.MUTATION:
            continue
        if name and (definition.name is None or definition.name.value != name):
            continue
        if _root_fields(definition.selection_set, fragments, set()) & NOT_STORED_MUTATIONS:
            return True
    return False


def _root_fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> set[str]:
    """The top-level field names a selection asks for, through fragments."""
    names: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                names |= _root_fields(fragment.selection_set, fragments, seen)
    return names


@dataclass(frozen=True)
class Stored:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ours to run (`claim_id`), a stored response to
    replay, or a problem (the key is busy, or was used for another request)."""

    claim_id: uuid.UUID | None = None
    replay: Stored | None = None
    problem: str | None = None


class KeyStore:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    async def claim(self, caller: str, key: str, print_: str, method: str, path: str) -> Claim:
        now = utcnow()
        expired = now - timedelta(hours=self.settings.idempotency_retention_hours)
        abandoned = now - timedelta(seconds=self.settings.idempotency_lease_seconds)
        for _ in range(3):
            claim_id = uuid.uuid4()
            fresh = {
                "id": claim_id,
                "fingerprint": print_,
                "method": method,
                "path": path,
                "created_at": now,
                "completed_at": None,
                "status_code": None,
                "headers": None,
                "body": None,
            }
            upsert = insert(T).values(caller=caller, key=key, **fresh)
            stmt = upsert.on_conflict_do_update(
                index_elements=[T.c.caller, T.c.key],
                set_=fresh,
                # An expired record is as good as none; a claim whose request never
                # finished may be taken over, by the same request only, after the lease.
                where=(T.c.created_at < expired)
                | (
                    T.c.completed_at.is_(None)
                    & (T.c.created_at < abandoned)
                    & (T.c.fingerprint == print_)
                ),
            ).returning(T.c.id)
            async with self.engine.begin() as conn:
                won = (await conn.execute(stmt)).scalar_one_or_none()
                if won == claim_id:
                    return Claim(claim_id=claim_id)
                row = (
                    await conn.execute(
                        select(T.c.fingerprint, T.c.completed_at, T.c.status_code)
                        .add_columns(T.c.headers, T.c.body)
                        .where(T.c.caller == caller, T.c.key == key)
                    )
                ).one_or_none()
            if row is None:
                continue  # released (its request failed) since our insert: claim again
            if row.fingerprint != print_:
                return Claim(problem="idempotency-key-reused")
            if row.completed_at is None:
                return Claim(problem="idempotency-key-in-use")
            headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in row.headers or []]
            return Claim(replay=Stored(row.status_code, headers, row.body or b""))
        return Claim(problem="idempotency-key-in-use")

    async def complete(self, claim_id: uuid.UUID, response: Stored) -> None:
        headers = [
            [n.decode("latin-1"), v.decode("latin-1")]
            for n, v in response.headers
            if n.lower() not in _DROPPED_HEADERS
        ]
        async with self.engine.begin() as conn:
            await conn.execute(
                update(T)
                .where(T.c.id == claim_id, T.c.completed_at.is_(None))
                .values(
                    completed_at=utcnow(),
                    status_code=response.status,
                    headers=headers,
                    body=response.body,
                )
            )

    async def release(self, claim_id: uuid.UUID) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(T).where(T.c.id == claim_id, T.c.completed_at.is_(None)))

    async def purge(self) -> int:
        """Delete expired records (a batch at a time); returns how many went."""
        before = utcnow() - timedelta(hours=self.settings.idempotency_retention_hours)
        batch = select(T.c.id).where(T.c.created_at < before).limit(_PURGE_BATCH)
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(T).where(T.c.id.in_(batch.scalar_subquery())))
        return int(getattr(result, "rowcount", 0) or 0)


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
