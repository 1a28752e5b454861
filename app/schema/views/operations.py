from datetime import datetime

import strawberry

from app.models.views import HistoryInterval
from app.schema.context import Info
from app.schema.descriptions import MIN_COATTENDANCE, VIEW_WINDOW, arguments, described
from app.schema.views.types import (
    CommunityViewType,
    ComparisonHistoryType,
    ComparisonViewType,
    NetworkViewType,
)
from app.services.views import community, comparison, network
from app.services.views.params import view_params


@described()
@strawberry.type
class ViewQuery:
    @arguments(
        **VIEW_WINDOW,
        layers="The kinds of tie to count: reply, appreciation, endorsement, coattendance "
        "(default: these four) and membership.",
        min_coattendance=MIN_COATTENDANCE,
        min_shared_domains="Shared domains that make a membership tie (1 to 1000).",
    )
    @strawberry.field(description="The network across every domain whose members you may see.")
    async def network(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        layers: list[str] | None = None,
        min_coattendance: int = 2,
        min_shared_domains: int = 2,
    ) -> NetworkViewType:
        params = view_params(
            since, until, layers, min_coattendance, min_shared_domains, cross_domain=True
        )
        async with info.context.session() as session:
            view = await network.cross_domain_network(session, info.context.actor, params)
        return NetworkViewType.from_pydantic(view)


async def domain_network(
    info: Info,
    slug: str,
    since: datetime | None,
    until: datetime | None,
    layers: list[str] | None,
    min_coattendance: int,
) -> NetworkViewType:
    params = view_params(since, until, layers, min_coattendance)
    async with info.context.session() as session:
        view = await network.domain_network(session, info.context.actor, slug, params)
    return NetworkViewType.from_pydantic(view)


async def domain_community(
    info: Info, slug: str, since: datetime | None, until: datetime | None
) -> CommunityViewType:
    async with info.context.session() as session:
        view = await community.community_view(
            session, info.context.actor, slug, view_params(since, until)
        )
    return CommunityViewType.from_pydantic(view)


async def domain_comparison(
    info: Info, slug: str, since: datetime | None, until: datetime | None
) -> ComparisonViewType:
    async with info.context.session() as session:
        view = await comparison.comparison_view(
            session, info.context.actor, slug, view_params(since, until)
        )
    return ComparisonViewType.from_pydantic(view)


async def domain_comparison_history(
    info: Info,
    slug: str,
    since: datetime | None,
    until: datetime | None,
    interval: HistoryInterval,
) -> ComparisonHistoryType:
    async with info.context.session() as session:
        history = await comparison.comparison_history(
            session, info.context.actor, slug, since, until, interval
        )
    return ComparisonHistoryType.from_pydantic(history)
