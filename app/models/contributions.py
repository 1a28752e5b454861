import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    UrlConstraints,
)
from pydantic.config import JsonDict
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
from app.models.common import Input
from app.models.people import TagList


class ContributionKind(StrEnum):
    story = "story"
    lesson = "lesson"
    question = "question"
    answer = "answer"
    resource = "resource"
    success = "success"
    challenge = "challenge"
    appreciation = "appreciation"
    practice = "practice"
    reply = "reply"


UNTITLED_KINDS = {ContributionKind.answer, ContributionKind.reply}


class ContributionStatus(StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class EndorsementKind(StrEnum):
    helpful = "helpful"
    applied = "applied"


class ValueCycle(StrEnum):
    immediate = "immediate"
    potential = "potential"
    applied = "applied"
    realized = "realized"
    reframing = "reframing"


class ReportStatus(StrEnum):
    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


class ModerationAction(StrEnum):
    hidden = "hidden"
    restored = "restored"
    archived = "archived"
    curated = "curated"
    uncurated = "uncurated"
    report_resolved = "report_resolved"
    report_dismissed = "report_dismissed"


class ContributionSort(StrEnum):
    newest = "newest"
    most_endorsed = "most_endorsed"
    most_reused = "most_reused"


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


# Data models

MAX_BODY = 100_000
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY)]
ThemeList = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]],
    Field(max_length=20),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
# http(s) only, and no longer than the column holds.
Url = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]


def _once(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


Recipients = Annotated[list[uuid.UUID], Field(max_length=50), AfterValidator(_once)]

_EXAMPLE: JsonDict = {
    "kind": "question",
    "title": "How do you open a conversation about stopping treatment?",
    "body": "A family keeps asking for *one more* round. What words have worked for you?",
    "tags": ["family conversations", "end of treatment"],
    "themes": ["family conversations"],
}


class ContributionCreate(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    kind: ContributionKind
    title: Title | None = None
    body: Body = ""
    url: Url | None = Field(default=None, description="http(s); required for resources")
    tags: Annotated[TagList, Field(max_length=20)] = []
    themes: ThemeList = []
    gathering_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = Field(
        default=None, description="The question an answer answers, or what a reply replies to"
    )
    recipient_ids: Recipients = Field(default=[], description="People an appreciation thanks")
    status: ContributionStatus = ContributionStatus.published


class ContributionUpdate(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Edited body"}]})

    title: Title | None = None
    body: Body | None = None
    url: Url | None = None
    tags: Annotated[TagList, Field(max_length=20)] | None = None
    themes: ThemeList | None = None
    status: ContributionStatus | None = Field(
        default=None, description="Publish a draft (`published`), or archive"
    )


class ContributionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    domain_id: uuid.UUID
    author_id: uuid.UUID | None
    kind: ContributionKind
    title: str | None
    body: str = Field(description="Markdown as written; render it with a sanitizing renderer")
    url: str | None
    tags: list[str]
    themes: list[str]
    gathering_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    recipient_ids: list[uuid.UUID]
    status: ContributionStatus
    accepted_answer_id: uuid.UUID | None
    first_answer_at: datetime | None
    answer_count: int
    helpful_count: int
    applied_count: int
    curated_at: datetime | None
    hidden_at: datetime | None
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None
    version: int = Field(
        description="Send it back in If-Match (quoted) to change this contribution; "
        "endorsements and answers change it too"
    )


class RevisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    editor_id: uuid.UUID | None
    title: str | None
    body: str
    url: str | None
    tags: list[str]
    themes: list[str]
    at: datetime


class AcceptInput(Input):
    answer_id: uuid.UUID


class EndorsementInput(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "applied", "note": "Used the script on my ward; calmer talks."}]
        }
    )

    kind: EndorsementKind
    note: Annotated[str, StringConstraints(max_length=10_000)] = ""


class EndorsementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    contribution_id: uuid.UUID
    person_id: uuid.UUID
    kind: EndorsementKind
    note: str
    created_at: datetime


class ValueStoryCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cycle": "realized",
                    "title": "Fewer crisis calls",
                    "story": "After adopting the family-meeting guide, weekend calls halved.",
                    "contribution_ids": [],
                }
            ]
        }
    )

    cycle: ValueCycle
    title: Title
    story: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY)]
    contribution_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = []


class ValueStoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    domain_id: uuid.UUID
    author_id: uuid.UUID | None
    cycle: ValueCycle
    title: str
    story: str
    contribution_ids: list[uuid.UUID]
    endorsement_id: uuid.UUID | None
    created_at: datetime


class CollectionCreate(Input):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=10_000)] = ""


class CollectionUpdate(Input):
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class CollectionItemInput(Input):
    contribution_id: uuid.UUID
    note: Annotated[str, StringConstraints(max_length=5000)] = ""
    position: Annotated[int, Field(ge=0, le=10_000)] | None = Field(
        default=None, description="0-based place in the collection; default: at the end"
    )


class CollectionItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    contribution_id: uuid.UUID
    position: int
    note: str
    created_at: datetime


class CollectionPublic(BaseModel):
    id: uuid.UUID
    domain_id: uuid.UUID
    title: str
    description: str
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Send it back in If-Match (quoted) to change this collection")
    items: list[CollectionItemPublic]


class ReportCreate(Input):
    reason: Reason


class ReportResolve(Input):
    status: ReportStatus = Field(description="`resolved` or `dismissed`")
    note: Annotated[str, StringConstraints(max_length=5000)] = ""
    hide: bool = Field(default=False, description="Also hide the reported contribution")


class ReportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    domain_id: uuid.UUID
    contribution_id: uuid.UUID
    reporter_id: uuid.UUID | None
    reason: str
    status: ReportStatus
    resolved_by_id: uuid.UUID | None
    resolution_note: str
    created_at: datetime
    resolved_at: datetime | None


class ModerationInput(Input):
    reason: Annotated[str, StringConstraints(max_length=5000)] = ""


class ModerationEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    actor_id: uuid.UUID | None
    action: ModerationAction
    reason: str
    at: datetime


class SearchHit(BaseModel):
    contribution: ContributionPublic
    rank: float
    snippet_html: str = Field(
        description="HTML-escaped excerpt with matches in <mark>…</mark>; safe to render"
    )
