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
from app.models.common import Input
from app.models.memberships import Invitation
from app.models.people import TimeZoneName


class Visibility(StrEnum):
    public = "public"
    private = "private"


class JoinPolicy(StrEnum):
    open = "open"
    request = "request"
    invite = "invite"


class LifecycleStage(StrEnum):
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
    model_config = ConfigDict(json_schema_extra={"examples": [_DOMAIN_EXAMPLE]})

    name: Name
    slug: Slug | None = None
    purpose: LongText = ""
    description: LongText = ""
    goals: Goals = []
    boundaries: LongText = ""
    themes: Themes = []
    visibility: Visibility = Visibility.public
    join_policy: JoinPolicy = JoinPolicy.open
    max_active_members: MaxMembers | None = None
    parent_slug: Slug | None = None
    lifecycle_stage: LifecycleStage = LifecycleStage.potential
    timezone: TimeZoneName = "UTC"
    code_of_conduct: LongText = Field(
        default="", description="Members accept it when they join (if it is not empty)."
    )


class DomainUpdate(Input):
    """All optional; only the fields sent are changed (null clears the nullable ones)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"lifecycle_stage": "maturing", "max_active_members": 60}]}
    )

    name: Name | None = None
    slug: Slug | None = None
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


class DomainPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    purpose: str
    description: str
    goals: list[str]
    boundaries: str
    themes: list[str]
    visibility: Visibility
    join_policy: JoinPolicy
    max_active_members: int | None
    parent_id: uuid.UUID | None
    lifecycle_stage: LifecycleStage
    timezone: str
    code_of_conduct: str
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    version: int = Field(description="Send it back in If-Match (quoted) to change this domain")
    invitation: Invitation | None = Field(
        default=None,
        description="Your pending invitation to this domain, if you have one: who invited "
        "you, when, and with which roles. Accept or decline it at "
        "/domains/{slug}/members/{your id}.",
    )
