"""Webhook subscriptions and the deliveries of events to them."""

import base64
import binascii
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.models.base import (
    Versioned,
    created_at_field,
    enum_check,
    id_field,
    optional_time_field,
    text_list_field,
    updated_at_field,
    version_field,
)
from app.models.common import Input
from app.models.domains import Slug
from app.models.events import EVENT_TYPES, RESOURCE_TYPES

SECRET_PREFIX = "whsec_"


class DeliveryStatus(StrEnum):
    pending = "pending"  # not tried yet (or queued again by hand)
    failed = "failed"  # tried, failed, will be retried
    delivered = "delivered"
    gave_up = "gave_up"  # no more retries (exhausted, 410 Gone, or subscription disabled)


OUTSTANDING = (DeliveryStatus.pending.value, DeliveryStatus.failed.value)


class WebhookSubscription(Versioned, SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        sa.CheckConstraint("consecutive_failures >= 0", name="failures_not_negative"),
    )

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="domains.id", ondelete="CASCADE", index=True
    )
    url: str = SQLField(sa_type=sa.Text)
    description: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    event_types: list[str] = text_list_field(sa.String(64))
    # Kept as given: signing needs the key itself, so it cannot be hashed.
    secret: str = SQLField(max_length=128)
    active: bool = SQLField(default=True, sa_column_kwargs={"server_default": sa.true()})
    consecutive_failures: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    last_success_at: datetime | None = optional_time_field()
    last_failure_at: datetime | None = optional_time_field()
    disabled_at: datetime | None = optional_time_field()
    disabled_reason: str | None = SQLField(default=None, max_length=200)
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_by_api_key_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="api_keys.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    version: int = version_field()


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription. `attempts` doubles as a claim version: a dispatcher
    records its result only if no one has claimed the delivery since."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint(
            "subscription_id", "event_seq", name="uq_webhook_deliveries_subscription_event"
        ),
        enum_check("status", DeliveryStatus),
        sa.Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("status IN ('pending', 'failed')"),
        ),
        sa.Index(
            "ix_webhook_deliveries_outstanding",
            "subscription_id",
            "event_seq",
            postgresql_where=sa.text("status IN ('pending', 'failed')"),
        ),
        sa.Index("ix_webhook_deliveries_subscription_created", "subscription_id", "created_at"),
    )

    id: uuid.UUID = id_field()
    subscription_id: uuid.UUID = SQLField(
        foreign_key="webhook_subscriptions.id", ondelete="CASCADE"
    )
    event_seq: int = SQLField(sa_type=sa.BigInteger, foreign_key="events.seq", ondelete="CASCADE")
    status: str = SQLField(default=DeliveryStatus.pending, max_length=16)
    attempts: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime | None = optional_time_field()
    last_attempt_at: datetime | None = optional_time_field()
    delivered_at: datetime | None = optional_time_field()
    last_status_code: int | None = None
    last_error: str | None = SQLField(default=None, max_length=500)
    response_excerpt: str | None = SQLField(default=None, sa_type=sa.Text)
    last_duration_ms: int | None = None
    created_at: datetime = created_at_field()


def _check_event_type(value: str) -> str:
    if value == "*" or value in EVENT_TYPES:
        return value
    if value.endswith(".*") and value[:-2] in RESOURCE_TYPES:
        return value
    raise ValueError(
        "an event type (for example membership.joined), a resource wildcard "
        "(membership.*) or * for everything"
    )


def _check_secret(value: str) -> str:
    if not value.startswith(SECRET_PREFIX):
        raise ValueError(f"a secret starts with '{SECRET_PREFIX}'")
    try:
        key = base64.b64decode(value[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"after '{SECRET_PREFIX}', a secret is base64") from exc
    if not 24 <= len(key) <= 64:
        raise ValueError("a secret holds 24 to 64 bytes")
    return value


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


EventTypePattern = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_event_type)
]
EventTypes = Annotated[
    list[EventTypePattern], Field(min_length=1, max_length=50), AfterValidator(_dedupe)
]
Secret = Annotated[str, StringConstraints(max_length=128), AfterValidator(_check_secret)]
TargetUrl = Annotated[HttpUrl, Field(description="http(s) URL that receives the events.")]
Description = Annotated[str, StringConstraints(max_length=500)]


class WebhookCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://lms.example.org/hooks/cop",
                    "domain": "palliative-care-nurses",
                    "event_types": ["membership.*", "gathering.scheduled"],
                    "description": "Keep course enrolments in step",
                }
            ]
        }
    )

    url: TargetUrl
    domain: Slug | None = Field(
        default=None, description="The domain whose events to send; omit for platform-wide."
    )
    event_types: EventTypes = ["*"]
    description: Description = ""
    secret: Secret | None = Field(
        default=None,
        description="`whsec_` + base64 of 24 to 64 random bytes; generated when omitted.",
    )
    active: bool = True


class WebhookUpdate(Input):
    """All optional; only the fields sent change. Reactivating clears the failure count."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"active": True}]})

    url: TargetUrl | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    active: bool | None = None


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    domain_id: uuid.UUID | None
    url: str
    description: str
    event_types: list[str]
    active: bool
    consecutive_failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    disabled_at: datetime | None
    disabled_reason: str | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        description="Send it back in If-Match (quoted) to change this webhook; delivery "
        "statistics (failures, last success) do not change it"
    )


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret. It is shown once, on creation.")


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    event_seq: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    response_excerpt: str | None
    last_duration_ms: int | None
    created_at: datetime
