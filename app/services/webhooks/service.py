"""Webhook subscriptions: convenors subscribe to their domain's events, platform admins
to any domain's or to every event on the platform. The signing secret is shown once.

A subscription the caller may not manage is NotFound (it names a target URL and carries
payloads), whatever the reason."""

import base64
import secrets
import uuid
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Conflict, Forbidden, NotFound
from app.models.base import utcnow
from app.models.events import Event
from app.models.webhooks import (
    OUTSTANDING,
    SECRET_PREFIX,
    DeliveryPublic,
    DeliveryStatus,
    WebhookCreate,
    WebhookDelivery,
    WebhookPublic,
    WebhookSubscription,
    WebhookUpdate,
)
from app.services.access import domain_access, domain_accesses, managed_domains
from app.services.actors import Actor
from app.services.changes import events
from app.services.pagination import Page, PageParams, SortKey, paginate, paginate_keys
from app.services.versions import Expected, check_version
from app.services.webhooks.targets import ensure_allowed

SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _not_found(webhook_id: uuid.UUID) -> NotFound:
    return NotFound(f"No webhook {webhook_id}.")


def _public(subscription: WebhookSubscription) -> dict[str, Any]:
    return WebhookPublic.model_validate(subscription).model_dump(mode="json")


async def _can_manage(session: AsyncSession, actor: Actor, domain_id: uuid.UUID | None) -> bool:
    if domain_id is None:
        return actor.can_admin
    access = (await domain_accesses(session, actor, [domain_id])).get(domain_id)
    if access is None:
        return False
    return access.can_read_content and (access.can_manage or actor.can_admin)


async def get_webhook(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID
) -> WebhookSubscription:
    actor.require_authenticated()
    subscription = await session.get(WebhookSubscription, webhook_id)
    if subscription is None or not await _can_manage(session, actor, subscription.domain_id):
        raise _not_found(webhook_id)
    return subscription


async def _writable(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID
) -> WebhookSubscription:
    actor.require_write()
    subscription = await get_webhook(session, actor, webhook_id)
    # Before changing a subscription row, so as never to wait for the log while holding it.
    await events.lock_log(session)
    await session.refresh(subscription)
    return subscription


async def create_webhook(
    session: AsyncSession, actor: Actor, settings: Settings, data: WebhookCreate
) -> tuple[WebhookSubscription, str]:
    actor.require_write()
    domain_id: uuid.UUID | None = None
    if data.domain is None:
        if not actor.can_admin:
            raise Forbidden("Only a platform admin may subscribe to every domain's events.")
    else:
        access = await domain_access(session, actor, data.domain)
        if not (access.can_manage or actor.can_admin):
            raise Forbidden("Only a convenor of this domain (or a platform admin) may do this.")
        access.require_writable()
        domain_id = access.domain.id
    url = str(data.url)
    await ensure_allowed(url, allow_private=settings.webhooks_allow_private_targets)
    secret = data.secret or new_secret()
    subscription = WebhookSubscription(
        domain_id=domain_id,
        url=url,
        description=data.description,
        event_types=list(data.event_types),
        secret=secret,
        active=data.active,
        disabled_at=None if data.active else utcnow(),
        disabled_reason=None if data.active else "Created inactive.",
        created_by_id=actor.person_id,
        created_by_api_key_id=actor.api_key_id,
    )
    await events.lock_log(session)
    session.add(subscription)
    await events.audit(
        session,
        actor,
        "webhook.created",
        resource_type="webhook",
        resource_id=subscription.id,
        domain_id=domain_id,
        changes=events.diff(None, _public(subscription)),
    )
    await session.commit()
    return subscription, secret


async def list_webhooks(
    session: AsyncSession, actor: Actor, params: PageParams, *, domain_slug: str | None = None
) -> Page[WebhookSubscription]:
    actor.require_authenticated()
    stmt: Any = select(WebhookSubscription)
    if domain_slug is not None:
        access = await domain_access(session, actor, domain_slug)
        if not (access.can_manage or actor.can_admin):
            raise Forbidden("Only a convenor of this domain (or a platform admin) may do this.")
        stmt = stmt.where(col(WebhookSubscription.domain_id) == access.domain.id)
    else:
        stmt = stmt.where(managed_domains(actor, col(WebhookSubscription.domain_id)))
    return await paginate(
        session,
        stmt,
        created_col=col(WebhookSubscription.created_at),
        id_col=col(WebhookSubscription.id),
        params=params,
    )


