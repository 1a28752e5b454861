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
from app.models.common import Input, described_values, descriptions_from
from app.models.people import TagList


@described_values(
    story="An experience from practice, told as it happened.",
    lesson="A lesson learned.",
    question="A request for help or information; answers answer it.",
    answer="An answer to a question (its parent).",
    resource="A resource or tool, with its link.",
    success="A success worth celebrating.",
    challenge="A challenge met in practice.",
    appreciation="Thanks to members by name (its recipients).",
    practice="A way of addressing a recurring problem.",
    reply="A reply to another contribution (its parent).",
)
class ContributionKind(StrEnum):
    """What a contribution to the shared repertoire is."""

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


@described_values(
    draft="Only its author sees it, until it is published.",
    published="Members of the domain read it.",
    archived="Kept and readable, but no longer listed, changed, answered or replied to.",
)
class ContributionStatus(StrEnum):
    """Where a contribution stands: a draft, published, or archived."""

    draft = "draft"
    published = "published"
    archived = "archived"


@described_values(
    helpful="It helped me.",
    applied="I applied it in my own practice.",
)
class EndorsementKind(StrEnum):
    """What an endorsement of a contribution says."""

    helpful = "helpful"
    applied = "applied"


@described_values(
    immediate="An activity was useful in itself.",
    potential="It built knowledge capital: skills, relationships, resources, reputation.",
    applied="A practice was changed using it.",
    realized="A measurable outcome followed.",
    reframing="Goals or criteria of success were redefined.",
)
class ValueCycle(StrEnum):
    """A cycle of value creation (Wenger, Trayner and de Laat, 2011)."""

    immediate = "immediate"
    potential = "potential"
    applied = "applied"
    realized = "realized"
    reframing = "reframing"


@described_values(
    open="Waiting for a convenor.",
    resolved="A convenor acted on it.",
    dismissed="A convenor found nothing to act on.",
)
class ReportStatus(StrEnum):
    """Where a report stands."""

    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


@described_values(
    hidden="Hidden from members.",
    restored="Shown again after being hidden.",
    archived="Archived.",
    curated="Marked as curated.",
    uncurated="No longer marked as curated.",
    report_resolved="A report on it was resolved.",
    report_dismissed="A report on it was dismissed.",
)
class ModerationAction(StrEnum):
    """What a moderator or curator did to a contribution."""

    hidden = "hidden"
    restored = "restored"
    archived = "archived"
    curated = "curated"
    uncurated = "uncurated"
    report_resolved = "report_resolved"
    report_dismissed = "report_dismissed"


@described_values(
    newest="Newest first.",
    most_endorsed="Most endorsements (helpful and applied) first, then newest.",
    most_reused="Most `applied` endorsements first, then newest.",
)
class ContributionSort(StrEnum):
    """The order of a list of contributions."""

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
Tags = Annotated[TagList, Field(max_length=20)]
CollectionTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Description = Annotated[str, StringConstraints(max_length=10_000)]
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
    """A new contribution to a domain's shared repertoire."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    kind: ContributionKind = Field(description="What it is.")
    title: Title | None = Field(
        default=None, description="Its title; required except for answers and replies."
    )
    body: Body = Field(default="", description="The text, in Markdown.")
    url: Url | None = Field(
        default=None, description="A link (http or https); required for resources."
    )
    tags: Tags = Field(
        default=[], description="Free tags: at most 20, stored lowercase, each once."
    )
    themes: ThemeList = Field(
        default=[], description="Themes it works on, from the domain's themes (at most 20)."
    )
    gathering_id: uuid.UUID | None = Field(
        default=None, description="The gathering of the domain it came from, if any."
    )
    parent_id: uuid.UUID | None = Field(
        default=None, description="The question an answer answers, or what a reply replies to."
    )
    recipient_ids: Recipients = Field(default=[], description="The members an appreciation thanks.")
    status: ContributionStatus = Field(
        default=ContributionStatus.published,
        description="`published` (the default) shares it; `draft` keeps it to yourself.",
    )


@descriptions_from(ContributionCreate)
class ContributionUpdate(Input):
    """Changes to your contribution: only the fields sent are changed; the previous version
    is kept as a revision."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"body": "Edited body"}]})

    title: Title | None = None
    body: Body | None = None
    url: Url | None = None
    tags: Tags | None = None
    themes: ThemeList | None = None
    status: ContributionStatus | None = Field(
        default=None, description="Publish a draft (`published`), or archive it."
    )


