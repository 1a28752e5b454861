"""A small, realistic demo community, built through the services like any client would."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.models.domains import DomainCreate
from app.models.memberships import MembershipCreate, MembershipUpdate, Role
from app.models.people import Person
from app.services import domains, memberships, people
from app.services.actors import Actor
from app.services.auth import Passwords

DEMO_PASSWORD = "demo-password"

PEOPLE = [
    ("admin@demo.cop", "Platform Admin", [], "UTC", True),
    ("amara@demo.cop", "Amara Okafor", ["palliative care", "facilitation"], "Europe/London", False),
    (
        "lars@demo.cop",
        "Lars Jensen",
        ["knowledge management", "care plans"],
        "Europe/Copenhagen",
        False,
    ),
    ("priya@demo.cop", "Priya Raman", ["pain management", "pharmacology"], "Asia/Kolkata", False),
    ("tomas@demo.cop", "Tomás Silva", ["family conversations"], "Europe/Lisbon", False),
    ("mei@demo.cop", "Mei Chen", ["hospice at home", "pain management"], "Asia/Singapore", False),
    ("ines@demo.cop", "Inès Dubois", ["open data", "statistics"], "Europe/Paris", False),
]


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
        return await _seed(session, passwords)


async def _seed(session: AsyncSession, passwords: Passwords) -> str:
    actors: dict[str, Actor] = {}
    for email, name, expertise, tz, admin in PEOPLE:
        person = await people.create_person(
            session,
            passwords,
            email=email,
            display_name=name,
            password=DEMO_PASSWORD,
            is_platform_admin=admin,
        )
        person.expertise, person.timezone = expertise, tz
        session.add(person)
        await session.commit()
        actors[email.split("@")[0]] = Actor(person_id=person.id, is_platform_admin=admin)

    amara, lars, priya, tomas, mei, ines = (
        actors[k] for k in ("amara", "lars", "priya", "tomas", "mei", "ines")
    )
    nurses = await domains.create_domain(
        session,
        amara,
        DomainCreate(
            name="Palliative Care Nurses",
            purpose="Share what works at the bedside so that every patient can die well, "
            "and so that we grow as practitioners together.",
            description="Nurses from hospices, hospitals and home care who meet monthly to "
            "swap stories, solve hard cases and build a shared library of care plans.",
            goals=["Meet monthly", "Build a shared library of care plans", "Mentor newcomers"],
            boundaries="Registered nurses and nursing students working in palliative care.",
            themes=["pain management", "family conversations", "self-care", "care plans"],
            join_policy="request",
            max_active_members=40,
            lifecycle_stage="maturing",
            timezone="Europe/London",
        ),
    )
    for member in (lars, priya, tomas, mei):
        await memberships.join_or_invite(session, member, nurses.slug, MembershipCreate())
        await memberships.update_membership(
            session, amara, nurses.slug, member.require_person(), MembershipUpdate(status="active")
        )
    await memberships.update_membership(
        session,
        amara,
        nurses.slug,
        lars.require_person(),
        MembershipUpdate(roles=[Role.member, Role.knowledge_broker]),
    )
    await memberships.update_membership(
        session,
        amara,
        nurses.slug,
        priya.require_person(),
        MembershipUpdate(roles=[Role.member, Role.core, Role.convenor]),
    )

    circle = await domains.create_domain(
        session,
        priya,
        DomainCreate(
            name="Pain Management Circle",
            purpose="A small, safe circle to work through difficult pain cases.",
            themes=["pain management", "opioids"],
            visibility="private",
            join_policy="invite",
            parent_slug=nurses.slug,
            max_active_members=8,
            lifecycle_stage="coalescing",
            timezone="Europe/London",
        ),
    )
    await memberships.join_or_invite(
        session, priya, circle.slug, MembershipCreate(person_id=mei.person_id)
    )
    await memberships.update_membership(
        session, mei, circle.slug, mei.require_person(), MembershipUpdate(status="active")
    )

    open_data = await domains.create_domain(
        session,
        ines,
        DomainCreate(
            name="Open Data Practitioners",
            purpose="People who publish and reuse public-sector open data, learning from "
            "each other's successes and failures.",
            themes=["data quality", "licensing", "publishing"],
            join_policy="open",
            lifecycle_stage="potential",
            timezone="Europe/Paris",
        ),
    )
    await memberships.join_or_invite(session, tomas, open_data.slug, MembershipCreate())

    return (
        "Demo community loaded. Log in as any of "
        + ", ".join(e for e, *_ in PEOPLE)
        + f" with the password '{DEMO_PASSWORD}' (admin@demo.cop is a platform admin)."
    )
