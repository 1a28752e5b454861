import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.deps import ActorDep, CurrentActor, SessionDep
from app.json_body import JSONRoute
from app.models.gatherings import FeedTokenCreated, FeedTokenPublic
from app.routers.domains import SlugPath
from app.services import calendars

router = APIRouter(prefix="/api/v1", tags=["calendars"], route_class=JSONRoute)

ICS = "text/calendar; charset=utf-8"
# Paths whose URL holds a credential (the feed token): their answers are private.
TOKEN_PATHS = ("/api/v1/calendar/{token}.ics",)
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed"}
}


@router.get(
    "/domains/{slug}/calendar.ics",
    response_class=Response,
    responses=_ICS_RESPONSE,
    summary="A domain's gatherings as an iCalendar feed",
)
async def domain_calendar(
    slug: SlugPath,
    session: SessionDep,
    actor: ActorDep,
    token: Annotated[
        str | None, Query(max_length=200, description="A feed token, for private domains")
    ] = None,
) -> Response:
    if token and not actor.is_authenticated:
        actor = await calendars.actor_from_feed_token(session, token)
    return Response(await calendars.domain_calendar(session, actor, slug), media_type=ICS)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses=_ICS_RESPONSE,
    summary="My gatherings, for a calendar client to subscribe to",
)
async def personal_calendar(
    token: Annotated[str, Path(max_length=128)], session: SessionDep
) -> Response:
    actor = await calendars.actor_from_feed_token(session, token)
    return Response(await calendars.personal_calendar(session, actor), media_type=ICS)


@router.post(
    "/people/me/feed-tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedTokenCreated,
    summary="Create a secret calendar link (shown once)",
)
async def create_feed_token(
    request: Request, session: SessionDep, actor: CurrentActor
) -> FeedTokenCreated:
    token, secret = await calendars.create_feed_token(session, actor)
    url = request.url_for("personal_calendar", token=secret)
    return FeedTokenCreated(
        id=token.id, token=secret, personal_feed_url=str(url), created_at=token.created_at
    )


@router.get(
    "/people/me/feed-tokens",
    response_model=list[FeedTokenPublic],
    summary="My calendar links (without their secrets), revoked ones included",
)
async def list_feed_tokens(session: SessionDep, actor: CurrentActor) -> object:
    return await calendars.list_feed_tokens(session, actor)


@router.delete(
    "/people/me/feed-tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a calendar link",
)
async def revoke_feed_token(token_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    await calendars.revoke_feed_token(session, actor, token_id)
