"""Per-client request limits, for REST and GraphQL alike (OWASP API4).

Every request is charged to one bucket, per minute (a moving window):
- a person: the subject of a valid access token (checked without the database),
  RATE_LIMIT_PERSON_PER_MINUTE;
- an API key: one that exists and is not revoked, its own `rate_limit_per_minute` or
  RATE_LIMIT_API_KEY_PER_MINUTE;
- otherwise the client's address (an IPv6 /64), RATE_LIMIT_ANONYMOUS_PER_MINUTE.
A credential that does not verify (a made-up key, a forged or expired token) is charged
to its address, like no credential at all: were each new made-up credential given a
bucket of its own, a client could mint a fresh one for every request and never be
limited. An API key is verified here as authentication verifies it (`live_api_key`), and
the answer remembered for RATE_LIMIT_KEY_CACHE_SECONDS in a small per-process cache, so
that a busy key costs no extra query per request; a string that does not even have the
shape of a key is never looked up.

Responses carry the limit and what is left of it as the IETF httpapi draft "RateLimit
header fields for HTTP" defines them: `RateLimit-Policy: "person";q=600;w=60` and
`RateLimit: "person";r=598;t=42` (the policy is named after the bucket's kind; `t` is
when the oldest request counted leaves the window). Beyond the limit: 429, a
problem+json of type /problems/rate-limited, with Retry-After.

GraphQL requests are charged by their cost: the middleware charges one unit like any
request, and the query-cost extension calls `charge(request, cost)` for the rest.

Counters live in a `limits` storage: this process's memory, or Redis when REDIS_URL is
set, so that every process shares them. If Redis fails, requests are let through
without limits (and the failure logged) rather than refused. The health probes and the
documentation's static files are not limited."""

import ipaddress
import logging
import math
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from sqlalchemy.exc import DBAPIError
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.db import SessionMaker
from app.errors import RateLimited
from app.problems import MEDIA_TYPE, problem_type
from app.services.people.auth import (
    API_KEY_PREFIX,
    access_token_subject,
    api_key_prefix,
    live_api_key,
    sha256,
)

log = logging.getLogger("cop_api")

WINDOW_SECONDS = 60
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
EXEMPT_PREFIXES = ("/static/",)
STORAGE_PREFIX = "cop-api"
_STATE_KEY = "cop_rate_limit"
_KEY_CACHE_SIZE = 4096
_STORAGE_LOG_EVERY = 60.0


def storage_for(settings: Settings) -> Storage:
    """Redis when REDIS_URL is set (redis:// or rediss://, through redis-py), else memory."""
    if not settings.redis_url:
        return MemoryStorage()
    storage = storage_from_string(
        "async+" + settings.redis_url,
        implementation="redispy",
        wrap_exceptions=True,
        key_prefix=STORAGE_PREFIX,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
    )
    if not isinstance(storage, Storage):
        raise ValueError("REDIS_URL must be a redis:// or rediss:// URL")
    return storage


def client_address(scope: Scope) -> str:
    """The address a client is limited by: its IP address, or for IPv6 its /64 (one
    subscriber usually holds a whole /64). Behind a proxy this is the proxy's address
    unless uvicorn trusts its X-Forwarded-For (FORWARDED_ALLOW_IPS)."""
    client = scope.get("client")
    host = str(client[0]) if client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True)
class Bucket:
    key: str  # "person:<id>", "key:<id>" or "ip:<address>"
    policy: str  # "person", "api-key" or "anonymous"
    limit: int  # per minute

    @property
    def item(self) -> RateLimitItem:
        return RateLimitItemPerMinute(self.limit)


