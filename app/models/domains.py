import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict
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
from app.models.common import Input, described_values, descriptions_from
from app.models.memberships import Invitation
from app.models.people import TimeZoneName


@described_values(
    public="Anyone may see the domain and read what it holds; its members are listed to "
    "members only.",
    private="Only its active members read it, and people invited to it see its card; to "
    "anyone else it does not exist.",
)
class Visibility(StrEnum):
    """Who may see a domain."""

    public = "public"
    private = "private"


@described_values(
    open="Anyone may join at once.",
    request="Anyone may ask to join; a convenor approves or declines.",
    invite="Only people a convenor invites may join.",
)
class JoinPolicy(StrEnum):
    """How people become members of a domain."""

    open = "open"
    request = "request"
    invite = "invite"


@described_values(
    potential="People facing similar situations find each other and see what they could share.",
    coalescing="Members come together, launch the community and build trust.",
    maturing="The community sets its focus, grows, and takes charge of its practice.",
    stewardship="The community sustains its practice and keeps it relevant.",
    transformation="The community winds down, merges or becomes something else.",
)
class LifecycleStage(StrEnum):
    """Where a community of practice stands in its life (Wenger, McDermott and Snyder): its
    convenors say so; it is not computed."""

    potential = "potential"
    coalescing = "coalescing"
    maturing = "maturing"
    stewardship = "stewardship"
    transformation = "transformation"


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError("a slug is lowercase letters and digits separated by single hyphens")
    return value


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


Slug = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_check_slug)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Goal = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Theme = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Goals = Annotated[list[Goal], Field(max_length=50), AfterValidator(_dedupe)]
Themes = Annotated[list[Theme], Field(max_length=50), AfterValidator(_dedupe)]
MaxMembers = Annotated[int, Field(ge=1, le=100_000)]


class Domain(Versioned, SQLModel, table=True):
    __tablename__ = "domains"
    __table_args__ = (
        enum_check("visibility", Visibility),
        enum_check("join_policy", JoinPolicy),
        enum_check("lifecycle_stage", LifecycleStage),
        sa.CheckConstraint("max_active_members > 0", name="max_active_members_positive"),
        sa.CheckConstraint("parent_id <> id", name="not_own_parent"),
        sa.Index("ix_domains_created_at_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    slug: str = SQLField(max_length=64, unique=True)
    name: str = SQLField(max_length=120)
    purpose: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    description: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    goals: list[str] = text_list_field()
    boundaries: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    themes: list[str] = text_list_field(sa.String(80))
    visibility: str = SQLField(default=Visibility.public, max_length=16)
    join_policy: str = SQLField(default=JoinPolicy.open, max_length=16)
    max_active_members: int | None = None
    parent_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="domains.id", ondelete="SET NULL", index=True
    )
    lifecycle_stage: str = SQLField(default=LifecycleStage.potential, max_length=16)
    timezone: str = SQLField(
        default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"}
    )
    code_of_conduct: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    archived_at: datetime | None = optional_time_field()
    version: int = version_field()


_DOMAIN_EXAMPLE: JsonDict = {
    "name": "Palliative Care Nurses",
    "purpose": "Share what works at the bedside so that every patient gets a good death.",
    "goals": ["Meet monthly", "Build a shared library of care plans"],
    "boundaries": "Registered nurses working in palliative or hospice care.",
    "themes": ["pain management", "family conversations"],
    "visibility": "public",
    "join_policy": "request",
    "max_active_members": 40,
    "lifecycle_stage": "coalescing",
    "timezone": "Europe/Amsterdam",
}


class DomainCreate(Input):
    """A new domain: the shared concern a community of practice forms around. Whoever
    creates it becomes its convenor."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DOMAIN_EXAMPLE]})

    name: Name = Field(description="The domain's name.")
    slug: Slug | None = Field(
        default=None,
        description="Its name in URLs: lowercase letters and digits, in words joined by "
        "single hyphens (at most 64 characters). Default: made from the name.",
    )
    purpose: LongText = Field(
        default="", description="Why the domain exists and what it is worth to its members."
    )
    description: LongText = Field(default="", description="More about the domain, as free text.")
    goals: Goals = Field(
        default=[], description="What the community means to achieve (at most 50, each once)."
    )
    boundaries: LongText = Field(default="", description="Who and what is in scope, and what not.")
    themes: Themes = Field(
        default=[], description="The topics the community works on (at most 50, each once)."
    )
    visibility: Visibility = Field(default=Visibility.public, description="Who may see the domain.")
    join_policy: JoinPolicy = Field(
        default=JoinPolicy.open, description="How people become members."
    )
    max_active_members: MaxMembers | None = Field(
        default=None, description="The most active members the domain takes; null: no limit."
    )
    parent_slug: Slug | None = Field(
        default=None,
        description="The slug of the domain this one is an affinity sub-group of; null: a "
        "domain of its own.",
    )
    lifecycle_stage: LifecycleStage = Field(
        default=LifecycleStage.potential, description="Where the community stands in its life."
    )
    timezone: TimeZoneName = Field(
        default="UTC",
        description="The IANA time zone the community meets in, for example Europe/Amsterdam.",
    )
    code_of_conduct: LongText = Field(
        default="",
        description="The code of conduct members accept when they join; empty: none.",
    )


@descriptions_from(DomainCreate)
class DomainUpdate(Input):
    """Changes to a domain: only the fields sent are changed (null clears the nullable ones)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"lifecycle_stage": "maturing", "max_active_members": 60}]}
    )

    name: Name | None = None
    slug: Slug | None = Field(
        default=None,
        description="A new name in URLs: lowercase letters and digits, in words joined by "
        "single hyphens.",
    )
    purpose: LongText | None = None
    description: LongText | None = None
    goals: Goals | None = None
    boundaries: LongText | None = None
    themes: Themes | None = None
    visibility: Visibility | None = None
    join_policy: JoinPolicy | None = None
    max_active_members: MaxMembers | None = None
    parent_slug: Slug | None = None
    lifecycle_stage: LifecycleStage | None = None
    timezone: TimeZoneName | None = None
    code_of_conduct: LongText | None = None


