"""The stored gatherings: series, occurrences, RSVPs, attendance and calendar-feed tokens."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
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
    uuid_list_field,
    version_field,
)
from app.models.gatherings.enums import AttendanceSource, GatheringStatus, Modality, RsvpStatus


def _agenda_column() -> Any:
    return SQLField(
        default_factory=list,
        sa_type=JSONB,
        sa_column_kwargs={"server_default": sa.text("'[]'::jsonb")},
        nullable=False,
    )


class GatheringSeries(SQLModel, table=True):
    """What a recurring gathering (or a one-off, with no rule) was planned as. Each
    occurrence copies these fields when it is generated and may then diverge."""

    __tablename__ = "gathering_series"
    __table_args__ = (sa.Index("ix_gathering_series_domain", "domain_id"),)

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    rrule: str | None = SQLField(default=None, max_length=500)
    dtstart: datetime = SQLField(sa_type=sa.DateTime(timezone=True))
    timezone: str = SQLField(max_length=64)
    duration_minutes: int
    rotation_host_ids: list[uuid.UUID] = uuid_list_field()
    sequence: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Gathering(Versioned, SQLModel, table=True):
    """One occurrence: the thing people RSVP to, attend and summarise."""

    __tablename__ = "gatherings"
    __table_args__ = (
        enum_check("modality", Modality),
        enum_check("status", GatheringStatus),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.UniqueConstraint("series_id", "original_start", name="uq_gatherings_series_original"),
        sa.Index("ix_gatherings_domain_start", "domain_id", "start_at", "id"),
        sa.Index("ix_gatherings_start", "start_at", "id"),
        sa.Index("ix_gatherings_host_ids", "host_ids", postgresql_using="gin"),
    )

    id: uuid.UUID = id_field()
    series_id: uuid.UUID = SQLField(foreign_key="gathering_series.id", ondelete="CASCADE")
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    sequence_index: int = SQLField(default=0)
    original_start: datetime = SQLField(sa_type=sa.DateTime(timezone=True))
    start_at: datetime = SQLField(sa_type=sa.DateTime(timezone=True))
    duration_minutes: int
    timezone: str = SQLField(max_length=64)
    title: str = SQLField(max_length=200)
    theme: str = SQLField(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    guiding_question: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    description: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    modality: str = SQLField(max_length=16)
    location: str = SQLField(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    join_url: str | None = SQLField(default=None, max_length=2000)
    capacity: int | None = None
    host_ids: list[uuid.UUID] = uuid_list_field()
    agenda: list[dict[str, Any]] = _agenda_column()
    status: str = SQLField(default=GatheringStatus.scheduled, max_length=16)
    is_exception: bool = SQLField(default=False, sa_column_kwargs={"server_default": sa.false()})
    summary: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    decisions: list[str] = text_list_field()
    follow_ups: list[str] = text_list_field()
    summary_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    summary_at: datetime | None = optional_time_field()
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    version: int = version_field()


class Rsvp(SQLModel, table=True):
    __tablename__ = "rsvps"
    __table_args__ = (
        sa.UniqueConstraint("gathering_id", "person_id", name="uq_rsvps_gathering_person"),
        enum_check("status", RsvpStatus),
        sa.Index("ix_rsvps_gathering_status", "gathering_id", "status", "queued_at"),
        sa.Index("ix_rsvps_person", "person_id"),
    )

    id: uuid.UUID = id_field()
    gathering_id: uuid.UUID = SQLField(foreign_key="gatherings.id", ondelete="CASCADE")
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    status: str = SQLField(max_length=16)
    queued_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Attendance(SQLModel, table=True):
    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("gathering_id", "person_id", name="uq_attendance_gathering_person"),
        enum_check("source", AttendanceSource),
        sa.Index("ix_attendance_person", "person_id"),
    )

    id: uuid.UUID = id_field()
    gathering_id: uuid.UUID = SQLField(foreign_key="gatherings.id", ondelete="CASCADE")
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    source: str = SQLField(max_length=16)
    walk_in: bool = SQLField(default=False, sa_column_kwargs={"server_default": sa.false()})
    recorded_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()


class FeedToken(SQLModel, table=True):
    """A secret for calendar subscriptions: calendar clients cannot send headers."""

    __tablename__ = "feed_tokens"

    id: uuid.UUID = id_field()
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE", index=True)
    token_hash: str = SQLField(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = optional_time_field()
