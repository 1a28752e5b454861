"""People: sign-up, profiles, and finding the people you may see (who they are is
`access.visible_people`: admins and API keys see everyone)."""

import uuid
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound, invalid_field
from app.models.base import utcnow
from app.models.people import (
    PROFILE_FIELDS,
    Person,
    PersonCreate,
    PersonRegister,
    PersonUpdate,
    RegistrationPending,
)
from app.services.access import visible_people
from app.services.actors import Actor
from app.services.changes import events
from app.services.mail import Mailer
from app.services.pagination import Page, PageParams, paginate
from app.services.people import accounts
from app.services.people.auth import Passwords
from app.services.validation import bounded, refuse_nulls
from app.services.versions import Expected, check_version


def sees_private(actor: Actor, person_id: uuid.UUID) -> bool:
    """Email and settings are shown to the person themselves and to platform admins."""
    return actor.person_id == person_id or actor.can_admin


async def _unclaimed(session: AsyncSession, email: str) -> Person | None:
    """A person an import created (no password, never active), waiting to be claimed."""
    return (
        await session.exec(
            select(Person)
            .where(
                func.lower(col(Person.email)) == email,
                col(Person.password_hash).is_(None),
                col(Person.is_active).is_(False),
            )
            .with_for_update()
        )
    ).one_or_none()


async def register(
    session: AsyncSession,
    passwords: Passwords,
    mailer: Mailer,
    settings: Settings,
    data: PersonRegister,
) -> Person | RegistrationPending:
    """Sign up: an account with its email unverified, and a link mailed to prove it.
    Signing up with the email of someone an import created does not take that record
    over: the sign-up waits for its link, which claims the record (see `accounts`)."""
    email = data.email.lower()
    password_hash = await passwords.hash(data.password)
    unclaimed = await _unclaimed(session, email)
    if unclaimed is not None:
        return await accounts.hold_claim(session, mailer, settings, unclaimed, password_hash, data)
    person = Person(
        email=email,
        password_hash=password_hash,
        **data.model_dump(include=set(PROFILE_FIELDS)),
    )
    session.add(person)
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("This email is already registered.", problem="email-taken") from exc
    await events.audit_person(session, person, "person.registered")
    token = await accounts.start_verification(session, settings, person)
    await session.commit()
    accounts.mail_verification(mailer, person, token)
    return person


async def create_person(
    session: AsyncSession, passwords: Passwords, actor: Actor, data: PersonCreate
) -> Person:
    """For the console (platform admins only): create a person without the HTTP sign-up,
    or update the one with that email (a new password, promotion to platform admin). With
    a password, a person an import created (inactive) becomes active: claimed. Whoever
    runs the command vouches for the address: the email counts as verified."""
    actor.require_admin()
    email = data.email.strip().lower()
    password_hash = await passwords.hash(data.password) if data.password else None
    person = (
        await session.exec(
            select(Person).where(func.lower(col(Person.email)) == email).with_for_update()
        )
    ).one_or_none()
    created = person is None
    if person is None:
        if data.display_name is None:
            raise Invalid(
                "A new person needs a display name.",
                errors=[FieldError("display_name", "required for a new person", "missing")],
            )
        person = Person(email=email, display_name=data.display_name)
    changed: dict[str, Any] = {}
    if password_hash is not None:
        person.password_hash = password_hash
        changed["password"] = {"from": "…", "to": "…"}
        if not person.is_active:
            changed["is_active"] = {"from": False, "to": True}
            person.is_active = True
    if data.is_platform_admin and not person.is_platform_admin:
        changed["is_platform_admin"] = {"from": False, "to": True}
        person.is_platform_admin = True
    person.updated_at = utcnow()
    person.email_verified_at = person.email_verified_at or person.updated_at
    session.add(person)
    try:
        await session.flush()
    except IntegrityError as exc:  # signed up meanwhile
        await session.rollback()
        raise Conflict("This email is already registered.", problem="email-taken") from exc
    if created:
        await events.audit_person(
            session,
            person,
            "person.created",
            {"is_platform_admin": {"from": None, "to": person.is_platform_admin}},
            actor,
        )
    elif changed:
        await events.audit_person(session, person, "person.updated", changed, actor)
    await session.commit()
    return person