@descriptions_from(DomainCreate)
class DomainPublic(BaseModel):
    """A domain: the shared concern, its purpose, boundaries and rules, that a community of
    practice forms around."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The domain's id.")
    slug: str = Field(description="Its unique name in URLs.")
    name: str
    purpose: str
    description: str
    goals: list[str]
    boundaries: str
    themes: list[str]
    visibility: Visibility
    join_policy: JoinPolicy
    max_active_members: int | None
    parent_id: uuid.UUID | None = Field(
        description="The domain this one is an affinity sub-group of; null: a domain of its own."
    )
    lifecycle_stage: LifecycleStage
    timezone: str
    code_of_conduct: str
    created_at: datetime = Field(description="When the domain was created.")
    updated_at: datetime = Field(description="When the domain last changed.")
    archived_at: datetime | None = Field(
        description="When the domain was archived (hidden from lists, its data kept); null "
        "while it is not."
    )
    version: int = Field(description="Send it back in If-Match (quoted) to change this domain.")
    invitation: Invitation | None = Field(
        default=None,
        description="Your pending invitation to this domain, if you have one: who invited "
        "you, when, and with which roles. Accept or decline it at "
        "/domains/{slug}/members/{your id}.",
    )


class DomainFilter(BaseModel):
    """What a list of domains is narrowed to; every condition given must hold. REST reads
    it from query parameters, GraphQL from the arguments of the same names."""

    q: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Only domains whose name or purpose contains this."
    )
    theme: Annotated[str, StringConstraints(max_length=80)] | None = Field(
        default=None, description="Only domains with this theme."
    )
    visibility: Visibility | None = Field(
        default=None, description="Only domains with this visibility."
    )
    lifecycle_stage: LifecycleStage | None = Field(
        default=None, description="Only domains at this stage."
    )
    parent: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="Only the affinity sub-groups of the domain with this slug."
    )
    mine: bool = Field(default=False, description="Only domains you are an active member of.")
    include_archived: bool = Field(
        default=False, description="Archived domains too (platform admins and API keys)."
    )
