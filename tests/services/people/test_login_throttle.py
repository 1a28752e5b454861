"""Logging in: failures lock the account for a while, the right password too; a success
clears the count; unknown addresses are throttled alike."""

import uuid

import pytest
from limits.aio.storage import MemoryStorage
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import RateLimited, Unauthenticated
from app.services.people.auth import Passwords, login
from app.services.people.login_throttle import PROBLEM, LoginThrottle
from tests.factories import make_person

PASSWORD = "correct horse battery"
CLIENT = "192.0.2.7"


@pytest.fixture
def strict(settings: Settings) -> Settings:
    """Three failures lock an account for a minute."""
    return settings.model_copy(
        update={"login_account_max_failures": 3, "login_lockout_seconds": 60}
    )


async def attempt(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    throttle: LoginThrottle,
    email: str,
    password: str,
) -> None:
    await login(session, passwords, settings, email, password, throttle=throttle, client=CLIENT)


async def test_failures_lock_the_account_even_to_the_right_password(
    session: AsyncSession, passwords: Passwords, strict: Settings
) -> None:
    throttle = LoginThrottle(MemoryStorage(), strict)
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    await make_person(session, email=email, password_hash=await passwords.hash(PASSWORD))
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await attempt(session, passwords, strict, throttle, email, "a guess")
    with pytest.raises(RateLimited) as locked:
        await attempt(session, passwords, strict, throttle, email.upper(), PASSWORD)
    assert locked.value.problem == PROBLEM
    assert locked.value.retry_after is not None and 0 < locked.value.retry_after <= 60


async def test_a_success_clears_the_failures_before_it(
    session: AsyncSession, passwords: Passwords, strict: Settings
) -> None:
    throttle = LoginThrottle(MemoryStorage(), strict)
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    await make_person(session, email=email, password_hash=await passwords.hash(PASSWORD))
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await attempt(session, passwords, strict, throttle, email, "a guess")
    await attempt(session, passwords, strict, throttle, email, PASSWORD)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await attempt(session, passwords, strict, throttle, email, "a guess")
    await attempt(session, passwords, strict, throttle, email, PASSWORD)


async def test_an_unknown_address_is_locked_alike(
    session: AsyncSession, passwords: Passwords, strict: Settings
) -> None:
    throttle = LoginThrottle(MemoryStorage(), strict)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await attempt(session, passwords, strict, throttle, "nobody@example.org", "a guess")
    with pytest.raises(RateLimited):
        await attempt(session, passwords, strict, throttle, "nobody@example.org", "a guess")


async def test_an_inactive_account_does_not_log_in(
    session: AsyncSession, passwords: Passwords, settings: Settings
) -> None:
    throttle = LoginThrottle(MemoryStorage(), settings)
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    await make_person(
        session, email=email, password_hash=await passwords.hash(PASSWORD), is_active=False
    )
    with pytest.raises(Unauthenticated) as refused:
        await attempt(session, passwords, settings, throttle, email, PASSWORD)
    assert refused.value.problem == "invalid-credentials"
