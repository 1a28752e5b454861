"""Loading the demo: into an empty database (or one without it), as `seed-demo` and
`serve --demo` do, timed."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.demo.cast import DOMAINS
from app.demo.people import PEOPLE
from app.demo.plan import plan_year
from app.demo.replay import DEMO_PASSWORD, Replay
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.people import Person
from app.services.people.auth import Passwords


@asynccontextmanager
async def with_session(
    url: str, settings: Settings
) -> AsyncIterator[tuple[AsyncSession, Passwords]]:
    engine = create_engine(url, settings)
    try:
        async with create_sessionmaker(engine)() as session:
            yield session, Passwords(settings.password_hash_time_cost)
    finally:
        await engine.dispose()


async def seed_demo(settings: Settings, *, only_if_empty: bool) -> str:
    assert settings.database_url
    async with with_session(settings.database_url, settings) as (session, passwords):
        existing = (
            await session.exec(select(Person).where(col(Person.email) == "amara@demo.cop"))
        ).first()
        if existing is not None:
            return "demo community already present"
        if only_if_empty and (await session.exec(select(Person.id).limit(1))).first():
            return "database not empty; demo not loaded"
        taken = list(
            await session.exec(
                select(Domain.slug).where(col(Domain.slug).in_([d.slug for d in DOMAINS]))
            )
        ) + list(
            await session.exec(
                select(Person.email).where(col(Person.email).in_([p.email for p in PEOPLE]))
            )
        )
        if taken:
            return f"demo not loaded: {', '.join(sorted(taken))} already taken"
        loaded = await load(session, passwords)
        return (
            f"Demo community loaded in {loaded.seconds:.1f} s: {len(PEOPLE)} people, four "
            "domains, a year of history. Log in with the password "
            f"'{DEMO_PASSWORD}' as admin@demo.cop (platform admin), amara@demo.cop "
            "(convenes Palliative Care Nurses), priya@demo.cop (convenes the private Pain "
            "Management Circle), ines@demo.cop (convenes Open Data Practitioners), or any "
            "other <name>@demo.cop."
        )


@dataclass
class Loaded:
    origin: datetime  # the hour the year ends at: every moment is relative to it
    seconds: float
    service_steps: int
    bulk_rows: int


async def load(session: AsyncSession, passwords: Passwords) -> Loaded:
    """Plan the year up to now and replay it into the database, on one connection that
    does not wait for each of its several hundred commits to reach the disk (a crash while
    loading the demo loses at most the last few of them; nothing else changes)."""
    started = time.perf_counter()
    origin = utcnow().replace(minute=0, second=0, microsecond=0)
    engine = session.bind
    assert isinstance(engine, AsyncEngine)
    async with engine.connect() as connection:
        await connection.execute(text("SET synchronous_commit TO off"))
        await connection.commit()
        try:
            async with AsyncSession(bind=connection, expire_on_commit=False) as demo:
                replay = Replay(demo, passwords)
                await replay.run(plan_year(origin))
        finally:
            await connection.rollback()
            await connection.execute(text("RESET synchronous_commit"))
            await connection.commit()
    return Loaded(origin, time.perf_counter() - started, replay.service_steps, replay.bulk_rows)
