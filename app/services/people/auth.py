"""Credentials: password hashing, access and refresh tokens, API keys, and turning a
bearer token into an Actor."""

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import anyio
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Unauthenticated
from app.models.base import utcnow
from app.models.people import ApiKey, Person, RefreshToken, TokenPair
from app.services.actors import ANONYMOUS, Actor
from app.services.people.login_throttle import LoginThrottle

API_KEY_PREFIX = "cop_"
_JWT_ALGORITHM = "HS256"
_KEY_USE_RESOLUTION = timedelta(minutes=1)
# What `new_api_key` makes: cop_, 8 hex digits (the prefix), _, 43 url-safe characters.
_API_KEY_SHAPE = re.compile(r"^cop_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$")


class Passwords:
    """argon2id; hashing runs in a worker thread so that it never blocks the event loop,
    and at most `concurrency` hashes run at once: each takes a CPU for tens of
    milliseconds, and a burst of logins would otherwise take every CPU (and worker
    thread) from the other requests. The rest wait their turn without a thread."""

    def __init__(self, time_cost: int, *, concurrency: int = 2) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost)
        self._dummy: str | None = None
        self._limiter = anyio.CapacityLimiter(concurrency)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    def _dummy_hash(self) -> str:
        """A hash to verify against when there is no account, so that an unknown address
        costs what a wrong password does. Made on first need, not at start: every CLI
        command builds a Passwords, and a hash costs a few hundred milliseconds."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(password_hash or self._dummy_hash(), password) and bool(
                    password_hash
                )
            except (VerificationError, InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(check, limiter=self._limiter)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue_access_token(person_id: uuid.UUID, settings: Settings) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(person_id),
        "typ": "access",
        "iat": now,
        # `iat` counts whole seconds; this tells a token issued just after a password
        # change from one issued just before it, in the same second.
        "iat_ms": int(now.timestamp() * 1000),
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_JWT_ALGORITHM)


def issued_before(claims: dict[str, object], cutoff: datetime | None) -> bool:
    """Whether an access token predates its person's `tokens_valid_after`."""
    if cutoff is None:
        return False
    issued_ms = claims.get("iat_ms")
    if not isinstance(issued_ms, int):
        iat = claims.get("iat")
        if not isinstance(iat, int | float):
            return True
        issued_ms = int(iat) * 1000
    return issued_ms < int(cutoff.timestamp() * 1000)


async def issue_token_pair(session: AsyncSession, person: Person, settings: Settings) -> TokenPair:
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            person_id=person.id,
            token_hash=sha256(refresh),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.commit()
    return _pair(person.id, refresh, settings)


async def login(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    email: str,
    password: str,
    *,
    throttle: LoginThrottle,
    client: str,
) -> TokenPair:
    """`client` is the caller's address, for the throttle: repeated failures lock the
    account, or the address, for a while (RateLimited, checked before the password)."""
    email = email.strip().lower()
    attempt = await throttle.admit(email, client)
    signed_in: Person | None = None
    try:
        person = (
            await session.exec(select(Person).where(col(Person.email) == email))
        ).one_or_none()
        ok = await passwords.verify(person.password_hash if person else None, password)
        if person is not None and ok and person.is_active:
            signed_in = person
    finally:
        # Also when the check failed with an error: the attempt was admitted and counted.
        with anyio.CancelScope(shield=True):
            if signed_in is None:
                await throttle.failed(attempt)
            else:
                await throttle.succeeded(attempt)
    if signed_in is None:
        raise Unauthenticated("Email or password is wrong.", problem="invalid-credentials")
    return await issue_token_pair(session, signed_in, settings)


