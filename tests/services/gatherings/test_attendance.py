"""Attendance and the summary: when they may be recorded, by whom, and what they record."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, Invalid
from app.models.base import replayed_at
from app.models.gatherings import (
    AttendanceSource,
    GatheringStatus,
    GatheringUpdate,
    RsvpResponse,
    SummaryInput,
)
from app.services.gatherings import attendance, rsvps, series
from tests.factories import actor_of, circle, from_now, make_gathering


async def test_hosts_record_walk_ins_and_rsvps_alike(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=10))
    await rsvps.set_rsvp(session, actor_of(c.member), g.id, RsvpResponse.maybe)
    rows = await attendance.record_attendance(
        session, actor_of(c.convenor), g.id, [c.member.id, c.core.id, c.member.id]
    )
    assert {(a.person_id, a.walk_in) for a in rows} == {(c.member.id, False), (c.core.id, True)}
    assert {a.source for a in rows} == {AttendanceSource.host}
    again = await attendance.record_attendance(session, actor_of(c.convenor), g.id, [c.core.id])
    assert [a.id for a in again] == [a.id for a in rows if a.person_id == c.core.id]


async def test_attendees_must_be_active_members(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=10))
    with pytest.raises(Invalid) as refused:
        await attendance.record_attendance(session, actor_of(c.convenor), g.id, [c.outsider.id])
    assert [(e.field, e.code) for e in refused.value.errors] == [("person_ids", "not_member")]


async def test_only_hosts_record_attendance(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=10))
    with pytest.raises(Forbidden):
        await attendance.record_attendance(session, actor_of(c.member), g.id, [c.member.id])


async def test_attendance_waits_for_the_start(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=20))
    with pytest.raises(Conflict) as early:
        await attendance.record_attendance(session, actor_of(c.convenor), g.id, [c.member.id])
    assert early.value.problem == "gathering-not-started"


async def test_check_in_from_15_minutes_before_to_the_end(session: AsyncSession) -> None:
    c = await circle(session)
    soon = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=14))
    row = await attendance.check_in(session, actor_of(c.member), soon.id)
    assert row.source == AttendanceSource.self_check_in and row.walk_in
    later = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=16))
    with pytest.raises(Conflict) as outside:
        await attendance.check_in(session, actor_of(c.member), later.id)
    assert outside.value.problem == "outside-check-in-window"
    with pytest.raises(Forbidden):
        await attendance.check_in(session, actor_of(c.outsider), soon.id)


async def test_no_attendance_at_a_cancelled_gathering(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=5))
    cancel = GatheringUpdate(status=GatheringStatus.cancelled)
    await series.update_gathering(session, actor_of(c.convenor), g.id, cancel)
    for recording in (
        attendance.check_in(session, actor_of(c.member), g.id),
        attendance.record_attendance(session, actor_of(c.convenor), g.id, [c.member.id]),
    ):
        with pytest.raises(Conflict) as refused:
            await recording
        assert refused.value.problem == "gathering-cancelled"


async def test_members_see_those_who_share_hosts_see_everyone(session: AsyncSession) -> None:
    c = await circle(session)
    c.core.share_participation = False
    session.add(c.core)
    await session.commit()
    g = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=5))
    await attendance.record_attendance(
        session, actor_of(c.convenor), g.id, [c.member.id, c.core.id]
    )
    seen = await attendance.list_attendance(session, actor_of(c.member), g.id)
    assert [a.person_id for a in seen] == [c.member.id]
    everyone = await attendance.list_attendance(session, actor_of(c.convenor), g.id)
    assert {a.person_id for a in everyone} == {c.member.id, c.core.id}
    with pytest.raises(Forbidden):
        await attendance.list_attendance(session, actor_of(c.outsider), g.id)


async def test_the_summary_completes_a_started_gathering(session: AsyncSession) -> None:
    c = await circle(session)
    summary = SummaryInput(summary="Six stories.", decisions=["A guide"])
    ahead = await make_gathering(session, c.domain, c.convenor, start=from_now(minutes=5))
    with pytest.raises(Conflict) as early:
        await attendance.write_summary(session, actor_of(c.convenor), ahead.id, summary)
    assert early.value.problem == "gathering-not-started"
    with replayed_at(from_now(days=-2)):
        held = await make_gathering(session, c.domain, c.convenor, start=from_now(days=-1))
    with pytest.raises(Forbidden):
        await attendance.write_summary(session, actor_of(c.member), held.id, summary)
    done = await attendance.write_summary(session, actor_of(c.convenor), held.id, summary)
    assert done.status == GatheringStatus.completed and done.decisions == ["A guide"]
    assert done.summary_by_id == c.convenor.id