@descriptions_from(ContributionCreate)
class ContributionPublic(BaseModel):
    """A contribution to a domain's shared repertoire: a story, a lesson, a question or an
    answer, a resource, a success, a challenge, an appreciation, a practice or a reply."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The contribution's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    author_id: uuid.UUID | None = Field(
        description="Who wrote it; null if an integration (an API key) did."
    )
    kind: ContributionKind
    title: str | None
    body: str = Field(description="Markdown as written; render it with a sanitizing renderer.")
    url: str | None
    tags: list[str]
    themes: list[str]
    gathering_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    recipient_ids: list[uuid.UUID]
    status: ContributionStatus = Field(description="Whether it is a draft, published or archived.")
    accepted_answer_id: uuid.UUID | None = Field(
        description="For a question: the answer its asker accepted; null if none."
    )
    first_answer_at: datetime | None = Field(
        description="For a question: when someone other than the asker first answered it; "
        "null until then."
    )
    answer_count: int = Field(
        description="For a question: its answers members can see (published, not hidden)."
    )
    helpful_count: int = Field(description="How many people found it helpful.")
    applied_count: int = Field(description="How many people applied it in their practice.")
    curated_at: datetime | None = Field(
        description="When a knowledge broker or convenor marked it as curated; null if not."
    )
    hidden_at: datetime | None = Field(
        description="When a convenor hid it from members; null while it is shown."
    )
    created_at: datetime = Field(description="When it was created.")
    updated_at: datetime = Field(description="When it last changed, endorsements included.")
    edited_at: datetime | None = Field(description="When its author last edited it; null if never.")
    version: int = Field(
        description="Send it back in If-Match (quoted) to change this contribution; "
        "endorsements and answers change it too."
    )


@descriptions_from(ContributionCreate)
class RevisionPublic(BaseModel):
    """A contribution as it was before an edit."""

    model_config = ConfigDict(from_attributes=True)

    editor_id: uuid.UUID | None = Field(
        description="Who made the edit that replaced this version; null if an integration "
        "(an API key) did."
    )
    title: str | None
    body: str
    url: str | None
    tags: list[str]
    themes: list[str]
    at: datetime = Field(description="When the edit replaced it.")


class AcceptInput(Input):
    answer_id: uuid.UUID = Field(description="The answer to accept.")


class EndorsementInput(Input):
    """An endorsement: a contribution helped you, or you applied it in your practice."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "applied", "note": "Used the script on my ward; calmer talks."}]
        }
    )

    kind: EndorsementKind = Field(description="What the endorsement says.")
    note: Annotated[str, StringConstraints(max_length=10_000)] = Field(
        default="",
        description="What it did for you. On an `applied` endorsement a note also records an "
        "`applied` value story.",
    )


@descriptions_from(EndorsementInput)
class EndorsementPublic(BaseModel):
    """A person's endorsement of a contribution."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The endorsement's id.")
    contribution_id: uuid.UUID = Field(description="The endorsed contribution's id.")
    person_id: uuid.UUID = Field(description="Who endorsed it.")
    kind: EndorsementKind
    note: str = Field(description="What it did for them.")
    created_at: datetime = Field(description="When they endorsed it.")


class ValueStoryCreate(Input):
    """A value-creation story: what the community's activity was worth, and in which cycle
    of value."""

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

    cycle: ValueCycle = Field(description="The cycle of value the story records.")
    title: Title = Field(description="The story's title.")
    story: Annotated[str, StringConstraints(min_length=1, max_length=MAX_BODY)] = Field(
        description="The story itself."
    )
    contribution_ids: Annotated[list[uuid.UUID], Field(max_length=50)] = Field(
        default=[], description="The contributions it tells of (at most 50)."
    )


@descriptions_from(ValueStoryCreate)
class ValueStoryPublic(BaseModel):
    """A value-creation story: what the community's activity was worth, and in which cycle
    of value."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The story's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    author_id: uuid.UUID | None = Field(
        description="Who recorded it; null if an integration (an API key) did."
    )
    cycle: ValueCycle
    title: str
    story: str
    contribution_ids: list[uuid.UUID]
    endorsement_id: uuid.UUID | None = Field(
        description="The `applied` endorsement whose note recorded it; null for a story "
        "recorded on its own."
    )
    created_at: datetime = Field(description="When it was recorded.")


class CollectionCreate(Input):
    """A new collection: contributions put together by a curator, in order."""

    title: CollectionTitle = Field(description="The collection's title.")
    description: Description = Field(default="", description="What the collection is for.")


@descriptions_from(CollectionCreate)
class CollectionUpdate(Input):
    """Changes to a collection: only the fields sent are changed."""

    title: CollectionTitle | None = None
    description: Description | None = None


