"""RSVPs against a capacity, and the waitlist they join when it is full.

Every RSVP change locks the occurrence row first, so the capacity check and the
waitlist order hold however many requests arrive at once."""

import uuid

from sqlalchemy import and_, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, NotFound
from app.models.base import utcnow
from app.models.gatherings import (
    Gathering,
    GatheringStatus,
    Rsvp,
    RsvpCounts,
    RsvpList,
    RsvpPublic,
    RsvpResponse,
    RsvpStatus,
)
from app.services.access import DomainAccess
from app.services.actors import Actor
from app.services.gatherings.events import rsvps_changed
from app.services.gatherings.occurrences import (
    ends_at,
    load_gathering,
    lock_gathering,
    require_participant,
    sees_everyone,
)


def _require_open(g: Gathering) -> None:
    if g.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if g.status == GatheringStatus.completed or ends_at(g) <= utcnow():
        raise Conflict("This gathering is over.", problem="gathering-past")


def _moved_up(promoted: list[Rsvp]) -> list[tuple[str, Rsvp]]:
    return [("rsvp.changed", r) for r in promoted]


async def going_count(session: AsyncSession, gathering_id: uuid.UUID) -> int:
    return (
        await session.exec(
            select(func.count()).where(
                col(Rsvp.gathering_id) == gathering_id, col(Rsvp.status) == RsvpStatus.going
            )
        )
    ).one()


async def promote_waitlist(session: AsyncSession, gathering: Gathering) -> list[Rsvp]:
    """Fill free places from the waitlist, first come first served. The caller holds the
    lock on the gathering row."""
    free = None
    if gathering.capacity is not None:
        free = gathering.capacity - await going_count(session, gathering.id)
        if free <= 0:
            return []
    stmt = (
        select(Rsvp)
        .where(col(Rsvp.gathering_id) == gathering.id, col(Rsvp.status) == RsvpStatus.waitlisted)
        .order_by(col(Rsvp.queued_at), col(Rsvp.id))
    )
    if free is not None:
        stmt = stmt.limit(free)
    promoted = list(await session.exec(stmt))
    now = utcnow()
    for rsvp in promoted:
        rsvp.status, rsvp.updated_at = RsvpStatus.going, now
        session.add(rsvp)
    return promoted


async def set_rsvp(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, response: RsvpResponse
) -> Rsvp:
    gathering, access = await load_gathering(session, actor, gathering_id)
    require_participant(access)
    person_id = actor.require_person()
    _require_open(gathering)
    # The checks above need no lock; what follows is serialised per occurrence, so it is
    # kept to a few statements: 200 people answering at once queue through it.
    gathering = await lock_gathering(session, gathering.id)
    _require_open(gathering)
    rsvp, going = await _standing(session, gathering.id, person_id)
    now = utcnow()
    previous = rsvp.status if rsvp is not None else None
    if rsvp is None:
        rsvp = Rsvp(gathering_id=gathering.id, person_id=person_id, status=response)
    if response == RsvpResponse.going:
        if previous in (RsvpStatus.going, RsvpStatus.waitlisted):
            return rsvp
        full = gathering.capacity is not None and going >= gathering.capacity
        rsvp.status = RsvpStatus.waitlisted if full else RsvpStatus.going
        rsvp.queued_at = now
    else:
        rsvp.status = response
        rsvp.queued_at = None
    rsvp.updated_at = now
    session.add(rsvp)
    await session.flush()
    promoted: list[Rsvp] = []
    if previous == RsvpStatus.going and rsvp.status != RsvpStatus.going:
        promoted = await promote_waitlist(session, gathering)
    changed = [("rsvp.created" if previous is None else "rsvp.changed", rsvp)]
    await rsvps_changed(session, actor, gathering, changed + _moved_up(promoted))
    await session.commit()
    return rsvp


async def _standing(
    session: AsyncSession, gathering_id: uuid.UUID, person_id: uuid.UUID
) -> tuple[Rsvp | None, int]:
    """The person's RSVP and how many are going, in one statement (under the lock)."""
    going = (
        select(func.count())
        .where(col(Rsvp.gathering_id) == gathering_id, col(Rsvp.status) == RsvpStatus.going)
        .scalar_subquery()
    )
    one = select(literal(1).label("one")).subquery()
    row = (
        await session.exec(
            select(Rsvp, going)
            .select_from(one)
            .outerjoin(
                Rsvp,
                and_(col(Rsvp.gathering_id) == gathering_id, col(Rsvp.person_id) == person_id),
            )
        )
    ).one()
    return row[0], int(row[1])


async def remove_rsvp(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """Withdraw your own RSVP, or (hosts and convenors) remove someone's."""
    gathering, access = await load_gathering(session, actor, gathering_id, lock=True)
    actor.require_write()
    if person_id != actor.person_id and not access.can_host(gathering.host_ids):
        raise Forbidden("Only hosts and convenors remove someone else's RSVP.")
    rsvp = (
        await session.exec(
            select(Rsvp).where(
                col(Rsvp.gathering_id) == gathering.id, col(Rsvp.person_id) == person_id
            )
        )
    ).one_or_none()
    if rsvp is None:
        raise NotFound("No such RSVP.")
    was_going = rsvp.status == RsvpStatus.going
    await session.delete(rsvp)
    await session.flush()
    promoted: list[Rsvp] = []
    if was_going and gathering.status == GatheringStatus.scheduled:
        promoted = await promote_waitlist(session, gathering)
    await rsvps_changed(session, actor, gathering, [("rsvp.withdrawn", rsvp), *_moved_up(promoted)])
    await session.commit()


RSVP_ORDER = (col(Rsvp.status), col(Rsvp.queued_at), col(Rsvp.created_at), col(Rsvp.id))


def rsvp_list(
    rows: list[Rsvp], actor: Actor, access: DomainAccess, gathering: Gathering
) -> RsvpList:
    """A gathering's RSVPs as the caller may see them: hosts and convenors see everyone,
    other members the counts and their own."""
    counts = RsvpCounts(**{s.value: sum(1 for r in rows if r.status == s) for s in RsvpStatus})
    mine = next((r for r in rows if r.person_id == actor.person_id), None)
    shown = rows if sees_everyone(access, gathering) else [mine] if mine else []
    return RsvpList(
        counts=counts,
        mine=RsvpPublic.model_validate(mine) if mine else None,
        items=[RsvpPublic.model_validate(r) for r in shown],
    )


async def list_rsvps(session: AsyncSession, actor: Actor, gathering_id: uuid.UUID) -> RsvpList:
    gathering, access = await load_gathering(session, actor, gathering_id)
    if not access.can_read_members:
        raise Forbidden("Only members of the domain see RSVPs.")
    rows = await session.exec(
        select(Rsvp).where(col(Rsvp.gathering_id) == gathering.id).order_by(*RSVP_ORDER)
    )
    return rsvp_list(list(rows), actor, access, gathering)
