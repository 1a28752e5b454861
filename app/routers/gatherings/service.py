import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import ActorDep, CurrentActor, IfMatchDep, PageDep, SessionDep, locate, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.gatherings import (
    AttendanceInput,
    AttendancePublic,
    EditScope,
    GatheringCreate,
    GatheringPublic,
    GatheringStatus,
    GatheringUpdate,
    RsvpInput,
    RsvpList,
    RsvpPublic,
    SummaryInput,
)
from app.openapi import CREATED
from app.routers.domains import SlugPath
from app.services.gatherings import attendance, listing, public, rsvps, scheduling, series

router = APIRouter(prefix="/api/v1", tags=["gatherings"], route_class=JSONRoute)

From = Annotated[datetime | None, Query(alias="from", description="Window start (default: now)")]
To = Annotated[datetime | None, Query(alias="to", description="Window end (default: +90 days)")]
Scope = Annotated[EditScope, Query(description="`this` occurrence, or it and the `following` ones")]


@router.post(
    "/domains/{slug}/gatherings",
    status_code=status.HTTP_201_CREATED,
    response_model=GatheringPublic,
    responses={201: CREATED},
    summary="Schedule a gathering or a recurring series (convenors and core group)",
)
async def create_gathering(
    slug: SlugPath,
    data: GatheringCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> GatheringPublic:
    """Schedules a gathering, or a recurring series with an RFC 5545 `rrule` (convenors and
    core group). `start` is wall-clock time in `timezone` unless it has an offset.
    Returns the first occurrence."""
    first = await scheduling.create_gathering(session, actor, slug, data)
    locate(request, response, "get_gathering", gathering_id=first.id)
    return _shown(response, await public.get_gathering(session, actor, first.id))


def _shown(response: Response, view: public.GatheringView) -> GatheringPublic:
    return with_etag(response, public.to_public(view))


@router.get(
    "/domains/{slug}/gatherings",
    response_model=Page[GatheringPublic],
    summary="A domain's gatherings in a window, recurring series expanded",
)
async def list_domain_gatherings(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
    start: From = None,
    end: To = None,
    status: GatheringStatus | None = None,
) -> Page[GatheringPublic]:
    """The domain's gatherings between `from` and `to` (default: the next 90 days),
    recurring series expanded into occurrences, in time order."""
    result = await listing.list_domain_gatherings(
        session, actor, slug, page, start=start, end=end, status=status
    )
    return page_out(result, request, response, public.to_public)


@router.get(
    "/gatherings",
    response_model=Page[GatheringPublic],
    summary="My agenda: gatherings across my domains",
)
async def list_my_gatherings(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    start: From = None,
    end: To = None,
) -> Page[GatheringPublic]:
    """Your agenda: occurrences between `from` and `to` in every domain you are an active
    member of."""
    result = await listing.list_my_gatherings(session, actor, page, start=start, end=end)
    return page_out(result, request, response, public.to_public)


@router.get("/gatherings/{gathering_id}", response_model=GatheringPublic, summary="A gathering")
async def get_gathering(
    gathering_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> GatheringPublic:
    """One occurrence with its RSVP counts, your own RSVP and whether you may see the join
    link."""
    return _shown(response, await public.get_gathering(session, actor, gathering_id))


@router.patch(
    "/gatherings/{gathering_id}",
    response_model=GatheringPublic,
    summary="Change, move or cancel a gathering (hosts and convenors)",
)
async def update_gathering(
    gathering_id: uuid.UUID,
    data: GatheringUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
    scope: Scope = EditScope.this,
) -> GatheringPublic:
    """Changes, moves or cancels an occurrence (`scope=this`), or it and every later one of
    its series (`scope=following`, which splits the series). Hosts and convenors."""
    await series.update_gathering(session, actor, gathering_id, data, scope, if_match)
    return _shown(response, await public.get_gathering(session, actor, gathering_id))


@router.delete(
    "/gatherings/{gathering_id}",
    response_model=GatheringPublic,
    summary="Cancel a gathering (kept, shown as cancelled)",
)
async def cancel_gathering(
    gathering_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
    scope: Scope = EditScope.this,
) -> GatheringPublic:
    """Cancels an occurrence (or it and the following ones): it stays, shown as cancelled,
    and RSVPs close."""
    data = GatheringUpdate(status=GatheringStatus.cancelled)
    await series.update_gathering(session, actor, gathering_id, data, scope, if_match)
    return _shown(response, await public.get_gathering(session, actor, gathering_id))


@router.put(
    "/gatherings/{gathering_id}/rsvp",
    operation_id="setRsvp",
    response_model=RsvpPublic,
    summary="RSVP: going (waitlisted when full), maybe or declined",
)
async def rsvp(
    gathering_id: uuid.UUID, data: RsvpInput, session: SessionDep, actor: CurrentActor
) -> RsvpPublic:
    """Sets your RSVP (active members). `going` on a full gathering puts you on the
    waitlist; places free up first come, first served."""
    return RsvpPublic.model_validate(
        await rsvps.set_rsvp(session, actor, gathering_id, data.response)
    )


@router.get("/gatherings/{gathering_id}/rsvps", response_model=RsvpList, summary="RSVPs")
async def list_rsvps(gathering_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> RsvpList:
    """Hosts and convenors see every RSVP; other members see the counts and their own."""
    return await rsvps.list_rsvps(session, actor, gathering_id)


@router.delete(
    "/gatherings/{gathering_id}/rsvps/{person_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw an RSVP (yours, or anyone's for hosts); the waitlist moves up",
)
async def remove_rsvp(
    gathering_id: uuid.UUID, person_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> None:
    """Withdraws your RSVP, or (hosts and convenors) someone else's; the first on the
    waitlist moves up."""
    await rsvps.remove_rsvp(session, actor, gathering_id, person_id)


@router.post(
    "/gatherings/{gathering_id}/attendance",
    response_model=list[AttendancePublic],
    summary="Record who attended, walk-ins included (hosts); idempotent",
)
async def record_attendance(
    gathering_id: uuid.UUID, data: AttendanceInput, session: SessionDep, actor: CurrentActor
) -> list[AttendancePublic]:
    """Records who attended, walk-ins included (hosts). Recording someone twice changes
    nothing. Returns the attendance as it now stands."""
    rows = await attendance.record_attendance(session, actor, gathering_id, data.person_ids)
    return [AttendancePublic.model_validate(a) for a in rows]


@router.get(
    "/gatherings/{gathering_id}/attendance",
    response_model=list[AttendancePublic],
    summary="Who attended (respecting each person's privacy choice)",
)
async def list_attendance(
    gathering_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> list[AttendancePublic]:
    """Who attended: hosts and convenors see everyone, members themselves and those who
    chose to be shown."""
    rows = await attendance.list_attendance(session, actor, gathering_id)
    return [AttendancePublic.model_validate(a) for a in rows]


@router.post(
    "/gatherings/{gathering_id}/check-in",
    response_model=AttendancePublic,
    summary="Check yourself in during the gathering",
)
async def check_in(
    gathering_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> AttendancePublic:
    """Records your own attendance, from 15 minutes before the start until the end."""
    return AttendancePublic.model_validate(await attendance.check_in(session, actor, gathering_id))


@router.put(
    "/gatherings/{gathering_id}/summary",
    response_model=GatheringPublic,
    summary="Write the summary and outcomes; marks the gathering completed (hosts)",
)
async def write_summary(
    gathering_id: uuid.UUID,
    data: SummaryInput,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> GatheringPublic:
    """Writes the gathering's summary and outcomes and marks it completed (hosts and
    convenors)."""
    await attendance.write_summary(session, actor, gathering_id, data, if_match)
    return _shown(response, await public.get_gathering(session, actor, gathering_id))
