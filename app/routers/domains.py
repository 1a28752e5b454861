from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.deps import ActorDep, CurrentActor, IfMatchDep, PageDep, SessionDep, locate, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.domains import DomainCreate, DomainFilter, DomainPublic, DomainUpdate
from app.openapi import CREATED
from app.services.domains import service as domains

router = APIRouter(prefix="/api/v1/domains", tags=["domains"], route_class=JSONRoute)

SlugPath = Annotated[str, Path(max_length=64, description="The domain's slug")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DomainPublic,
    responses={201: CREATED},
    summary="Create a domain; you become its convenor",
)
async def create_domain(
    data: DomainCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> DomainPublic:
    """Creates a domain with you as its convenor (you need a verified email); an API key
    with `write` creates one without a convenor. Its slug is derived from the name unless
    given."""
    created = await domains.create_domain(session, actor, data)
    locate(request, response, "get_domain", slug=created.slug)
    return with_etag(response, await domains.public_one(session, actor, created))


@router.get("", response_model=Page[DomainPublic], summary="Domains I may see")
async def list_domains(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    narrow: Annotated[DomainFilter, Query()],
) -> Page[DomainPublic]:
    """The domains whose card you may see: public ones for everybody, private ones for their
    members and invitees, all for platform admins. Filter by text, theme, visibility,
    stage, parent, or your own."""
    result = await domains.list_domains(session, actor, page, narrow)
    shown = await domains.public_page(session, actor, result)
    return page_out(shown, request, response, lambda d: d)


@router.get("/{slug}", response_model=DomainPublic, summary="A domain")
async def get_domain(
    slug: SlugPath, response: Response, session: SessionDep, actor: ActorDep
) -> DomainPublic:
    """A domain's card (purpose, scope, stage, join policy, counts). Invitees of a private
    domain see its card too; others get 404."""
    found = await domains.get_domain(session, actor, slug)
    return with_etag(response, await domains.public_one(session, actor, found))


@router.patch("/{slug}", response_model=DomainPublic, summary="Change a domain (convenors)")
async def update_domain(
    slug: SlugPath,
    data: DomainUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> DomainPublic:
    """Changes a domain's description, scope, visibility, join policy or stage (its
    convenors, or platform admins)."""
    changed = await domains.update_domain(session, actor, slug, data, if_match)
    return with_etag(response, await domains.public_one(session, actor, changed))


@router.delete(
    "/{slug}", response_model=DomainPublic, summary="Archive a domain (convenors); data is kept"
)
async def archive_domain(
    slug: SlugPath,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> DomainPublic:
    """Archives a domain (its convenors, or platform admins): it stays readable, and nothing
    in it can change any more."""
    archived = await domains.archive_domain(session, actor, slug, if_match)
    return with_etag(response, await domains.public_one(session, actor, archived))