async def get_me(session: AsyncSession, actor: Actor) -> Person:
    person = await session.get(Person, actor.require_person())
    if person is None:
        raise NotFound("Your account no longer exists.")
    return person


async def update_me(
    session: AsyncSession,
    passwords: Passwords,
    actor: Actor,
    data: PersonUpdate,
    expected_version: Expected = None,
) -> Person:
    actor.require_write()
    person_id = actor.require_person()
    # Checked and hashed before the row is locked: hashing takes a while, and a lock held
    # meanwhile would make every other change to this profile wait for it.
    checked = await _check_current_password(session, passwords, person_id, data)
    password_hash = await passwords.hash(data.password) if data.password else None
    person = (
        await session.exec(
            select(Person)
            .where(col(Person.id) == person_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if person is None:
        raise NotFound("Your account no longer exists.")
    check_version(person, expected_version, "profile")
    changes = data.model_dump(exclude_unset=True, exclude={"password", "current_password"})
    refuse_nulls(changes)
    changed = {
        field: {"from": getattr(person, field), "to": value}
        for field, value in changes.items()
        if getattr(person, field) != value
    }
    for field, value in changes.items():
        setattr(person, field, value)
    person.updated_at = utcnow()
    if password_hash is not None:
        if person.password_hash != checked:
            raise Conflict(
                "Your password changed meanwhile; try again.", problem="concurrent-update"
            )
        person.password_hash = password_hash
        changed["password"] = {"from": "…", "to": "…"}
        await accounts.sign_out_everywhere(session, person, person.updated_at)
    session.add(person)
    await events.audit_person(session, person, "person.updated", changed, actor)
    await session.commit()
    return person


async def _check_current_password(
    session: AsyncSession, passwords: Passwords, person_id: uuid.UUID, data: PersonUpdate
) -> str | None:
    """A new password needs the current one: a stolen access token alone cannot lock
    the owner out. Returns the hash it was checked against."""
    if data.password is None:
        return None
    if data.current_password is None:
        raise invalid_field("current_password", "Required to change the password.", "missing")
    current = (
        await session.exec(select(Person.password_hash).where(col(Person.id) == person_id))
    ).one_or_none()
    if not await passwords.verify(current, data.current_password):
        raise Forbidden("The current password is wrong.", problem="current-password-wrong")
    return current


async def get_person(session: AsyncSession, actor: Actor, person_id: uuid.UUID) -> Person:
    actor.require_authenticated()
    person = (
        await session.exec(select(Person).where(col(Person.id) == person_id, visible_people(actor)))
    ).one_or_none()
    if person is None:
        raise NotFound("No such person.")
    return person


async def list_people(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    q: str | None = None,
    expertise: str | None = None,
) -> Page[Person]:
    actor.require_authenticated()
    bounded(q, "q", 200)
    bounded(expertise, "expertise", 64)
    stmt: Any = select(Person).where(visible_people(actor))
    if q:
        pattern = f"%{q.strip()}%"
        clauses = [col(Person.display_name).ilike(pattern), col(Person.bio).ilike(pattern)]
        if actor.can_read_all:
            clauses.append(col(Person.email).ilike(pattern))
        stmt = stmt.where(or_(*clauses))
    if expertise:
        stmt = stmt.where(col(Person.expertise).contains([expertise.strip().lower()]))
    return await paginate(
        session, stmt, created_col=col(Person.created_at), id_col=col(Person.id), params=params
    )


async def people_by_ids(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Person]:
    if not ids:
        return {}
    rows = await session.exec(select(Person).where(col(Person.id).in_(ids), visible_people(actor)))
    return {p.id: p for p in rows}
