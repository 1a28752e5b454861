import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.deps import CurrentActor, IfMatchDep, PageDep, SessionDep, SettingsDep, locate, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.webhooks import (
    DeliveryPublic,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)
from app.openapi import CREATED
from app.services.webhooks import service as webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], route_class=JSONRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses={201: CREATED},
    summary="Subscribe to a domain's events (convenors) or to all (admins); secret shown once",
)
async def create_webhook(
    data: WebhookCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
) -> WebhookCreated:
    """Subscribes an HTTPS endpoint to a domain's events (convenors) or to every event
    (platform admins). Deliveries are signed (Standard Webhooks) with the secret shown
    only in this response."""
    subscription, secret = await webhooks.create_webhook(session, actor, settings, data)
    locate(request, response, "get_webhook", webhook_id=subscription.id)
    created = WebhookCreated(
        **WebhookPublic.model_validate(subscription).model_dump(), secret=secret
    )
    return with_etag(response, created)


@router.get("", response_model=Page[WebhookPublic], summary="Webhooks I manage")
async def list_webhooks(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    domain: Annotated[str | None, Query(max_length=64, description="Only this domain's")] = None,
) -> Page[WebhookPublic]:
    """The webhooks you manage, optionally of one domain."""
    result = await webhooks.list_webhooks(session, actor, page, domain_slug=domain)
    return page_out(result, request, response, WebhookPublic.model_validate)


@router.get("/{webhook_id}", response_model=WebhookPublic, summary="A webhook (no secret)")
async def get_webhook(
    webhook_id: uuid.UUID, response: Response, session: SessionDep, actor: CurrentActor
) -> WebhookPublic:
    """One webhook, without its secret."""
    subscription = await webhooks.get_webhook(session, actor, webhook_id)
    return with_etag(response, WebhookPublic.model_validate(subscription))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookPublic,
    summary="Change a webhook; `active: true` re-enables a disabled one",
)
async def update_webhook(
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    settings: SettingsDep,
    if_match: IfMatchDep,
) -> WebhookPublic:
    """Changes a webhook's URL, events or description; `active: true` re-enables one that
    was disabled after repeated failures."""
    subscription = await webhooks.update_webhook(
        session, actor, settings, webhook_id, data, if_match
    )
    return with_etag(response, WebhookPublic.model_validate(subscription))


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a webhook")
async def delete_webhook(
    webhook_id: uuid.UUID, session: SessionDep, actor: CurrentActor, if_match: IfMatchDep
) -> None:
    """Deletes a webhook, and its deliveries with it."""
    await webhooks.delete_webhook(session, actor, webhook_id, if_match)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryPublic],
    summary="The delivery log: attempts, status codes, times, response excerpts",
)
async def list_deliveries(
    webhook_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    status: DeliveryStatus | None = None,
) -> Page[DeliveryPublic]:
    """A webhook's deliveries, newest event first: attempts, status codes, times and
    response excerpts."""
    result = await webhooks.list_deliveries(session, actor, webhook_id, page, status=status)
    return page_out(result, request, response, lambda d: d)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryPublic,
    summary="Send a delivered or abandoned delivery again",
)
async def redeliver(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> DeliveryPublic:
    """Queues a delivered or abandoned delivery again, now, with a fresh set of retries. One
    still queued is refused (409)."""
    return await webhooks.redeliver(session, actor, webhook_id, delivery_id)