async def _give_up_outstanding(
    session: AsyncSession, subscription_id: uuid.UUID, reason: str
) -> None:
    conn = await session.connection()
    await conn.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == subscription_id,
            col(WebhookDelivery.status).in_(OUTSTANDING),
        )
        .values(status=DeliveryStatus.gave_up.value, next_attempt_at=None, last_error=reason)
    )


async def update_webhook(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    expected_version: Expected = None,
) -> WebhookSubscription:
    subscription = await _writable(session, actor, webhook_id)
    check_version(subscription, expected_version, "webhook")
    before = _public(subscription)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "url" in changes:
        subscription.url = str(data.url)
        await ensure_allowed(
            subscription.url, allow_private=settings.webhooks_allow_private_targets
        )
    if "event_types" in changes:
        subscription.event_types = list(changes["event_types"])
    if "description" in changes:
        subscription.description = changes["description"]
    now = utcnow()
    if "active" in changes and changes["active"] != subscription.active:
        if changes["active"]:
            subscription.disabled_at = subscription.disabled_reason = None
            subscription.consecutive_failures = 0
        else:
            await _give_up_outstanding(session, subscription.id, "Subscription paused.")
            subscription.disabled_at = now
            subscription.disabled_reason = "Paused."
        subscription.active = changes["active"]
    subscription.updated_at = now
    session.add(subscription)
    await events.audit(
        session,
        actor,
        "webhook.updated",
        resource_type="webhook",
        resource_id=subscription.id,
        domain_id=subscription.domain_id,
        changes=events.diff(before, _public(subscription)),
    )
    await session.commit()
    return subscription


async def delete_webhook(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID, expected_version: Expected = None
) -> None:
    subscription = await _writable(session, actor, webhook_id)
    check_version(subscription, expected_version, "webhook")
    await events.audit(
        session,
        actor,
        "webhook.deleted",
        resource_type="webhook",
        resource_id=subscription.id,
        domain_id=subscription.domain_id,
        changes=None,
    )
    await session.delete(subscription)
    await session.commit()


def _delivery_public(row: Any) -> DeliveryPublic:
    delivery, event_id, event_type = row
    return DeliveryPublic(
        id=delivery.id,
        subscription_id=delivery.subscription_id,
        event_id=event_id,
        event_type=event_type,
        event_seq=delivery.event_seq,
        status=DeliveryStatus(delivery.status),
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        delivered_at=delivery.delivered_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        response_excerpt=delivery.response_excerpt,
        last_duration_ms=delivery.last_duration_ms,
        created_at=delivery.created_at,
    )


def _deliveries() -> Any:
    return select(WebhookDelivery, Event.id, Event.type).join(
        Event, col(Event.seq) == col(WebhookDelivery.event_seq)
    )


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    webhook_id: uuid.UUID,
    params: PageParams,
    *,
    status: DeliveryStatus | None = None,
) -> Page[DeliveryPublic]:
    """Newest event first."""
    subscription = await get_webhook(session, actor, webhook_id)
    stmt = _deliveries().where(col(WebhookDelivery.subscription_id) == subscription.id)
    if status is not None:
        stmt = stmt.where(col(WebhookDelivery.status) == status.value)
    return await paginate_keys(
        session,
        stmt,
        [SortKey(col(WebhookDelivery.event_seq), "int")],
        params,
        descending=True,
        values_of=lambda row: [row[0].event_seq],
        item_of=_delivery_public,
    )


async def redeliver(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryPublic:
    """Queue a delivered or abandoned delivery again, now, with a fresh set of retries.
    One still queued is refused: it may be in flight, and sending it twice at once is
    what the dispatcher's claims exist to prevent."""
    subscription = await _writable(session, actor, webhook_id)
    if not subscription.active:
        raise Conflict("This webhook is disabled; reactivate it before redelivering.")
    row = (
        await session.exec(
            _deliveries()
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookDelivery.subscription_id) == subscription.id,
            )
            .with_for_update(of=WebhookDelivery)
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"No delivery {delivery_id} for this webhook.")
    delivery = row[0]
    before = delivery.status
    if before in OUTSTANDING:
        raise Conflict(
            "This delivery is still queued; it is retried at its next_attempt_at.",
            extra={"next_attempt_at": delivery.next_attempt_at.isoformat()}
            if delivery.next_attempt_at
            else None,
        )
    delivery.status = DeliveryStatus.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.add(delivery)
    await events.audit(
        session,
        actor,
        "webhook.redelivered",
        resource_type="webhook",
        resource_id=subscription.id,
        domain_id=subscription.domain_id,
        changes={"delivery_id": str(delivery.id), "status": {"from": before, "to": "pending"}},
    )
    await session.commit()
    return _delivery_public(row)
