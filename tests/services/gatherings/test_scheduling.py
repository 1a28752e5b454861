"""Scheduling: who may, hosts and their rotation, the agenda, and the windows agendas are
read in."""

from datetime import timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden, Invalid
from app.models.gatherings import Gathering
from app.services.gatherings import listing
from app.services.pagination import PageParams
from tests.factories import actor_of, circle, from_now, make_gathering


async def test_convenors_and_the_core_group_schedule(session: AsyncSession) -> None:
    c = await circle(session)
    for who in (c.convenor, c.core):
        await make_gathering(session, c.domain, who)
    for who in (c.member, c.outsider):
        with pytest.raises(Forbidden):
            await make_gathering(session, c.domain, who)


async def test_the_scheduler_hosts_unless_hosts_are_named(session: AsyncSession) -> None:
    c = await circle(session)
    own = await make_gathering(session, c.domain, c.core)
    named = await make_gathering(session, c.domain, c.core, host_ids=[c.member.id])
    assert own.host_ids == [c.core.id] and named.host_ids == [c.member.id]


async def test_rotating_hosts_take_turns(session: AsyncSession) -> None:
    c = await circle(session)
    await make_gathering(
        session,
        c.domain,
        c.convenor,
        rrule="FREQ=WEEKLY;COUNT=3",
        rotation_host_ids=[c.member.id, c.core.id],
        host_ids=[c.convenor.id],
    )
    rows = await session.exec(select(Gathering).order_by(col(Gathering.start_at)))
    assert [g.host_ids for g in rows] == [
        [c.member.id, c.convenor.id],
        [c.core.id, c.convenor.id],
        [c.member.id, c.convenor.id],
    ]


@pytest.mark.parametrize("field", ["host_ids", "rotation_host_ids"])
async def test_hosts_must_be_active_members(session: AsyncSession, field: str) -> None:
    c = await circle(session)
    with pytest.raises(Invalid) as refused:
        await make_gathering(session, c.domain, c.convenor, **{field: [c.outsider.id]})
    assert [(e.field, e.code) for e in refused.value.errors] == [(field, "not_member")]


async def test_the_agenda_fits_the_gathering(session: AsyncSession) -> None:
    c = await circle(session)
    agenda = [{"title": "Check-in", "minutes": 30}, {"title": "Talk", "minutes": 31}]
    await make_gathering(session, c.domain, c.convenor, duration_minutes=61, agenda=agenda)
    with pytest.raises(Invalid) as refused:
        await make_gathering(session, c.domain, c.convenor, duration_minutes=60, agenda=agenda)
    assert [(e.field, e.code) for e in refused.value.errors] == [("agenda", "agenda_too_long")]


async def test_a_window_spans_at_most_three_years(session: AsyncSession) -> None:
    c = await circle(session)
    start = from_now()
    await listing.list_domain_gatherings(
        session, actor_of(c.member), c.slug, PageParams(), start=start,
        end=start + timedelta(days=3 * 366),
    )  # fmt: skip
    with pytest.raises(Invalid) as refused:
        await listing.list_domain_gatherings(
            session, actor_of(c.member), c.slug, PageParams(), start=start,
            end=start + timedelta(days=3 * 366, seconds=1),
        )  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["to"]
    with pytest.raises(Invalid) as backwards:
        await listing.list_domain_gatherings(
            session, actor_of(c.member), c.slug, PageParams(), start=start, end=start
        )
    assert [e.field for e in backwards.value.errors] == ["to"]


async def test_the_default_window_is_the_next_90_days(session: AsyncSession) -> None:
    c = await circle(session)
    inside = await make_gathering(session, c.domain, c.convenor, start=from_now(days=89))
    await make_gathering(session, c.domain, c.convenor, start=from_now(days=91))
    page = await listing.list_domain_gatherings(session, actor_of(c.member), c.slug, PageParams())
    assert [v.gathering.id for v in page.items] == [inside.id]


async def test_an_agenda_shows_the_domains_one_is_active_in(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor)
    mine = await listing.list_my_gatherings(session, actor_of(c.member), PageParams())
    assert [v.gathering.id for v in mine.items] == [g.id]
    assert mine.items[0].is_member
    theirs = await listing.list_my_gatherings(session, actor_of(c.outsider), PageParams())
    assert theirs.items == []
