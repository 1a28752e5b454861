import uuid

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentActor, PageDep, SessionDep, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.contributions import (
    ContributionPublic,
    ModerationEventPublic,
    ModerationInput,
    ReportCreate,
    ReportPublic,
    ReportResolve,
    ReportStatus,
)
from app.routers.domains import SlugPath
from app.services.contributions import moderation

router = APIRouter(prefix="/api/v1", tags=["moderation"], route_class=JSONRoute)


@router.post(
    "/contributions/{contribution_id}/reports",
    operation_id="reportContribution",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportPublic,
    summary="Report a contribution to the convenors (members)",
)
async def report(
    contribution_id: uuid.UUID, data: ReportCreate, session: SessionDep, actor: CurrentActor
) -> ReportPublic:
    """Reports a contribution to the domain's convenors, with a reason (active members)."""
    return ReportPublic.model_validate(
        await moderation.report(session, actor, contribution_id, data)
    )


@router.get(
    "/domains/{slug}/reports",
    response_model=Page[ReportPublic],
    summary="Reports in a domain (convenors); open ones by default",
)
async def list_reports(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    status: ReportStatus | None = ReportStatus.open,
) -> Page[ReportPublic]:
    """The domain's reports, open ones unless `status` says otherwise (convenors)."""
    result = await moderation.list_reports(session, actor, slug, page, status)
    return page_out(result, request, response, ReportPublic.model_validate)


@router.post(
    "/reports/{report_id}/resolve", response_model=ReportPublic, summary="Resolve or dismiss"
)
async def resolve_report(
    report_id: uuid.UUID, data: ReportResolve, session: SessionDep, actor: CurrentActor
) -> ReportPublic:
    """Closes a report as resolved or dismissed, with a note (convenors)."""
    found = await moderation.resolve_report(session, actor, report_id, data)
    return ReportPublic.model_validate(found)


@router.post(
    "/contributions/{contribution_id}/hide",
    operation_id="hideContribution",
    response_model=ContributionPublic,
    summary="Hide a contribution from members (convenors); it is kept",
)
async def hide(
    contribution_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    data: ModerationInput | None = None,
) -> ContributionPublic:
    """Hides a contribution from members, with an optional reason (convenors). It is kept,
    and moderators still see it."""
    reason = data.reason if data else ""
    found = await moderation.set_hidden(session, actor, contribution_id, True, reason)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.post(
    "/contributions/{contribution_id}/restore",
    operation_id="restoreContribution",
    response_model=ContributionPublic,
    summary="Show a hidden contribution again (convenors)",
)
async def restore(
    contribution_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    data: ModerationInput | None = None,
) -> ContributionPublic:
    """Shows a hidden contribution again (convenors)."""
    reason = data.reason if data else ""
    found = await moderation.set_hidden(session, actor, contribution_id, False, reason)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.get(
    "/contributions/{contribution_id}/moderation",
    operation_id="getModerationLog",
    response_model=list[ModerationEventPublic],
    summary="Who moderated or curated a contribution, and when (convenors)",
)
async def moderation_log(
    contribution_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> list[ModerationEventPublic]:
    """Every hide, restore and curation of a contribution, with who did it and when
    (convenors)."""
    rows = await moderation.moderation_log(session, actor, contribution_id)
    return [ModerationEventPublic.model_validate(e) for e in rows]
