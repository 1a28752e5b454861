"""What is recorded once a gathering has started: who attended, and its summary."""

import uuid
from datetime import timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden
from app.models.base import utcnow
from app.models.gatherings import (
    Attendance,
    AttendanceSource,
    Gathering,
    GatheringStatus,
    Rsvp,
    RsvpStatus,
    SummaryInput,
)
from app.models.people import Person
from app.services.actors import Actor
from app.services.gatherings.events import attendance_recorded, gathering_changed
from app.services.gatherings.occurrences import (
    ends_at,
    load_gathering,
    require_members,
    require_participant,
    sees_everyone,
)
from app.services.versions import Expected, check_version

CHECK_IN_EARLY = timedelta(minutes=15)


async def record_attendance(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, person_ids: list[uuid.UUID]
) -> list[Attendance]:
    """Hosts record who came, walk-ins included. Recording the same person twice is a no-op."""
    gathering, access = await load_gathering(session, actor, gathering_id, lock=True)
    access.require_writable()
    if not access.can_host(gathering.host_ids):
        raise Forbidden("Only hosts and convenors record attendance.")
    if gathering.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if gathering.start_at - CHECK_IN_EARLY > utcnow():
        raise Conflict("This gathering has not started yet.", problem="gathering-not-started")
    wanted = list(dict.fromkeys(person_ids))
    await require_members(session, gathering.domain_id, "person_ids", wanted, "Attendees")
    if await _insert_attendance(session, gathering, wanted, AttendanceSource.host, actor):
        await attendance_recorded(
            session, actor, gathering, await attendance_of(session, gathering.id)
        )
    await session.commit()
    return await attendance_of(session, gathering.id, wanted)


async def check_in(session: AsyncSession, actor: Actor, gathering_id: uuid.UUID) -> Attendance:
    gathering, access = await load_gathering(session, actor, gathering_id, lock=True)
    require_participant(access)
    now = utcnow()
    if gathering.status == GatheringStatus.cancelled:
        raise Conflict("This gathering is cancelled.", problem="gathering-cancelled")
    if not gathering.start_at - CHECK_IN_EARLY <= now <= ends_at(gathering):
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
    if not access.can_read_members:
        raise Forbidden("Only members of the domain see attendance.")
    rows = await attendance_of(session, gathering.id)
    if sees_everyone(access, gathering):
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
    if not access.can_host(gathering.host_ids):
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
