import uuid

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentActor, IfMatchDep, PageDep, SessionDep, locate, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.memberships import (
    MembershipCreate,
    MembershipDetail,
    MembershipEventPublic,
    MembershipPublic,
    MembershipStatus,
    MembershipUpdate,
    Role,
)
from app.openapi import CREATED
from app.routers.domains import SlugPath
from app.services.memberships import lifecycle, reads

router = APIRouter(
    prefix="/api/v1/domains/{slug}/members", tags=["memberships"], route_class=JSONRoute
)


@router.get("", response_model=Page[MembershipPublic], summary="Members of a domain")
async def list_members(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    status: MembershipStatus | None = None,
    role: Role | None = None,
) -> Page[MembershipPublic]:
    """Members of a domain you may list, filtered by status or role, a page at a time."""
    result = await reads.list_members(session, actor, slug, page, status=status, role=role)
    return page_out(result, request, response, MembershipPublic.model_validate)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MembershipPublic,
    responses={201: CREATED},
    summary="Join (or request to join) a domain, or invite someone (convenors)",
)
async def join_or_invite(
    slug: SlugPath,
    data: MembershipCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> MembershipPublic:
    """Without `person_id` (or with your own) you join an open domain, or ask to join one
    that approves requests; naming someone else invites them (convenors)."""
    membership = await lifecycle.join_or_invite(session, actor, slug, data)
    locate(request, response, "get_membership", slug=slug, person_id=membership.person_id)
    return with_etag(response, MembershipPublic.model_validate(membership))


@router.get("/{person_id}", response_model=MembershipDetail, summary="A membership and its history")
async def get_membership(
    slug: SlugPath,
    person_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> MembershipDetail:
    """One membership, with its history of status and role changes."""
    membership, history = await reads.get_membership(session, actor, slug, person_id)
    return with_etag(
        response,
        MembershipDetail(
            **MembershipPublic.model_validate(membership).model_dump(),
            history=[MembershipEventPublic.model_validate(e) for e in history],
        ),
    )


@router.patch(
    "/{person_id}",
    response_model=MembershipPublic,
    summary="Accept, approve, decline, leave or remove; or change roles (convenors)",
)
async def update_membership(
    slug: SlugPath,
    person_id: uuid.UUID,
    data: MembershipUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> MembershipPublic:
    """Moves a membership on: accept or decline an invitation, approve or decline a request,
    leave, remove; or change roles (convenors). A domain keeps at least one convenor."""
    membership = await lifecycle.update_membership(session, actor, slug, person_id, data, if_match)
    return with_etag(response, MembershipPublic.model_validate(membership))


@router.delete(
    "/{person_id}",
    response_model=MembershipPublic,
    summary="Leave (yourself) or remove a member (convenors); history is kept",
)
async def end_membership(
    slug: SlugPath,
    person_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> MembershipPublic:
    """Leave a domain (or decline an invitation), or, as a convenor, remove a member,
    withdraw an invitation or turn down a request. The history is kept."""
    membership = await lifecycle.end_membership(session, actor, slug, person_id, if_match)
    return with_etag(response, MembershipPublic.model_validate(membership))
