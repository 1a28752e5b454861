"""Login throttling: failed logins lock the account, then the address, for a while;
lockouts grow and end; a flood from one address does not stop anyone else."""

import asyncio
import uuid
from typing import Any

from fastapi import FastAPI
from httpx import Response
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from tests.factories import PASSWORD, gql, log_in, make_person
from tests.integration.ratelimit_support import client_at, limited_app, random_address, redis_url
from tests.support import ok, problem

__all__ = ["redis_url"]  # the fixture

WRONG = "not my password"
LOGIN = """mutation($email: String!, $password: String!) {
    login(email: $email, password: $password) { accessToken } }"""


def throttled_app(settings: Settings, engine: AsyncEngine, **changes: Any) -> FastAPI:
    """Three failures lock an account for 1 s, then 2 s (the cap); request limits high."""
    return limited_app(settings, engine, rate_limit_anonymous_per_minute=1000, **changes)


async def person_with_password(session: AsyncSession, app: FastAPI) -> str:
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    await make_person(session, email=email, password_hash=await app.state.passwords.hash(PASSWORD))
    return email


def locked(response: Response) -> int:
    """Assert the login was refused by the throttle; returns Retry-After."""
    problem(response, 429, "login-throttled")
    return int(response.headers["retry-after"])


async def test_failures_lock_the_account_even_to_the_right_password_until_it_expires(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine)
    email = await person_with_password(session, app)
    async with client_at(app) as client:
        for _ in range(3):
            problem(await log_in(client, email, WRONG), 401, "invalid-credentials")
        assert locked(await log_in(client, email, PASSWORD)) == 1
        assert locked(await log_in(client, email.upper(), PASSWORD)) == 1
        await asyncio.sleep(1.1)
        assert ok(await log_in(client, email, PASSWORD))["access_token"]


async def test_lockouts_grow_up_to_the_cap_and_a_success_starts_over(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine, login_lockout_seconds=1, login_lockout_max_seconds=2)
    email = await person_with_password(session, app)

    async def fail_three_times() -> int:
        for _ in range(3):
            problem(await log_in(client, email, WRONG), 401, "invalid-credentials")
        return locked(await log_in(client, email, WRONG))

    async with client_at(app) as client:
        assert await fail_three_times() == 1
        await asyncio.sleep(1.1)
        assert await fail_three_times() == 2
        await asyncio.sleep(2.1)
        assert await fail_three_times() == 2  # 4 s, but never more than the cap
        await asyncio.sleep(2.1)
        ok(await log_in(client, email, PASSWORD))
        assert await fail_three_times() == 1


async def test_a_success_clears_the_failures_before_it(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine)
    email = await person_with_password(session, app)
    async with client_at(app) as client:
        for _ in range(3):
            problem(await log_in(client, email, WRONG), 401)
            problem(await log_in(client, email, WRONG), 401)
            ok(await log_in(client, email, PASSWORD))


async def test_unknown_emails_are_throttled_alike(settings: Settings, engine: AsyncEngine) -> None:
    """A lockout must not tell which emails have an account."""
    app = throttled_app(settings, engine)
    async with client_at(app) as client:
        for _ in range(3):
            problem(await log_in(client, "nobody@example.org", WRONG), 401, "invalid-credentials")
        assert locked(await log_in(client, "nobody@example.org", WRONG)) == 1


async def test_concurrent_guesses_cannot_slip_past_the_count(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine, login_lockout_seconds=30, login_lockout_max_seconds=60)
    email = await person_with_password(session, app)
    async with client_at(app) as client:
        answers = await asyncio.gather(*(log_in(client, email, WRONG) for _ in range(12)))
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [401] * 3 + [429] * 9, statuses
        assert 1 <= locked(await log_in(client, email, PASSWORD)) <= 30


async def test_more_logins_at_once_than_may_fail_are_asked_to_retry_shortly(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine)
    email = await person_with_password(session, app)
    async with client_at(app) as client:
        answers = await asyncio.gather(*(log_in(client, email, PASSWORD) for _ in range(6)))
        assert sorted(r.status_code for r in answers) == [200] * 3 + [429] * 3
        assert {locked(r) for r in answers if r.status_code == 429} == {1}
        # The successes cleared the count: the retry goes through at once.
        ok(await log_in(client, email, PASSWORD))


async def test_a_flood_from_one_address_does_not_stop_another(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine, login_ip_max_failures=5)
    victim = await person_with_password(session, app)
    other = await person_with_password(session, app)
    async with client_at(app, "198.51.100.7") as attacker, client_at(app, "203.0.113.9") as user:
        problem(await log_in(attacker, victim, WRONG), 401)
        for n in range(4):
            problem(await log_in(attacker, f"guess{n}@example.org", WRONG), 401)
        # Five failures from this address: it may try no more, on any account.
        for email in ("guess9@example.org", victim, other):
            assert 1 <= locked(await log_in(attacker, email, WRONG)) <= 60
        assert locked(await log_in(attacker, other, PASSWORD)) >= 1
        # Elsewhere, the same accounts are not locked: one failure is all the flood cost.
        ok(await log_in(user, other, PASSWORD))
        ok(await log_in(user, victim, PASSWORD))


async def test_graphql_login_is_throttled_by_the_same_rule(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine)
    email = await person_with_password(session, app)
    async with client_at(app) as client:
        for _ in range(3):
            body = await gql(client, LOGIN, {"email": email, "password": WRONG})
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        body = await gql(client, LOGIN, {"email": email, "password": PASSWORD})
        extensions = body["errors"][0]["extensions"]
        assert extensions["code"] == "RATE_LIMITED"
        assert extensions["problemType"] == "/problems/login-throttled"
        assert extensions["retryAfter"] == 1
        assert locked(await log_in(client, email, PASSWORD)) == 1
        await asyncio.sleep(1.1)
        body = await gql(client, LOGIN, {"email": email, "password": PASSWORD})
        assert body["data"]["login"]["accessToken"]


async def test_with_throttling_off_failures_lock_nothing(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    app = throttled_app(settings, engine, login_throttle_enabled=False)
    email = await person_with_password(session, app)
    async with client_at(app) as client:
        for _ in range(6):
            problem(await log_in(client, email, WRONG), 401)
        ok(await log_in(client, email, PASSWORD))


async def test_processes_sharing_redis_share_the_lockout(
    settings: Settings, engine: AsyncEngine, session: AsyncSession, redis_url: str
) -> None:
    first = throttled_app(settings, engine, redis_url=redis_url)
    second = throttled_app(settings, engine, redis_url=redis_url)
    email = await person_with_password(session, first)
    address = random_address()
    async with client_at(first, address) as a, client_at(second, address) as b:
        problem(await log_in(a, email, WRONG), 401)
        problem(await log_in(b, email, WRONG), 401)
        problem(await log_in(a, email, WRONG), 401)
        assert locked(await log_in(b, email, PASSWORD)) >= 1
        assert locked(await log_in(a, email, PASSWORD)) >= 1
        await asyncio.sleep(1.1)
        ok(await log_in(b, email, PASSWORD))
