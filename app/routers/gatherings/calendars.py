import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.deps import ActorDep, CurrentActor, SessionDep, locate
from app.json_body import JSONRoute
from app.models.gatherings import FeedTokenCreated, FeedTokenPublic
from app.openapi import CREATED
from app.routers.domains import SlugPath
from app.services.gatherings import calendars

router = APIRouter(prefix="/api/v1", tags=["calendars"], route_class=JSONRoute)

ICS = "text/calendar; charset=utf-8"
# Paths whose URL holds a credential (the feed token): their answers are private.
TOKEN_PATHS = ("/api/v1/calendar/{token}.ics",)
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "description": "An iCalendar (RFC 5545) feed",
    }
}


@router.get(
    "/domains/{slug}/calendar.ics",
    operation_id="getDomainCalendar",
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
    """The domain's gatherings (recurring series with their exceptions) as iCalendar, for
    calendar clients. Public domains need no credential; for a private one, send a bearer
    token or a feed token (`token`) of a member. Join links appear only for active
    members."""
    if token and not actor.is_authenticated:
        actor = await calendars.actor_from_feed_token(session, token)
    return Response(await calendars.domain_calendar(session, actor, slug), media_type=ICS)


@router.get(
    "/calendar/{token}.ics",
    operation_id="getPersonalCalendar",
    response_class=Response,
    responses={
        **_ICS_RESPONSE,
        401: {"description": "The calendar link is unknown or revoked (`invalid-token`)."},
    },
    summary="My gatherings, for a calendar client to subscribe to",
)
async def personal_calendar(
    token: Annotated[str, Path(max_length=128)], session: SessionDep
) -> Response:
    """Your agenda across the domains you are an active member of, as iCalendar. The secret
    link (a feed token from `POST /api/v1/people/me/feed-tokens`) is the credential:
    calendar clients send no other. 401 if it is unknown or revoked."""
    actor = await calendars.actor_from_feed_token(session, token)
    return Response(await calendars.personal_calendar(session, actor), media_type=ICS)


@router.post(
    "/people/me/feed-tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedTokenCreated,
    responses={201: CREATED},
    summary="Create a secret calendar link (shown once)",
)
async def create_feed_token(
    request: Request, response: Response, session: SessionDep, actor: CurrentActor
) -> FeedTokenCreated:
    """Creates a secret link to your personal calendar feed. The token is shown only in this
    response; revoke it if it leaks."""
    token, secret = await calendars.create_feed_token(session, actor)
    url = request.url_for("personal_calendar", token=secret)
    locate(request, response, "revoke_feed_token", token_id=token.id)
    return FeedTokenCreated(
        id=token.id, token=secret, personal_feed_url=str(url), created_at=token.created_at
    )


@router.get(
    "/people/me/feed-tokens",
    response_model=list[FeedTokenPublic],
    summary="My calendar links (without their secrets), revoked ones included",
)
async def list_feed_tokens(session: SessionDep, actor: CurrentActor) -> list[FeedTokenPublic]:
    """Your calendar links, newest first, without their secrets (only their creation and
    revocation times)."""
    tokens = await calendars.list_feed_tokens(session, actor)
    return [FeedTokenPublic.model_validate(t) for t in tokens]


@router.delete(
    "/people/me/feed-tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a calendar link",
)
async def revoke_feed_token(token_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    """Revokes one of your calendar links: calendar clients using it get 401 from then on."""
    await calendars.revoke_feed_token(session, actor, token_id)