@dataclass(frozen=True)
class RateDecision:
    """The outcome of charging a bucket: whether the request may go on, and the
    `RateLimit` figures after it."""

    policy: str
    limit: int
    remaining: int
    reset: int  # seconds until the oldest counted request leaves the window
    allowed: bool

    @property
    def retry_after(self) -> int:
        return max(1, self.reset)

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-policy", f'"{self.policy}";q={self.limit};w={WINDOW_SECONDS}'.encode()),
            (b"ratelimit", f'"{self.policy}";r={self.remaining};t={self.reset}'.encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        return headers

    def error(self) -> RateLimited:
        """The domain error for a refused charge (GraphQL code RATE_LIMITED)."""
        return RateLimited(
            f"This client may spend {self.limit} units a minute ({self.policy}); "
            f"try again in {self.retry_after} s.",
            retry_after=self.retry_after,
        )


@dataclass(frozen=True)
class _KeyInfo:
    id: uuid.UUID
    limit: int | None


class ApiKeyLimits:
    """Whether a presented API key is real, and its own limit: read from the database
    and remembered for a while, in a bounded least-recently-used cache per process
    (entries are keyed by the key's hash, never the key itself)."""

    def __init__(self, ttl: float, size: int = _KEY_CACHE_SIZE) -> None:
        self._ttl = ttl
        self._size = size
        self._cache: OrderedDict[str, tuple[float, _KeyInfo | None]] = OrderedDict()

    async def lookup(self, token: str, sessionmaker: SessionMaker) -> _KeyInfo | None:
        if api_key_prefix(token) is None:
            return None  # not even shaped like a key: neither looked up nor remembered
        digest = sha256(token)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(digest)
            return cached[1]
        try:
            async with sessionmaker() as session:
                key = await live_api_key(session, token)
        except (DBAPIError, OSError):
            return None  # charged to the address; authentication answers for itself
        info = None if key is None else _KeyInfo(key.id, key.rate_limit_per_minute)
        if self._ttl > 0:
            self._cache[digest] = (now + self._ttl, info)
            self._cache.move_to_end(digest)
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return info


class RateLimiter:
    """The buckets and their counters; one per application (`app.state.rate_limiter`)."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.enabled = settings.rate_limit_enabled
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.keys = ApiKeyLimits(settings.rate_limit_key_cache_seconds)
        self._storage_failed_at = -math.inf

    async def bucket_for(self, scope: Scope) -> Bucket:
        settings = self.settings
        token = _bearer(scope.get("headers", []))
        if token is not None and token.startswith(API_KEY_PREFIX):
            key = await self.keys.lookup(token, scope["app"].state.sessionmaker)
            if key is not None:
                limit = key.limit or settings.rate_limit_api_key_per_minute
                return Bucket(f"key:{key.id}", "api-key", limit)
        elif token is not None:
            person_id = access_token_subject(token, settings)
            if person_id is not None:
                limit = settings.rate_limit_person_per_minute
                return Bucket(f"person:{person_id}", "person", limit)
        address = client_address(scope)
        return Bucket(f"ip:{address}", "anonymous", settings.rate_limit_anonymous_per_minute)

    async def hit(self, bucket: Bucket, cost: int = 1) -> RateDecision | None:
        """Charge `cost` units; None when the storage failed (the request goes on)."""
        try:
            allowed = await self.strategy.hit(bucket.item, "requests", bucket.key, cost=cost)
            stats = await self.strategy.get_window_stats(bucket.item, "requests", bucket.key)
        except StorageError:
            now = time.monotonic()
            if now - self._storage_failed_at > _STORAGE_LOG_EVERY:
                self._storage_failed_at = now
                log.exception("rate limit storage failed; requests go unlimited meanwhile")
            return None
        return RateDecision(
            policy=bucket.policy,
            limit=bucket.limit,
            remaining=max(0, stats.remaining),
            reset=max(0, math.ceil(stats.reset_time - time.time())),
            allowed=allowed,
        )


@dataclass
class _Charged:
    """What the middleware charged for this request, kept in the ASGI scope's state so
    that `charge` can add to the same bucket and the headers show the latest figures."""

    bucket: Bucket
    decision: RateDecision


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    authorization = next((v for k, v in headers if k == b"authorization"), None)
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


async def charge(request: HTTPConnection | Scope, cost: int) -> RateDecision | None:
    """Charge a request `cost` units in all: `cost - 1` more to the bucket the middleware
    already charged one unit to (GraphQL queries, by their cost). Returns the decision,
    with `allowed` False when the bucket cannot take them (nothing is then charged:
    answer with `decision.error()`); None when rate limits are off or the storage failed.
    A cost above the bucket's whole limit is never allowed."""
    scope = request.scope if isinstance(request, HTTPConnection) else request
    charged = scope.get("state", {}).get(_STATE_KEY)
    if not isinstance(charged, _Charged):
        return None
    if cost <= 1:
        return charged.decision
    limiter: RateLimiter = scope["app"].state.rate_limiter
    decision = await limiter.hit(charged.bucket, cost - 1)
    if decision is not None:
        charged.decision = decision
    return decision


class RateLimitMiddleware:
    """Pure ASGI, so that REST and GraphQL (`/graphql`) are limited alike and the
    charge is made before any other work (idempotency keys, authentication)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        limiter: RateLimiter = scope["app"].state.rate_limiter
        if not limiter.enabled:
            await self.app(scope, receive, send)
            return
        bucket = await limiter.bucket_for(scope)
        decision = await limiter.hit(bucket)
        if decision is None:
            await self.app(scope, receive, send)
            return
        if not decision.allowed:
            await _too_many(send, decision, scope["path"])
            return
        charged = _Charged(bucket, decision)
        scope.setdefault("state", {})[_STATE_KEY] = charged

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                ours = charged.decision.headers()
                names = {name for name, _ in ours}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": headers + ours}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _too_many(send: Send, decision: RateDecision, path: str) -> None:
    body = orjson.dumps(
        {
            "type": problem_type("rate-limited"),
            "title": "Too many requests",
            "status": 429,
            "detail": f"This client may make {decision.limit} requests a minute "
            f"({decision.policy}); try again in {decision.retry_after} s.",
            "instance": path,
        }
    )
    headers = [
        (b"content-type", MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *decision.headers(),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
