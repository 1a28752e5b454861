from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from app.deps import ActorDep, PageDep, SessionDep, page_out
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.contributions import ContributionKind, ContributionPublic, SearchHit
from app.services.contributions import search

router = APIRouter(prefix="/api/v1/search", tags=["search"], route_class=JSONRoute)

Q = Annotated[
    str,
    Query(
        min_length=1,
        max_length=500,
        description='Words are stemmed ("practising" finds "practice"); "quoted phrases" '
        "match as phrases; -word excludes; OR alternates.",
    ),
]


class TagCount(BaseModel):
    tag: str
    count: int


@router.get("", response_model=Page[SearchHit], summary="Search contributions you may read")
async def search_contributions(
    q: Q,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    domain: Annotated[str | None, Query(max_length=64, description="Only this domain")] = None,
    kind: ContributionKind | None = None,
) -> Page[SearchHit]:
    """Full-text search over the contributions you may read, best matches first, each with a
    highlighted snippet."""
    result = await search.search_contributions(
        session, actor, q, page, domain_slug=domain, kind=kind
    )
    return page_out(
        result,
        request,
        response,
        lambda h: SearchHit(
            contribution=ContributionPublic.model_validate(h.contribution),
            rank=h.rank,
            snippet_html=h.snippet_html,
        ),
    )


@router.get("/tags", response_model=list[TagCount], summary="Tags in use, most used first")
async def search_tags(q: Q, session: SessionDep, actor: ActorDep) -> list[TagCount]:
    """Tags containing `q` on published contributions in the domains you may read, most used
    first (at most 20)."""
    return [TagCount(tag=t, count=n) for t, n in await search.search_tags(session, actor, q)]
