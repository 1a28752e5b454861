"""One occurrence: loading it with the caller's access to its domain, taking its row lock,
and the checks that every write on it makes."""

import uuid
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Forbidden, Invalid, NotFound
from app.models.domains import Domain
from app.models.gatherings import Gathering
from app.services.access import DomainAccess, active_member_ids, domain_access
from app.services.actors import Actor


async def load_gathering(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, *, lock: bool = False
) -> tuple[Gathering, DomainAccess]:
    """The occurrence and the caller's access to its domain; 404 if the domain is hidden."""
    stmt = select(Gathering).where(col(Gathering.id) == gathering_id)
    if lock:
        stmt = stmt.with_for_update()
    gathering = (await session.exec(stmt)).one_or_none()
    if gathering is None:
        raise NotFound("No such gathering.")
    domain = await session.get(Domain, gathering.domain_id)
    assert domain is not None
    try:
        access = await domain_access(session, actor, domain.slug)
    except NotFound as exc:
        raise NotFound("No such gathering.") from exc
    return gathering, access


async def lock_gathering(session: AsyncSession, gathering_id: uuid.UUID) -> Gathering:
    """Take the row lock on an occurrence and read it afresh."""
    return (
        await session.exec(
            select(Gathering)
            .where(col(Gathering.id) == gathering_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()


def sees_everyone(access: DomainAccess, gathering: Gathering) -> bool:
    """Whether the caller sees everyone's RSVP and attendance, not only their own."""
    return access.can_host(gathering.host_ids) or access.actor.can_read_all


def ends_at(gathering: Gathering) -> datetime:
    return gathering.start_at + timedelta(minutes=gathering.duration_minutes)


def require_participant(access: DomainAccess) -> None:
    """Only active members answer and check in, and not in an archived domain."""
    access.require_writable()
    if not access.is_active_member:
        raise Forbidden("Only members of the domain can RSVP or check in.")


async def require_members(
    session: AsyncSession, domain_id: uuid.UUID, field: str, ids: list[uuid.UUID], who: str
) -> None:
    """422 on `field` naming those of `ids` who are not active members of the domain."""
    members = await active_member_ids(session, domain_id, ids)
    strangers = [str(i) for i in ids if i not in members]
    if strangers:
        raise Invalid(
            f"{who} must be active members of the domain.",
            errors=[
                FieldError(field, f"not an active member: {', '.join(strangers)}", "not_member")
            ],
        )
