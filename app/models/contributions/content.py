"""Contributions over the API: what is sent to create, change, list and search them,
and what comes back."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from app.models.common import Input, descriptions_from
from app.models.contributions.enums import ContributionKind, ContributionStatus
from app.models.contributions.fields import Body, Recipients, Tags, ThemeList, Title, Url

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
