"""Levels of participation at their thresholds, from the six 30-day months before `until`:
core from 5 months and 75% of the gatherings (or hosting one), active from 3 months or
half of the gatherings, occasional from 1 month."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.views import ParticipationLevel
from app.services.views.levels import Activity, classify, level_table
from app.services.views.params import LEVEL_WINDOW
from tests.views.support import World, hour_after_now, month

L = ParticipationLevel
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("activity", "held", "level"),
    [
        (Activity(months=5, attended=3), 4, L.core),  # 75% of the gatherings
        (Activity(months=5, attended=2), 4, L.active),  # 50%: short of core
        (Activity(months=4, attended=4), 4, L.active),  # every gathering, 4 months
        (Activity(months=5, hosted=True), 4, L.core),
        (Activity(months=6), 0, L.active),  # nothing held: core needs a host
        (Activity(months=3), 4, L.active),
        (Activity(attended=2), 4, L.active),
        (Activity(attended=1), 4, L.peripheral),  # 25% attendance, nothing written
        (Activity(months=2, attended=1), 4, L.occasional),
        (Activity(months=1), 0, L.occasional),
        (Activity(), 0, L.peripheral),
    ],
)
def test_thresholds(activity: Activity, held: int, level: ParticipationLevel) -> None:
    assert classify(activity, held) == level


async def test_levels_from_recorded_activity(session: AsyncSession) -> None:
    until = hour_after_now()
    names = ["host", "attender", "short", "four", "half", "twice", "early", "leaver"]
    world = await World.create(session, len(names), names=names)
    host, attender, short, four, half, twice, early, leaver = world.people
    for person in (host, attender, short):
        for i in range(5):
            await world.post(person, at=month(until, i))
    for i in range(4):
        await world.post(four, at=month(until, i))
    # Two posts in one 30-day month count once.
    await world.post(twice, at=month(until, 2, day=1))
    await world.post(twice, at=month(until, 2, day=28))
    await world.post(twice, at=month(until, 4))
    await world.post(early, at=until - LEVEL_WINDOW - DAY)
    for i in range(5):
        await world.post(leaver, at=month(until, i))
    await (await session.connection()).execute(
        text("UPDATE memberships SET status = 'left', left_at = :at WHERE person_id = :p"),
        {"at": until - 10 * DAY, "p": leaver.id},
    )
    await session.commit()
    came = [[attender, short, four, half], [attender, short, four, half], [attender, four], [four]]
    for i, people in enumerate(came):
        start = month(until, i + 1, day=10).replace(microsecond=0)
        await world.gathering(start, people, hosts=[host] if i == 0 else None)

    table = await level_table(session, [world.domain.id], until)

    assert (table.since, table.until) == (until - LEVEL_WINDOW, until)
    assert table.held == {world.domain.id: 4}
    assert table.by_person(world.domain.id) == {
        host.id: L.core,  # hosted, though attended none
        attender.id: L.core,  # 3 of 4
        short.id: L.active,  # 2 of 4
        four.id: L.active,
        half.id: L.active,  # half of the gatherings, nothing written
        twice.id: L.occasional,
        early.id: L.peripheral,  # wrote just before the six months
        world.convenor.id: L.peripheral,
    }
    assert table.level(world.domain.id, leaver.id) is None
    assert table.highest(leaver.id) is None
    assert table.highest(attender.id) == L.core