def _successor(token: str, settings: Settings) -> str:
    """The refresh token that replaces `token`: derived from it with the secret key, so a
    retry can be given it again although only its hash is stored."""
    digest = hmac.digest(settings.secret_key.encode(), b"refresh:" + token.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def refresh(session: AsyncSession, settings: Settings, token: str) -> TokenPair:
    """Rotate: a refresh token is spent by its refresh. Presented again within
    `refresh_reuse_grace_seconds` (a client retrying, or racing itself), it yields the same
    successor, while that is unused. Later, it means the token was copied: every refresh
    token of the person is revoked. The row lock serialises concurrent refreshes."""
    invalid = Unauthenticated("This refresh token is unknown or expired.", problem="invalid-token")
    row = (
        await session.exec(
            select(RefreshToken)
            .where(col(RefreshToken.token_hash) == sha256(token))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    now = utcnow()
    if row is None or row.expires_at <= now:
        raise invalid
    person = await session.get(Person, row.person_id)
    if person is None or not person.is_active:
        raise Unauthenticated("This account is not active.", problem="invalid-token")
    if person.tokens_valid_after is not None and row.created_at < person.tokens_valid_after:
        raise invalid  # issued before a password change: revoked, however it races
    successor = _successor(token, settings)
    if row.revoked_at is not None:
        grace = timedelta(seconds=settings.refresh_reuse_grace_seconds)
        if row.replaced_by_id is not None and now - row.revoked_at <= grace:
            following = await session.get(RefreshToken, row.replaced_by_id)
            await session.commit()
            if (
                following is not None
                and following.revoked_at is None
                and following.expires_at > now
                and secrets.compare_digest(following.token_hash, sha256(successor))
            ):
                return _pair(person.id, successor, settings)
            raise invalid
        await session.exec(
            update(RefreshToken)
            .where(
                col(RefreshToken.person_id) == row.person_id,
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
        await session.commit()
        raise Unauthenticated("This refresh token was already used.", problem="invalid-token")
    following = RefreshToken(
        person_id=person.id,
        token_hash=sha256(successor),
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    session.add(following)
    await session.flush()
    row.revoked_at, row.replaced_by_id = now, following.id
    session.add(row)
    await session.commit()
    return _pair(person.id, successor, settings)


def _pair(person_id: uuid.UUID, refresh_token: str, settings: Settings) -> TokenPair:
    return TokenPair(
        access_token=issue_access_token(person_id, settings),
        refresh_token=refresh_token,
        expires_in=settings.access_token_minutes * 60,
    )


def new_api_key() -> tuple[str, str, str]:
    """Returns (full key, lookup prefix, hash). Keys are long and random, so a fast hash
    is the right one: there is nothing to brute-force."""
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, sha256(key)


def api_key_prefix(token: str) -> str | None:
    """The lookup prefix of a string with the shape of an API key; None for any other."""
    shape = _API_KEY_SHAPE.match(token)
    return shape.group(1) if shape else None


async def live_api_key(session: AsyncSession, token: str) -> ApiKey | None:
    """The API key `token` is, if it is one and not revoked: found by its prefix, then
    its hash compared. A string without the shape of a key is never looked up."""
    prefix = api_key_prefix(token)
    if prefix is None:
        return None
    key = (await session.exec(select(ApiKey).where(col(ApiKey.prefix) == prefix))).one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    return key if secrets.compare_digest(key.key_hash, sha256(token)) else None


def access_token_subject(token: str, settings: Settings) -> uuid.UUID | None:
    """The person a valid access token names, checked without the database (signature,
    expiry, type); None for anything else."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_JWT_ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
        if claims.get("typ") != "access":
            return None
        return uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return None


async def actor_from_token(session: AsyncSession, settings: Settings, token: str | None) -> Actor:
    if not token:
        return ANONYMOUS
    if token.startswith(API_KEY_PREFIX):
        return await _actor_from_api_key(session, token)
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[_JWT_ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
        if claims.get("typ") != "access":
            raise jwt.InvalidTokenError("not an access token")
        person_id = uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthenticated(
            "The access token is invalid or expired.", problem="invalid-token"
        ) from exc
    row = (
        await session.exec(
            select(
                Person.is_platform_admin,
                Person.is_active,
                Person.email_verified_at,
                Person.tokens_valid_after,
            ).where(col(Person.id) == person_id)
        )
    ).one_or_none()
    if row is None or not row[1]:
        raise Unauthenticated(
            "This account no longer exists or is inactive.", problem="invalid-token"
        )
    if issued_before(claims, row[3]):
        raise Unauthenticated(
            "This access token was issued before a password change; sign in again.",
            problem="invalid-token",
        )
    return Actor(person_id=person_id, is_platform_admin=row[0], email_verified=row[2] is not None)


async def _actor_from_api_key(session: AsyncSession, token: str) -> Actor:
    key = await live_api_key(session, token)
    if key is None:
        raise Unauthenticated("This API key is unknown or revoked.", problem="invalid-token")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > _KEY_USE_RESOLUTION:
        # Recorded at most once a minute, in its own tiny transaction, before any work.
        await session.exec(update(ApiKey).where(col(ApiKey.id) == key.id).values(last_used_at=now))
        await session.commit()
    return Actor(api_key_id=key.id, scopes=frozenset(key.scopes))
