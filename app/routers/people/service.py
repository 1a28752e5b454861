import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.deps import CurrentActor, IfMatchDep, PageDep, PasswordsDep, SessionDep, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.memberships import MembershipPublic
from app.models.people import PersonPrivate, PersonPublic, PersonUpdate
from app.services.memberships import reads as memberships
from app.services.people import accounts
from app.services.people import service as people

router = APIRouter(prefix="/api/v1/people", tags=["people"], route_class=JSONRoute)


@router.get("/me", operation_id="getMe", response_model=PersonPrivate, summary="Who am I")
async def me(response: Response, session: SessionDep, actor: CurrentActor) -> PersonPrivate:
    """Your own profile, with your email and settings."""
    person = await people.get_me(session, actor)
    return with_etag(response, PersonPrivate.model_validate(person))


@router.patch("/me", response_model=PersonPrivate, summary="Update my profile")
async def update_me(
    data: PersonUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    passwords: PasswordsDep,
    if_match: IfMatchDep,
) -> PersonPrivate:
    """Changes your profile or settings. A new password needs the current one, and signs you
    out everywhere: every refresh token and every access token issued before it are
    refused."""
    person = await people.update_me(session, passwords, actor, data, if_match)
    return with_etag(response, PersonPrivate.model_validate(person))


@router.get("", response_model=Page[PersonPublic], summary="People I may see")
async def list_people(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Name or bio contains")] = None,
    expertise: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[PersonPublic]:
    """People you may see (yourself and those who share a domain with you; everyone for
    platform admins and API keys), searched by name or bio, or by expertise."""
    result = await people.list_people(session, actor, page, q=q, expertise=expertise)
    return page_out(result, request, response, PersonPublic.model_validate)


@router.get("/{person_id}", response_model=PersonPublic, summary="A person")
async def get_person(
    person_id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> PersonPublic:
    """A person's public profile, if you may see it (404 otherwise)."""
    person = await people.get_person(session, actor, person_id)
    return with_etag(response, PersonPublic.model_validate(person))


@router.get(
    "/{person_id}/memberships",
    operation_id="listPersonMemberships",
    response_model=Page[MembershipPublic],
    summary="A person's memberships I may see",
)
async def person_memberships(
    person_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
) -> Page[MembershipPublic]:
    """A person's memberships in the domains you may see."""
    result = await memberships.list_person_memberships(session, actor, person_id, page)
    return page_out(result, request, response, MembershipPublic.model_validate)


@router.post(
    "/{person_id}/verify-email",
    response_model=PersonPrivate,
    summary="Mark a person's email verified (platform admins, admin keys)",
)
async def verify_person_email(
    person_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> PersonPrivate:
    """For an address vouched for some other way. It claims nothing: a record an import
    created still waits for its owner to sign up through the mailbox."""
    return PersonPrivate.model_validate(
        await accounts.verify_person_email(session, actor, person_id)
    )
