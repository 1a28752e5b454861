"""The comparison: the network and the community side by side, never merged (see
`diagnosis`), with hub dependence and recommendations, and both scores over time."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Invalid
from app.models.views import (
    DOMAIN_LAYERS,
    ComparisonHistory,
    ComparisonPoint,
    ComparisonView,
    HistoryInterval,
    Window,
)
from app.services.actors import Actor
from app.services.views import cache
from app.services.views.diagnosis import STRONG, diagnose
from app.services.views.hubs import hub_dependence
from app.services.views.measures import add_months, month_start
from app.services.views.network import member_domain
from app.services.views.params import ViewParams, view_window
from app.services.views.recommendations import recommendations

MAX_POINTS = 60
HISTORY_CONCURRENCY = 2


async def comparison_view(
    session: AsyncSession, actor: Actor, slug: str, params: ViewParams
) -> ComparisonView:
    domain = await member_domain(session, actor, slug)
    diagnosis = await diagnose(session, domain, params)
    hub = hub_dependence(diagnosis)
    return ComparisonView(
        domain=domain.slug,
        window=Window(since=params.since, until=params.until),
        threshold=STRONG,
        network_score=diagnosis.network_score,
        community_score=diagnosis.community_score,
        quadrant=diagnosis.quadrant,
        hub_dependence=hub,
        recommendations=recommendations(diagnosis, hub),
    )


def periods(
    since: datetime, until: datetime, interval: HistoryInterval
) -> list[tuple[datetime, datetime]]:
    """Calendar months (or quarters) in UTC touching the window, clipped to it."""
    step = 1 if interval == HistoryInterval.month else 3
    start = since.astimezone(UTC).date().replace(day=1)
    if step == 3:
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    found = []
    while month_start(start) < until:
        following = add_months(start, step)
        found.append((max(since, month_start(start)), min(until, month_start(following))))
        start = following
    return found


async def comparison_history(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    since: datetime | None,
    until: datetime | None,
    interval: HistoryInterval,
) -> ComparisonHistory:
    lo, hi = view_window(since, until, default=timedelta(days=365))
    domain = await member_domain(session, actor, slug)
    spans = periods(lo, hi, interval)
    if len(spans) > MAX_POINTS:
        raise Invalid(
            f"That is {len(spans)} points; at most {MAX_POINTS}. Shorten the window or "
            "choose a longer interval.",
            errors=[FieldError("since", "too many points", "too_many_points")],
        )
    # Two windows at a time: one's queries run while the other's figures are computed.
    # Each window reads on connections of its own; the session serves the fingerprint only,
    # which is taken here first.
    await cache.fingerprint(session, [domain.id])
    gate = asyncio.Semaphore(HISTORY_CONCURRENCY)

    async def point(a: datetime, b: datetime) -> ComparisonPoint:
        async with gate:
            diagnosis = await diagnose(
                session, domain, ViewParams(a, b, DOMAIN_LAYERS), with_brokers=False
            )
        return ComparisonPoint(
            since=a,
            until=b,
            network_score=diagnosis.network_score,
            community_score=diagnosis.community_score,
            quadrant=diagnosis.quadrant,
        )

    points = list(await asyncio.gather(*(point(a, b) for a, b in spans)))
    return ComparisonHistory(
        domain=domain.slug, interval=interval, window=Window(since=lo, until=hi), points=points
    )