class CollectionItemInput(Input):
    """A contribution's place in a collection: added, moved, or given a new note."""

    contribution_id: uuid.UUID = Field(description="The contribution's id.")
    note: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description="Why it is in the collection."
    )
    position: Annotated[int, Field(ge=0, le=10_000)] | None = Field(
        default=None, description="Its 0-based place in the collection (default: at the end)."
    )


@descriptions_from(CollectionItemInput)
class CollectionItemPublic(BaseModel):
    """A contribution in a collection."""

    model_config = ConfigDict(from_attributes=True)

    contribution_id: uuid.UUID
    position: int = Field(description="Its 0-based place in the collection.")
    note: str
    created_at: datetime = Field(description="When it was added.")


@descriptions_from(CollectionCreate)
class CollectionPublic(BaseModel):
    """A collection: contributions put together by a curator, in order."""

    id: uuid.UUID = Field(description="The collection's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    title: str
    description: str
    created_by_id: uuid.UUID | None = Field(
        description="Who created it; null if an integration (an API key) did."
    )
    created_at: datetime = Field(description="When it was created.")
    updated_at: datetime = Field(description="When it, or its items, last changed.")
    version: int = Field(description="Send it back in If-Match (quoted) to change this collection.")
    items: list[CollectionItemPublic] = Field(description="Its contributions, in order.")


class ReportCreate(Input):
    reason: Reason = Field(description="What is wrong with the contribution.")


class ReportResolve(Input):
    """A convenor's answer to a report."""

    status: ReportStatus = Field(
        description="How the report is settled: `resolved` or `dismissed`."
    )
    note: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description="What was done, for the record."
    )
    hide: bool = Field(default=False, description="Also hide the reported contribution.")


@descriptions_from(ReportCreate)
class ReportPublic(BaseModel):
    """A report of a contribution to the domain's convenors."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The report's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    contribution_id: uuid.UUID = Field(description="The reported contribution's id.")
    reporter_id: uuid.UUID | None = Field(
        description="Who reported it; null if an integration (an API key) did."
    )
    reason: str
    status: ReportStatus = Field(description="Where the report stands.")
    resolved_by_id: uuid.UUID | None = Field(
        description="Who resolved or dismissed it; null while it is open."
    )
    resolution_note: str = Field(description="What was done, for the record.")
    created_at: datetime = Field(description="When it was reported.")
    resolved_at: datetime | None = Field(
        description="When it was resolved or dismissed; null while it is open."
    )


class ModerationInput(Input):
    reason: Annotated[str, StringConstraints(max_length=5000)] = Field(
        default="", description="Why, for the moderation log."
    )


class ModerationEventPublic(BaseModel):
    """One entry of a contribution's moderation log."""

    model_config = ConfigDict(from_attributes=True)

    actor_id: uuid.UUID | None = Field(
        description="Who did it; null for an integration (an API key) or the operator's console."
    )
    action: ModerationAction = Field(description="What was done.")
    reason: str = Field(description="Why, as they gave it.")
    at: datetime = Field(description="When it was done.")


class ContributionFilter(BaseModel):
    """What a list of contributions is narrowed to; every condition given must hold."""

    # Frozen, so hashable: GraphQL loaders batch the parents that ask for the same list.
    # REST reads it from query parameters named by the aliases, and only by them (unknown
    # parameters, `author_id` among them, are ignored).
    model_config = ConfigDict(frozen=True)

    kind: ContributionKind | None = Field(
        default=None, description="Only contributions of this kind."
    )
    tag: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="Only those with this tag."
    )
    theme: Annotated[str, StringConstraints(max_length=80)] | None = Field(
        default=None, description="Only those on this theme."
    )
    author_id: uuid.UUID | None = Field(
        default=None, alias="author", description="Only those by this person."
    )
    gathering_id: uuid.UUID | None = Field(
        default=None, alias="gathering", description="Only those from this gathering."
    )
    curated: bool | None = Field(
        default=None, description="Only curated ones (true), or only the others (false)."
    )
    unanswered: bool = Field(
        default=False, description="Only questions that no one but their asker has answered."
    )
    created_after: datetime | None = Field(
        default=None, description="Only those created at or after this time."
    )
    created_before: datetime | None = Field(
        default=None, description="Only those created before this time."
    )
    status: ContributionStatus | None = Field(
        default=None, description="Only those with this status (default: published)."
    )
    q: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Only those that match this full-text search."
    )


class SearchHit(BaseModel):
    """A contribution that matches a search."""

    contribution: ContributionPublic = Field(description="The contribution.")
    rank: float = Field(description="How well it matches: higher is better.")
    snippet_html: str = Field(
        description="HTML-escaped excerpt with matches in <mark>…</mark>; safe to render."
    )
