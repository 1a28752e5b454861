import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import ActorDep, CurrentActor, IfMatchDep, PageDep, SessionDep, locate, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.contributions import (
    AcceptInput,
    ContributionCreate,
    ContributionFilter,
    ContributionPublic,
    ContributionSort,
    ContributionUpdate,
    EndorsementInput,
    EndorsementKind,
    EndorsementPublic,
    RevisionPublic,
    ValueCycle,
    ValueStoryCreate,
    ValueStoryPublic,
)
from app.openapi import CREATED
from app.routers.domains import SlugPath
from app.services.contributions import endorsements, listing
from app.services.contributions import service as contributions

router = APIRouter(prefix="/api/v1", tags=["contributions"], route_class=JSONRoute)


class ThreadItem(ContributionPublic):
    depth: int


@router.post(
    "/domains/{slug}/contributions",
    status_code=status.HTTP_201_CREATED,
    response_model=ContributionPublic,
    responses={201: CREATED},
    summary="Contribute to a domain's shared repertoire (active members)",
)
async def create_contribution(
    slug: SlugPath,
    data: ContributionCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> ContributionPublic:
    """Adds a story, question, answer, reply, practice or other contribution to the domain
    (its active members). Answers and replies name their parent."""
    created = await contributions.create_contribution(session, actor, slug, data)
    locate(request, response, "get_contribution", contribution_id=created.id)
    return with_etag(response, ContributionPublic.model_validate(created))


@router.get(
    "/domains/{slug}/contributions",
    response_model=Page[ContributionPublic],
    summary="A domain's contributions, filtered, searched and sorted",
)
async def list_contributions(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    narrow: Annotated[ContributionFilter, Query()],
    sort: ContributionSort = ContributionSort.newest,
) -> Page[ContributionPublic]:
    """The domain's contributions you may read (drafts only your own, hidden ones only for
    moderators), filtered, searched (`q`) and sorted, a page at a time."""
    result = await listing.list_contributions(session, actor, slug, page, narrow, sort)
    return page_out(result, request, response, ContributionPublic.model_validate)


@router.get(
    "/contributions/{contribution_id}", response_model=ContributionPublic, summary="A contribution"
)
async def get_contribution(
    contribution_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> ContributionPublic:
    """One contribution, if you may read it (404 otherwise)."""
    found = await contributions.get_contribution(session, actor, contribution_id)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.patch(
    "/contributions/{contribution_id}",
    response_model=ContributionPublic,
    summary="Edit your contribution (the previous version is kept)",
)
async def update_contribution(
    contribution_id: uuid.UUID,
    data: ContributionUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> ContributionPublic:
    """Changes your own contribution (convenors and knowledge brokers may edit any in their
    domain); the previous version is kept as a revision. `If-Match` guards against
    overwriting a concurrent edit."""
    found = await contributions.update_contribution(session, actor, contribution_id, data, if_match)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.delete(
    "/contributions/{contribution_id}",
    response_model=ContributionPublic,
    summary="Archive a contribution (author, convenors, knowledge brokers); nothing is lost",
)
async def archive_contribution(
    contribution_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> ContributionPublic:
    """Archives a contribution: it stays readable but can no longer change. Nothing is
    deleted."""
    found = await contributions.archive_contribution(session, actor, contribution_id, if_match)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.get(
    "/contributions/{contribution_id}/thread",
    response_model=list[ThreadItem],
    summary="A contribution with its answers and replies, in thread order",
)
async def get_thread(
    contribution_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> list[ThreadItem]:
    """The contribution and everything below it (answers, replies), depth first, each with
    its depth; what you may not read is left out."""
    rows = await listing.thread(session, actor, contribution_id)
    return [
        ThreadItem(**ContributionPublic.model_validate(c).model_dump(), depth=depth)
        for c, depth in rows
    ]


@router.get(
    "/contributions/{contribution_id}/revisions",
    response_model=list[RevisionPublic],
    summary="Earlier versions of a contribution, oldest first",
)
async def list_revisions(
    contribution_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> list[RevisionPublic]:
    """The versions a contribution had before each edit, oldest first."""
    rows = await contributions.list_revisions(session, actor, contribution_id)
    return [RevisionPublic.model_validate(r) for r in rows]


@router.post(
    "/contributions/{contribution_id}/accept",
    response_model=ContributionPublic,
    summary="Accept an answer to this question (the asker or a convenor)",
)
async def accept_answer(
    contribution_id: uuid.UUID,
    data: AcceptInput,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> ContributionPublic:
    """Marks one published answer to this question as accepted (the asker or a convenor);
    accepting another replaces it."""
    found = await contributions.accept_answer(session, actor, contribution_id, data.answer_id)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.post(
    "/contributions/{contribution_id}/endorsements",
    operation_id="endorseContribution",
    response_model=EndorsementPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": EndorsementPublic,
            "description": "Already endorsed that way: nothing changed",
        },
        201: CREATED,
    },
    summary="Endorse: `helpful` (this helped me) or `applied` (I used this in my practice)",
)
async def endorse(
    contribution_id: uuid.UUID,
    data: EndorsementInput,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> EndorsementPublic:
    """Records that the contribution helped you (`helpful`) or that you applied it in your
    practice (`applied`). 201 for a new endorsement, 200 with the existing one if you had
    already endorsed it that way."""
    endorsement, created = await endorsements.endorse(session, actor, contribution_id, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    else:
        locate(
            request,
            response,
            "withdraw_endorsement",
            contribution_id=contribution_id,
            kind=endorsement.kind,
        )
    return EndorsementPublic.model_validate(endorsement)


@router.get(
    "/contributions/{contribution_id}/endorsements",
    response_model=list[EndorsementPublic],
    summary="Who endorsed a contribution, and how",
)
async def list_endorsements(
    contribution_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> list[EndorsementPublic]:
    """Every endorsement of a contribution you may read, with who gave it and how."""
    rows = await endorsements.list_endorsements(session, actor, contribution_id)
    return [EndorsementPublic.model_validate(e) for e in rows]


@router.delete(
    "/contributions/{contribution_id}/endorsements/{kind}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw your endorsement",
)
async def withdraw_endorsement(
    contribution_id: uuid.UUID, kind: EndorsementKind, session: SessionDep, actor: CurrentActor
) -> None:
    """Removes your endorsement of that kind; 404 if you have none of that kind."""
    await endorsements.withdraw(session, actor, contribution_id, kind)


@router.post(
    "/domains/{slug}/value-stories",
    status_code=status.HTTP_201_CREATED,
    response_model=ValueStoryPublic,
    summary="Record a value-creation story, linked to the contributions behind it",
)
async def create_value_story(
    slug: SlugPath, data: ValueStoryCreate, session: SessionDep, actor: CurrentActor
) -> ValueStoryPublic:
    """Records how the community created value (immediate, potential, applied, realised,
    reframing), linked to the contributions behind it (active members)."""
    story = await endorsements.create_value_story(session, actor, slug, data)
    return ValueStoryPublic.model_validate(story)


@router.get(
    "/domains/{slug}/value-stories",
    response_model=Page[ValueStoryPublic],
    summary="A domain's value stories",
)
async def list_value_stories(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    cycle: ValueCycle | None = None,
) -> Page[ValueStoryPublic]:
    """The domain's value-creation stories, newest first, optionally of one cycle."""
    result = await endorsements.list_value_stories(session, actor, slug, page, cycle)
    return page_out(result, request, response, ValueStoryPublic.model_validate)


@router.get(
    "/people/{person_id}/appreciations",
    operation_id="listPersonAppreciations",
    response_model=Page[ContributionPublic],
    summary="Appreciations that name this person",
)
async def person_appreciations(
    person_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
) -> Page[ContributionPublic]:
    """Appreciations (contributions of kind `appreciation`) that name this person, from the
    domains you may read."""
    result = await listing.appreciations_for(session, actor, person_id, page)
    return page_out(result, request, response, ContributionPublic.model_validate)
