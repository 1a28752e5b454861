"""RSVPs against a capacity, attendance and summaries.

Every RSVP change locks the occurrence row first, so the capacity check and the
waitlist order hold however many requests arrive at once."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, func, literal
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.models.base import utcnow
from app.models.gatherings import (
    Attendance,
    AttendanceSource,
    Gathering,
    GatheringStatus,
    Rsvp,
    RsvpCounts,
    RsvpList,
    RsvpPublic,
    RsvpResponse,
    RsvpStatus,
    SummaryInput,
)
from app.models.people import Person
from app.services.access import DomainAccess, active_member_ids
from app.services.actors import Actor
from app.services.gatherings.events import (
    attendance_recorded,
    gathering_changed,
    rsvps_changed,
)
from app.services.gatherings.service import (
    can_host,
    load_gathering,
    lock_gathering,
)
from app.services.versions import Expected, check_version

CHECK_IN_EARLY = timedelta(minutes=15)


def _end(g: Gathering) -> datetime:
    return g.start_at + timedelta(minutes=g.duration_minutes)


def _require_open(g: Gathering) -> None:
    if g.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if g.status == GatheringStatus.completed or _end(g) <= utcnow():
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


async def _require_member(access: DomainAccess) -> None:
    access.require_writable()
    if not access.is_active_member:
        raise Forbidden("Only members of the domain can RSVP or check in.")


async def set_rsvp(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, response: RsvpResponse
) -> Rsvp:
    gathering, access = await load_gathering(session, actor, gathering_id)
    await _require_member(access)
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
    promoted = []
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
    if person_id != actor.person_id and not can_host(access, gathering):
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
    promoted = []
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
    shown = rows if can_host(access, gathering) or actor.can_read_all else [mine] if mine else []
    return RsvpList(
        counts=counts,
        mine=RsvpPublic.model_validate(mine) if mine else None,
        items=[RsvpPublic.model_validate(r) for r in shown],
    )


async def list_rsvps(session: AsyncSession, actor: Actor, gathering_id: uuid.UUID) -> RsvpList:
    gathering, access = await load_gathering(session, actor, gathering_id)
    if not (access.is_active_member or access.actor.can_read_all):
        raise Forbidden("Only members of the domain see RSVPs.")
    rows = await session.exec(
        select(Rsvp).where(col(Rsvp.gathering_id) == gathering.id).order_by(*RSVP_ORDER)
    )
    return rsvp_list(list(rows), actor, access, gathering)


async def record_attendance(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> list[Attendance]:
    """Hosts record who came, walk-ins included. Recording the same person twice is a no-op."""
    gathering, access = await load_gathering(session, actor, gathering_id, lock=True)
    access.require_writable()
    if not can_host(access, gathering):
        raise Forbidden("Only hosts and convenors record attendance.")
    if gathering.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if gathering.start_at - CHECK_IN_EARLY > utcnow():
        raise Conflict("This gathering has not started yet.", problem="gathering-not-started")
    wanted = list(dict.fromkeys(person_ids))
    members = await active_member_ids(session, gathering.domain_id, wanted)
    strangers = [str(p) for p in wanted if p not in members]
    if strangers:
        raise Invalid(
            "Attendees must be active members of the domain.",
            errors=[
                FieldError(
                    "person_ids", f"not an active member: {', '.join(strangers)}", "not_member"
                )
            ],
        )
    if await _insert_attendance(session, gathering, wanted, AttendanceSource.host, actor):
        await attendance_recorded(
            session, actor, gathering, await attendance_of(session, gathering.id)
        )
    await session.commit()
    return await attendance_of(session, gathering.id, wanted)


async def check_in(session: AsyncSession, actor: Actor, gathering_id: uuid.UUID) -> Attendance:
    gathering, access = await load_gathering(session, actor, gathering_id, lock=True)
    await _require_member(access)
    now = utcnow()
    if gathering.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if not gathering.start_at - CHECK_IN_EARLY <= now <= _end(gathering):
        raise Conflict(
            "Check in during the gathering (from 15 minutes before its start to its end).",
            problem="outside-check-in-window",
        )
    person_id = actor.require_person()
    source = AttendanceSource.self_check_in
    if await _insert_attendance(session, gathering, [person_id], source, actor):
        await attendance_recorded(
            session, actor, gathering, await attendance_of(session, gathering.id)
        )
    await session.commit()
    return (await attendance_of(session, gathering.id, [person_id]))[0]


async def _insert_attendance(
    session: AsyncSession,
    gathering: Gathering,
    person_ids: list[uuid.UUID],
    source: AttendanceSource,
    actor: Actor,
) -> int:
    """Insert what is not recorded yet; returns how many rows are new."""
    rsvped = set(
        (
            await session.exec(
                select(Rsvp.person_id).where(
                    col(Rsvp.gathering_id) == gathering.id,
                    col(Rsvp.person_id).in_(person_ids),
                    col(Rsvp.status).in_(
                        [RsvpStatus.going, RsvpStatus.maybe, RsvpStatus.waitlisted]
                    ),
                )
            )
        ).all()
    )
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "gathering_id": gathering.id,
            "person_id": pid,
            "source": source.value,
            "walk_in": pid not in rsvped,
            "recorded_by_id": actor.person_id,
            "created_at": now,
        }
        for pid in person_ids
    ]
    if not rows:
        return 0
    stmt = (
        insert(Attendance)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_attendance_gathering_person")
        .returning(col(Attendance.id))
    )
    return len((await session.exec(stmt)).all())


async def attendance_of(
    session: AsyncSession, gathering_id: uuid.UUID, person_ids: list[uuid.UUID] | None = None
) -> list[Attendance]:
    stmt = select(Attendance).where(col(Attendance.gathering_id) == gathering_id)
    if person_ids is not None:
        stmt = stmt.where(col(Attendance.person_id).in_(person_ids))
    return list(await session.exec(stmt.order_by(col(Attendance.created_at), col(Attendance.id))))


async def list_attendance(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID
) -> list[Attendance]:
    """Hosts and convenors see everyone; members see themselves and those who share."""
    gathering, access = await load_gathering(session, actor, gathering_id)
    if not (access.is_active_member or actor.can_read_all):
        raise Forbidden("Only members of the domain see attendance.")
    rows = await attendance_of(session, gathering.id)
    if can_host(access, gathering) or actor.can_read_all:
        return rows
    sharing = set(
        (
            await session.exec(
                select(Person.id).where(
                    col(Person.id).in_([a.person_id for a in rows]),
                    col(Person.share_participation),
                )
            )
        ).all()
    )
    return [a for a in rows if a.person_id in sharing or a.person_id == actor.person_id]


async def write_summary(
    session: AsyncSession,
    actor: Actor,
    gathering_id: uuid.UUID,
    data: SummaryInput,
    expected_version: Expected = None,
) -> Gathering:
    gathering, access = await load_gathering(session, actor, gathering_id, lock=True)
    access.require_writable()
    if not can_host(access, gathering):
        raise Forbidden("Only hosts and convenors write the summary.")
    check_version(gathering, expected_version, "gathering")
    if gathering.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if gathering.start_at > utcnow():
        raise Conflict(
            "Summarise a gathering once it has started.", problem="gathering-not-started"
        )
    gathering.summary = data.summary
    gathering.decisions = data.decisions
    gathering.follow_ups = data.follow_ups
    gathering.summary_by_id = actor.person_id
    gathering.summary_at = gathering.updated_at = utcnow()
    gathering.status = GatheringStatus.completed
    session.add(gathering)
    await gathering_changed(session, actor, "gathering.completed", gathering)
    await session.commit()
    return gathering
