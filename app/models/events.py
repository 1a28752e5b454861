"""The event log (the webhook outbox and change log) and the audit log.

Both are written in the same transaction as the change they describe, so a change never
commits without its event and audit row, nor an event without its change."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field

# Every event type a change can emit, by resource. Subscriptions may name a type, a
# resource's wildcard (`membership.*`) or `*`.
EVENT_TYPES: dict[str, str] = {
    "domain.created": "A domain was created.",
    "domain.updated": "A domain's charter or settings changed.",
    "domain.archived": "A domain was archived (a tombstone: it can no longer change).",
    "membership.requested": "Someone asked to join a domain.",
    "membership.invited": "A convenor invited someone.",
    "membership.joined": "Someone joined (or rejoined, or accepted an invitation).",
    "membership.approved": "A convenor approved a request to join.",
    "membership.declined": "An invitation or a request to join was declined.",
    "membership.left": "A member left.",
    "membership.removed": "A convenor removed a member or withdrew an invitation.",
    "membership.role_changed": "A member's roles changed.",
    "gathering.scheduled": "A gathering (or a recurring series) was scheduled.",
    "gathering.changed": "A gathering's time, place or agenda changed.",
    "gathering.cancelled": "A gathering was cancelled.",
    "gathering.completed": "A gathering took place and its summary was written.",
    "rsvp.created": "Someone answered an invitation to a gathering.",
    "rsvp.changed": "Someone changed their answer, or moved up from the waitlist.",
    "rsvp.withdrawn": "Someone withdrew their answer (a tombstone).",
    "attendance.recorded": "Attendance at a gathering was recorded or checked in.",
    "contribution.created": "A contribution was published to the shared repertoire.",
    "contribution.updated": "A contribution was edited.",
    "contribution.archived": "A contribution was archived (a tombstone).",
    "contribution.answered": "A question received an answer.",
    "contribution.accepted": "An answer was accepted.",
    "contribution.curated": "A knowledge broker curated (or uncurated) a contribution.",
    "contribution.hidden": "A moderator hid (or restored) a contribution.",
    "endorsement.created": "Someone endorsed a contribution.",
    "endorsement.withdrawn": "Someone withdrew an endorsement (a tombstone).",
    "value_story.created": "A value story was linked to contributions.",
}

RESOURCE_TYPES = sorted({t.split(".", 1)[0] for t in EVENT_TYPES})


class Event(SQLModel, table=True):
    """One change to one resource. `seq` grows in commit order (writers serialise on an
    advisory lock while they append), so `seq > cursor` never skips a committed change:
    the change feed and the webhook dispatcher both read in `seq` order."""

    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_resource", "resource_type", "resource_id", "seq"),
        sa.Index("ix_events_domain_seq", "domain_id", "seq"),
    )

    seq: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    type: str = Field(max_length=64)
    occurred_at: datetime = created_at_field()
    # No foreign keys: the log outlives the people, keys and domains it mentions.
    domain_id: uuid.UUID | None = None
    actor_person_id: uuid.UUID | None = None
    actor_api_key_id: uuid.UUID | None = None
    resource_type: str = Field(max_length=32)
    resource_id: uuid.UUID
    payload: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    # Whether the event removes its resource (app/services/tombstones.py), for SQL readers.
    tombstone: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class AuditEntry(SQLModel, table=True):
    """Who did what to which resource, from which request. Append-only: no endpoint
    changes it, and a trigger refuses UPDATE."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_domain_id", "domain_id", "id"),
        sa.Index("ix_audit_log_actor_person", "actor_person_id", "id"),
        sa.Index("ix_audit_log_at", "at"),
    )

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    )
    at: datetime = created_at_field()
    actor_person_id: uuid.UUID | None = None
    actor_api_key_id: uuid.UUID | None = None
    action: str = Field(max_length=64)
    resource_type: str = Field(max_length=32)
    resource_id: uuid.UUID
    domain_id: uuid.UUID | None = None
    changes: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB))
    request_id: str | None = Field(default=None, max_length=128)
    event_id: uuid.UUID | None = None


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_person_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: uuid.UUID
    domain_id: uuid.UUID | None
    changes: dict[str, Any] | None
    request_id: str | None
    event_id: uuid.UUID | None


__all__ = ["EVENT_TYPES", "RESOURCE_TYPES", "AuditEntry", "AuditEntryPublic", "Event"]
