"""`replayed_at`: a task that replays history (the demo) has the services record each
change at the moment it happened, with the same rows, events and audit entries as now."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict
from app.models.base import replayed_at, utcnow
from app.models.gatherings import GatheringCreate, RsvpResponse
from app.services.gatherings import rsvps, scheduling
from tests.factories import actor_of, add_member, make_domain, make_person

THEN = datetime(2025, 3, 4, 18, 30, tzinfo=UTC)


async def test_a_change_replayed_is_recorded_then(session: AsyncSession) -> None:
    convenor = await make_person(session)
    with replayed_at(THEN):
        assert utcnow() == THEN
        domain = await make_domain(session, convenor)
    assert utcnow() - datetime.now(UTC) < timedelta(seconds=1)
    assert domain.created_at == THEN
    conn = await session.connection()
    event = (
        await conn.execute(
            text("SELECT occurred_at, type FROM events WHERE resource_id = :id"),
            {"id": domain.id},
        )
    ).one()
    audit = (
        await conn.execute(
            text("SELECT at, action FROM audit_log WHERE resource_id = :id"), {"id": domain.id}
        )
    ).one()
    assert tuple(event) == (THEN, "domain.created") and tuple(audit) == (THEN, "domain.created")


async def test_rules_that_compare_with_now_compare_with_the_replayed_moment(
    session: AsyncSession,
) -> None:
    """An RSVP to a gathering long over is refused now, accepted the day before it."""
    convenor, member = await make_person(session), await make_person(session)
    with replayed_at(THEN - timedelta(days=30)):
        domain = await make_domain(session, convenor)
        await add_member(session, domain, member)
        gathering = await scheduling.create_gathering(
            session,
            actor_of(convenor),
            domain.slug,
            GatheringCreate.model_validate(
                {"title": "Clinic", "start": "2025-03-05T18:00:00", "timezone": "UTC",
                 "duration_minutes": 60}
            ),
        )  # fmt: skip
    who, gathering_id = actor_of(member), gathering.id
    with pytest.raises(Conflict):
        await rsvps.set_rsvp(session, who, gathering_id, RsvpResponse.going)
    await session.rollback()
    with replayed_at(THEN):
        rsvp = await rsvps.set_rsvp(session, who, gathering_id, RsvpResponse.going)
    assert rsvp.status == "going" and rsvp.created_at == THEN


async def test_the_moment_belongs_to_the_task_that_set_it() -> None:
    """Requests served meanwhile (other tasks) keep the real time."""
    seen: list[datetime] = []

    async def elsewhere() -> None:
        seen.append(utcnow())

    with replayed_at(THEN):
        other = asyncio.get_running_loop().create_task(elsewhere())
        await asyncio.sleep(0)
    await other
    # A task copies the context it was created in: created inside, it sees THEN...
    assert seen == [THEN]
    seen.clear()
    task = asyncio.get_running_loop().create_task(elsewhere())
    with replayed_at(THEN):
        await task
    # ...created outside, it does not, even if it runs while the moment is set.
    assert seen[0] != THEN


def test_a_moment_needs_a_time_zone() -> None:
    with pytest.raises(ValueError), replayed_at(datetime(2025, 1, 1)):
        pass
