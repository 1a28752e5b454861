"""Changing occurrences: one on its own, or it and the following ones of its series (which
splits the series when it starts from the middle)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden, Invalid
from app.models.gatherings import (
    EditScope,
    Gathering,
    GatheringSeries,
    GatheringStatus,
    GatheringUpdate,
)
from app.services.gatherings import series
from tests.factories import Circle, actor_of, circle, make_gathering

WEEKLY = "FREQ=WEEKLY;COUNT=4"
FIRST = datetime(2030, 1, 7, 18, 0)  # a Monday, wall clock in Amsterdam


async def _occurrences(session: AsyncSession) -> list[Gathering]:
    async with AsyncSession(session.bind) as fresh:
        rows = await fresh.exec(select(Gathering).order_by(col(Gathering.original_start)))
        return list(rows)


async def _series(session: AsyncSession) -> list[GatheringSeries]:
    async with AsyncSession(session.bind) as fresh:
        rows = await fresh.exec(select(GatheringSeries).order_by(col(GatheringSeries.dtstart)))
        return list(rows)


async def _weekly(session: AsyncSession) -> tuple[Circle, list[Gathering]]:
    c = await circle(session)
    await make_gathering(session, c.domain, c.convenor, start=FIRST, rrule=WEEKLY)
    return c, await _occurrences(session)


async def test_following_from_the_middle_splits_the_series(session: AsyncSession) -> None:
    c, before = await _weekly(session)
    third = before[2]
    await series.update_gathering(
        session, actor_of(c.convenor), third.id, GatheringUpdate(title="New"), EditScope.following
    )
    after = await _occurrences(session)
    old, new = await _series(session)
    assert [g.title for g in after][:2] == [before[0].title, before[1].title]
    assert [g.title for g in after][2:] == ["New", "New"]
    assert [g.series_id for g in after] == [old.id, old.id, new.id, new.id]
    assert [g.sequence_index for g in after[2:]] == [0, 1]
    assert old.rrule is not None and "UNTIL=" in old.rrule and "COUNT" not in old.rrule
    assert new.rrule == "FREQ=WEEKLY;COUNT=2"
    assert not any(g.is_exception for g in after)


async def test_following_from_the_first_changes_the_whole_series(session: AsyncSession) -> None:
    c, before = await _weekly(session)
    moved = FIRST + timedelta(hours=1)
    await series.update_gathering(
        session,
        actor_of(c.convenor),
        before[0].id,
        GatheringUpdate.model_validate({"start": moved.isoformat()}),
        EditScope.following,
    )
    (only,) = await _series(session)
    after = await _occurrences(session)
    assert only.rrule == WEEKLY
    # 18:00 in Amsterdam in winter is 17:00 UTC; each occurrence moved by an hour.
    assert [g.start_at.astimezone(UTC).hour for g in after] == [18, 18, 18, 18]
    assert [g.start_at - g.original_start for g in after] == [timedelta(0)] * 4


async def test_one_occurrence_moved_alone_becomes_an_exception(session: AsyncSession) -> None:
    c, before = await _weekly(session)
    await series.update_gathering(
        session, actor_of(c.convenor), before[1].id, GatheringUpdate(theme="Care")
    )
    after = await _occurrences(session)
    assert [g.is_exception for g in after] == [False, True, False, False]
    assert [g.theme for g in after] == ["", "Care", "", ""]
    assert len(await _series(session)) == 1


async def test_moving_the_day_of_a_byday_series_is_refused(session: AsyncSession) -> None:
    c = await circle(session)
    await make_gathering(
        session, c.domain, c.convenor, start=FIRST, rrule="FREQ=MONTHLY;BYDAY=1MO;COUNT=3"
    )
    first = (await _occurrences(session))[0]
    change = GatheringUpdate.model_validate({"start": (FIRST + timedelta(days=1)).isoformat()})
    with pytest.raises(Invalid) as refused:
        await series.update_gathering(
            session, actor_of(c.convenor), first.id, change, EditScope.following
        )
    assert [e.code for e in refused.value.errors] == ["series_day_change"]


async def test_a_weekly_series_may_move_to_another_day(session: AsyncSession) -> None:
    c, before = await _weekly(session)
    # The second occurrence, from Monday to Wednesday.
    change = GatheringUpdate.model_validate({"start": (FIRST + timedelta(days=9)).isoformat()})
    await series.update_gathering(
        session, actor_of(c.convenor), before[1].id, change, EditScope.following
    )
    after = await _occurrences(session)
    assert [(g.start_at - b.start_at).days for g, b in zip(after, before, strict=True)] == [
        0,
        2,
        2,
        2,
    ]


async def test_only_hosts_and_convenors_change_a_gathering(session: AsyncSession) -> None:
    c = await circle(session)
    first = await make_gathering(session, c.domain, c.core, host_ids=[c.member.id])
    with pytest.raises(Forbidden):
        await series.update_gathering(session, actor_of(c.core), first.id, GatheringUpdate())
    for who in (c.member, c.convenor):
        await series.update_gathering(session, actor_of(who), first.id, GatheringUpdate(theme="x"))


async def test_hosts_must_be_active_members(session: AsyncSession) -> None:
    c = await circle(session)
    first = await make_gathering(session, c.domain, c.convenor)
    change = GatheringUpdate(host_ids=[c.member.id, c.outsider.id])
    with pytest.raises(Invalid) as refused:
        await series.update_gathering(session, actor_of(c.convenor), first.id, change)
    assert [(e.field, e.code) for e in refused.value.errors] == [("host_ids", "not_member")]
    assert str(c.outsider.id) in refused.value.errors[0].message


async def test_an_agenda_longer_than_the_gathering_is_refused(session: AsyncSession) -> None:
    c = await circle(session)
    agenda = [{"title": "Talk", "minutes": 60}]
    first = await make_gathering(session, c.domain, c.convenor, duration_minutes=60, agenda=agenda)
    with pytest.raises(Invalid) as refused:
        await series.update_gathering(
            session, actor_of(c.convenor), first.id, GatheringUpdate(duration_minutes=59)
        )
    assert [e.code for e in refused.value.errors] == ["agenda_too_long"]


async def test_completing_goes_through_the_summary(session: AsyncSession) -> None:
    c = await circle(session)
    first = await make_gathering(session, c.domain, c.convenor)
    with pytest.raises(Invalid) as refused:
        await series.update_gathering(
            session,
            actor_of(c.convenor),
            first.id,
            GatheringUpdate(status=GatheringStatus.completed),
        )
    assert [e.field for e in refused.value.errors] == ["status"]


async def test_required_fields_cannot_be_set_to_null(session: AsyncSession) -> None:
    c = await circle(session)
    first = await make_gathering(session, c.domain, c.convenor)
    with pytest.raises(Invalid):
        await series.update_gathering(
            session, actor_of(c.convenor), first.id, GatheringUpdate(title=None)
        )
