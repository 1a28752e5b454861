"""People: sign-up, profiles, and who may see whom.

You see yourself, and the people who share an active domain with you; convenors also
see those asking to join their domains, and former members. Someone merely invited stays
unseen until they accept: an invitation by email must not tell a convenor who holds that
address. Admins and API keys see everyone."""

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, NotFound
from app.models.base import utcnow
from app.models.memberships import Membership, MembershipStatus, Role
from app.models.people import Person, PersonRegister, PersonUpdate
from app.services import events
from app.services.actors import Actor
from app.services.auth import Passwords
from app.services.pagination import Page, PageParams, paginate
from app.services.validation import refuse_nulls
from app.services.versions import check_version


def sees_private(actor: Actor, person_id: uuid.UUID) -> bool:
    """Email and settings are shown to the person themselves and to platform admins."""
    return actor.person_id == person_id or actor.can_admin


def visible_people(actor: Actor) -> ColumnElement[bool]:
    if actor.can_read_all:
        return literal(True)
    if actor.person_id is None:
        return literal(False)
    mine: Any = aliased(Membership)
    theirs: Any = aliased(Membership)
    shares_domain = exists().where(
        mine.person_id == actor.person_id,
        mine.status == MembershipStatus.active,
        theirs.domain_id == mine.domain_id,
        theirs.person_id == col(Person.id),
        or_(
            theirs.status == MembershipStatus.active,
            and_(
                mine.roles.contains([Role.convenor.value]),
                or_(theirs.status == MembershipStatus.requested, theirs.joined_at.is_not(None)),
            ),
        ),
    )
    return or_(col(Person.id) == actor.person_id, shares_domain)


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


async def register(session: AsyncSession, passwords: Passwords, data: PersonRegister) -> Person:
    """Sign up. Signing up with the email of someone an import created claims that
    record, with the memberships the import gave them, instead of refusing the email."""
    email = data.email.lower()
    password_hash = await passwords.hash(data.password)
    person = await _unclaimed(session, email)
    if person is not None:
        for name in data.model_fields_set - {"email", "password"}:
            setattr(person, name, getattr(data, name))
        person.password_hash, person.is_active, person.updated_at = password_hash, True, utcnow()
        session.add(person)
        await _audit(session, person, "person.claimed")
        await session.commit()
        return person
    person = Person(
        email=email,
        display_name=data.display_name,
        bio=data.bio,
        expertise=data.expertise,
        timezone=data.timezone,
        password_hash=password_hash,
    )
    session.add(person)
    try:
        await session.flush()
        await _audit(session, person, "person.registered")
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("This email is already registered.", problem="email-taken") from exc
    return person


async def create_person(
    session: AsyncSession,
    passwords: Passwords,
    *,
    email: str,
    display_name: str,
    password: str | None,
    is_platform_admin: bool = False,
) -> Person:
    """For the command line: create (or promote) a person without the HTTP sign-up. With
    a password, a person an import created (inactive) becomes active: claimed."""
    email = email.strip().lower()
    person = (
        await session.exec(select(Person).where(func.lower(col(Person.email)) == email))
    ).one_or_none()
    if person is None:
        person = Person(email=email, display_name=display_name)
    if password:
        person.password_hash = await passwords.hash(password)
        person.is_active = True
    person.is_platform_admin = person.is_platform_admin or is_platform_admin
    person.updated_at = utcnow()
    session.add(person)
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
    expected_version: int | None = None,
) -> Person:
    actor.require_write()
    person_id = actor.require_person()
    # Hashed before the row is locked: hashing takes a while, and a lock held meanwhile
    # would make every other change to this profile wait for it.
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
    changes = data.model_dump(exclude_unset=True, exclude={"password"})
    refuse_nulls(changes)
    changed = {
        field: {"from": getattr(person, field), "to": value}
        for field, value in changes.items()
        if getattr(person, field) != value
    }
    for field, value in changes.items():
        setattr(person, field, value)
    if password_hash is not None:
        person.password_hash = password_hash
        changed["password"] = {"from": "…", "to": "…"}
    person.updated_at = utcnow()
    session.add(person)
    await _audit(session, person, "person.updated", changed, actor)
    await session.commit()
    return person


async def _audit(
    session: AsyncSession,
    person: Person,
    action: str,
    changes: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    await events.audit(
        session,
        actor or Actor(person_id=person.id),
        action,
        resource_type="person",
        resource_id=person.id,
        domain_id=None,
        changes=changes,
    )


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
