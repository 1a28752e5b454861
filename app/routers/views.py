from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, StringConstraints

from app.deps import ActorDep, CurrentActor, SessionDep
from app.json_body import JSONRoute
from app.models.views import (
    CommunityView,
    ComparisonHistory,
    ComparisonView,
    HistoryInterval,
    NetworkView,
)
from app.routers.domains import SlugPath
from app.services.views import community, comparison, network
from app.services.views.params import ViewParams, view_params

router = APIRouter(prefix="/api/v1", tags=["views"], route_class=JSONRoute)

GRAPHML = "application/graphml+xml"

Since = Annotated[
    datetime | None, Query(description="Start of the window (default: 180 days before `until`)")
]
Until = Annotated[
    datetime | None,
    Query(description="End of the window (default: the next full hour: everything up to now)"),
]
Layers = Annotated[
    list[Annotated[str, StringConstraints(max_length=100)]] | None,
    Query(
        max_length=10,
        description="reply, appreciation, endorsement, coattendance (default: all four); "
        "membership in the cross-domain view. Repeat it or give a comma list.",
    ),
]
MinCoattendance = Annotated[
    int, Query(ge=1, le=1000, description="Shared gatherings that make a co-attendance tie")
]
MinShared = Annotated[
    int, Query(ge=1, le=1000, description="Shared domains that make a membership tie")
]
Format = Annotated[Literal["json", "graphml"], Query(description="`graphml` for Gephi")]

_GRAPHML_RESPONSE = {
    200: {
        "content": {GRAPHML: {"schema": {"type": "string"}}},
        "description": "The network: JSON, or GraphML with `format=graphml`",
    }
}


def _json(model: BaseModel) -> Response:
    """Serialized by pydantic's core in one pass."""
    return Response(model.__pydantic_serializer__.to_json(model), media_type="application/json")


def _network_json(view: dict[str, Any]) -> Response:
    return Response(orjson.dumps(view, option=orjson.OPT_UTC_Z), media_type="application/json")


@router.get(
    "/domains/{slug}/views/network",
    operation_id="getDomainNetwork",
    response_model=NetworkView,
    responses=_GRAPHML_RESPONSE,  # type: ignore[arg-type]
    summary="A domain's members as a network: nodes, links, brokers and whole-graph figures",
)
async def domain_network(
    slug: SlugPath,
    session: SessionDep,
    actor: ActorDep,
    since: Since = None,
    until: Until = None,
    layers: Layers = None,
    min_coattendance: MinCoattendance = 2,
    format: Format = "json",
) -> Response:
    """The domain's members as a network over a window: who replies to, appreciates,
    endorses and meets whom. Nodes with centralities and brokerage, links by layer, and
    whole-graph figures; `format=graphml` for Gephi."""
    params = view_params(since, until, layers, min_coattendance)
    if format == "graphml":
        graphml = await network.domain_network_graphml(session, actor, slug, params)
        return Response(graphml, media_type=GRAPHML)
    return _network_json(await network.domain_network_data(session, actor, slug, params))


@router.get(
    "/views/network",
    operation_id="getCrossDomainNetwork",
    response_model=NetworkView,
    responses=_GRAPHML_RESPONSE,  # type: ignore[arg-type]
    summary="The network across every domain whose members you may see",
)
async def cross_domain_network(
    session: SessionDep,
    actor: CurrentActor,
    since: Since = None,
    until: Until = None,
    layers: Layers = None,
    min_coattendance: MinCoattendance = 2,
    min_shared_domains: MinShared = 2,
    format: Format = "json",
) -> Response:
    """The network across every domain whose members you may see, with shared memberships as
    a layer; `format=graphml` for Gephi."""
    params = view_params(
        since, until, layers, min_coattendance, min_shared_domains, cross_domain=True
    )
    if format == "graphml":
        graphml = await network.cross_domain_network_graphml(session, actor, params)
        return Response(graphml, media_type=GRAPHML)
    return _network_json(await network.cross_domain_network_data(session, actor, params))


def _params(since: datetime | None, until: datetime | None) -> ViewParams:
    return view_params(since, until)


@router.get(
    "/domains/{slug}/views/community",
    operation_id="getCommunityView",
    response_model=CommunityView,
    summary="A domain as a community: domain, community and practice indicators",
)
async def community_view(
    slug: SlugPath, session: SessionDep, actor: ActorDep, since: Since = None, until: Until = None
) -> Response:
    """Indicators of the domain (purpose, focus), the community (participation, roles,
    renewal) and the practice (repertoire, reuse) over a window."""
    return _json(await community.community_view(session, actor, slug, _params(since, until)))


@router.get(
    "/domains/{slug}/views/comparison",
    operation_id="getComparisonView",
    response_model=ComparisonView,
    summary="Network score and community score side by side, with a diagnosis",
)
async def comparison_view(
    slug: SlugPath, session: SessionDep, actor: ActorDep, since: Since = None, until: Until = None
) -> Response:
    """The network score and the community score of the domain side by side, with a
    diagnosis of what the difference suggests."""
    return _json(await comparison.comparison_view(session, actor, slug, _params(since, until)))


@router.get(
    "/domains/{slug}/views/comparison/history",
    operation_id="getComparisonHistory",
    response_model=ComparisonHistory,
    summary="The two scores over time, one point per month (or quarter)",
)
async def comparison_history(
    slug: SlugPath,
    session: SessionDep,
    actor: ActorDep,
    since: Annotated[
        datetime | None, Query(description="Start (default: 12 months before `until`)")
    ] = None,
    until: Until = None,
    interval: HistoryInterval = HistoryInterval.month,
) -> Response:
    """The network and community scores over time, one point per month (or quarter)."""
    history = await comparison.comparison_history(session, actor, slug, since, until, interval)
    return _json(history)
