"""Views are computed for, and report, the window widened to whole UTC hours, so requests
a few seconds apart share one computation; the history defaults to a year and refuses
more points than it can draw."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Invalid
from app.models.views import HistoryInterval, Window
from app.services.views import community, comparison, network
from app.services.views.params import view_params
from tests.factories import actor_of
from tests.views.support import World

HOUR = timedelta(hours=1)


def whole_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def test_views_report_the_widened_window(session: AsyncSession) -> None:
    world = await World.create(session, 2)
    a, b = world.people
    await world.reply(a, b)
    actor, slug = actor_of(a), world.domain.slug
    now = datetime.now(UTC).replace(minute=17, second=33, microsecond=250)
    since = now - timedelta(days=30)
    widened = Window(since=whole_hour(since), until=whole_hour(now) + HOUR)

    params = view_params(since, now)
    assert (params.since, params.until) == (widened.since, widened.until)
    assert (await community.community_view(session, actor, slug, params)).window == widened
    assert (await comparison.comparison_view(session, actor, slug, params)).window == widened
    assert (await network.domain_network(session, actor, slug, params)).window == widened

    # A few seconds later, the same window: the very same view, computed once.
    later = view_params(since + timedelta(seconds=20), now + timedelta(seconds=5))
    assert later == params
    first = await community.community_view(session, actor, slug, params)
    assert await community.community_view(session, actor, slug, later) is first


async def test_history_defaults_to_a_year_of_whole_months(session: AsyncSession) -> None:
    world = await World.create(session, 2)
    actor, slug = actor_of(world.people[0]), world.domain.slug
    until = datetime(2025, 6, 14, 9, 41, tzinfo=UTC)

    history = await comparison.comparison_history(
        session, actor, slug, None, until, HistoryInterval.quarter
    )

    start = datetime(2024, 6, 14, 9, tzinfo=UTC)
    assert history.window == Window(since=start, until=datetime(2025, 6, 14, 10, tzinfo=UTC))
    bounds = [(p.since, p.until) for p in history.points]
    assert bounds[0] == (start, datetime(2024, 7, 1, tzinfo=UTC))
    assert bounds[-1] == (datetime(2025, 4, 1, tzinfo=UTC), history.window.until)
    assert all(a[1] == b[0] for a, b in pairwise(bounds))
    assert len(bounds) == 5


async def test_history_refuses_more_than_sixty_points(session: AsyncSession) -> None:
    world = await World.create(session, 2)
    actor, slug = actor_of(world.people[0]), world.domain.slug
    until = datetime(2025, 6, 1, tzinfo=UTC)
    since = datetime(2020, 5, 1, tzinfo=UTC)  # 61 calendar months

    with pytest.raises(Invalid) as refused:
        await comparison.comparison_history(
            session, actor, slug, since, until, HistoryInterval.month
        )
    assert refused.value.errors == [FieldError("since", "too many points", "too_many_points")]

    fewer = await comparison.comparison_history(
        session, actor, slug, since + timedelta(days=31), until, HistoryInterval.month
    )
    assert len(fewer.points) == 60
