"""The contribution tables: contributions and their revisions, endorsements, value
stories, collections, reports and the moderation log."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
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
from app.models.contributions.enums import (
    ContributionKind,
    ContributionStatus,
    EndorsementKind,
    ModerationAction,
    ReportStatus,
    ValueCycle,
)


class Contribution(Versioned, SQLModel, table=True):
    """A piece of the shared repertoire."""

    __tablename__ = "contributions"
    __table_args__ = (
        enum_check("kind", ContributionKind),
        enum_check("status", ContributionStatus),
        sa.Index("ix_contributions_domain_created", "domain_id", "created_at", "id"),
        sa.Index("ix_contributions_parent", "parent_id"),
        sa.Index("ix_contributions_author", "author_id"),
        sa.Index("ix_contributions_tags", "tags", postgresql_using="gin"),
        sa.Index("ix_contributions_recipients", "recipient_ids", postgresql_using="gin"),
    )

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    author_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    kind: str = SQLField(max_length=16)
    title: str | None = SQLField(default=None, max_length=300)
    body: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    url: str | None = SQLField(default=None, max_length=2000)
    tags: list[str] = text_list_field(sa.String(64))
    themes: list[str] = text_list_field(sa.String(80))
    gathering_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="gatherings.id", ondelete="SET NULL", index=True
    )
    parent_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="contributions.id", ondelete="CASCADE"
    )
    recipient_ids: list[uuid.UUID] = uuid_list_field()
    status: str = SQLField(default=ContributionStatus.published, max_length=16)
    accepted_answer_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="contributions.id", ondelete="SET NULL"
    )
    first_answer_at: datetime | None = optional_time_field()
    answer_count: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    helpful_count: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    applied_count: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    curated_at: datetime | None = optional_time_field()
    curated_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    hidden_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    edited_at: datetime | None = optional_time_field()
    version: int = version_field()


# Part of the table (so migrations and autogenerate agree) but not of the mapping: the
# ORM never loads or writes it; a trigger keeps it current.
_contributions_table: Any = Contribution.__table__  # type: ignore[attr-defined]
SEARCH_VECTOR: Any = sa.Column("search", TSVECTOR, nullable=True)
_contributions_table.append_column(SEARCH_VECTOR)
sa.Index("ix_contributions_search", SEARCH_VECTOR, postgresql_using="gin")


class ContributionRevision(SQLModel, table=True):
    """The contribution as it was before an edit."""

    __tablename__ = "contribution_revisions"
    __table_args__ = (sa.Index("ix_contribution_revisions_contribution", "contribution_id", "at"),)

    id: uuid.UUID = id_field()
    contribution_id: uuid.UUID = SQLField(foreign_key="contributions.id", ondelete="CASCADE")
    editor_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    title: str | None = SQLField(default=None, max_length=300)
    body: str = SQLField(sa_type=sa.Text)
    url: str | None = SQLField(default=None, max_length=2000)
    tags: list[str] = text_list_field(sa.String(64))
    themes: list[str] = text_list_field(sa.String(80))
    at: datetime = created_at_field()


class Endorsement(SQLModel, table=True):
    __tablename__ = "endorsements"
    __table_args__ = (
        sa.UniqueConstraint("contribution_id", "person_id", "kind", name="uq_endorsements_once"),
        enum_check("kind", EndorsementKind),
        sa.Index("ix_endorsements_person", "person_id"),
    )

    id: uuid.UUID = id_field()
    contribution_id: uuid.UUID = SQLField(foreign_key="contributions.id", ondelete="CASCADE")
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    kind: str = SQLField(max_length=16)
    note: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    created_at: datetime = created_at_field()


class ValueStory(SQLModel, table=True):
    __tablename__ = "value_stories"
    __table_args__ = (
        enum_check("cycle", ValueCycle),
        sa.Index("ix_value_stories_domain_created", "domain_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    author_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    cycle: str = SQLField(max_length=16)
    title: str = SQLField(max_length=300)
    story: str = SQLField(sa_type=sa.Text)
    contribution_ids: list[uuid.UUID] = uuid_list_field()
    endorsement_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="endorsements.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()


class Collection(Versioned, SQLModel, table=True):
    __tablename__ = "collections"
    __table_args__ = (sa.Index("ix_collections_domain_created", "domain_id", "created_at", "id"),)

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    title: str = SQLField(max_length=200)
    description: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    version: int = version_field()


class CollectionItem(SQLModel, table=True):
    __tablename__ = "collection_items"
    __table_args__ = (
        sa.UniqueConstraint("collection_id", "contribution_id", name="uq_collection_items_once"),
        sa.Index("ix_collection_items_order", "collection_id", "position"),
    )

    id: uuid.UUID = id_field()
    collection_id: uuid.UUID = SQLField(foreign_key="collections.id", ondelete="CASCADE")
    contribution_id: uuid.UUID = SQLField(foreign_key="contributions.id", ondelete="CASCADE")
    position: int
    note: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    created_at: datetime = created_at_field()


class Report(SQLModel, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        enum_check("status", ReportStatus),
        sa.Index("ix_reports_domain_status", "domain_id", "status", "created_at"),
    )

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    contribution_id: uuid.UUID = SQLField(foreign_key="contributions.id", ondelete="CASCADE")
    reporter_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    reason: str = SQLField(sa_type=sa.Text)
    status: str = SQLField(default=ReportStatus.open, max_length=16)
    resolved_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    resolution_note: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    created_at: datetime = created_at_field()
    resolved_at: datetime | None = optional_time_field()


class ModerationEvent(SQLModel, table=True):
    """Who did what to a contribution, and when: append-only."""

    __tablename__ = "moderation_events"
    __table_args__ = (
        enum_check("action", ModerationAction),
        sa.Index("ix_moderation_events_contribution", "contribution_id", "at"),
    )

    id: uuid.UUID = id_field()
    contribution_id: uuid.UUID = SQLField(foreign_key="contributions.id", ondelete="CASCADE")
    actor_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    action: str = SQLField(max_length=24)
    reason: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    at: datetime = created_at_field()
