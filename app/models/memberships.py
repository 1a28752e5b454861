import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
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


class MembershipStatus(StrEnum):
    invited = "invited"
    requested = "requested"
    active = "active"
    declined = "declined"
    left = "left"
    removed = "removed"


class Role(StrEnum):
    member = "member"
    core = "core"
    convenor = "convenor"
    knowledge_broker = "knowledge_broker"


class MembershipEventKind(StrEnum):
    invited = "invited"
    requested = "requested"
    joined = "joined"
    rejoined = "rejoined"
    approved = "approved"
    declined = "declined"
    left = "left"
    removed = "removed"
    roles_changed = "roles_changed"


class Membership(Versioned, SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("domain_id", "person_id", name="uq_memberships_domain_person"),
        enum_check("status", MembershipStatus),
        sa.Index("ix_memberships_domain_created", "domain_id", "created_at", "id"),
        sa.Index("ix_memberships_person_created", "person_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    status: str = SQLField(max_length=16)
    roles: list[str] = text_list_field(sa.String(32))
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    joined_at: datetime | None = optional_time_field()
    left_at: datetime | None = optional_time_field()
    conduct_accepted_at: datetime | None = optional_time_field()
    version: int = version_field()


class MembershipEvent(SQLModel, table=True):
    """The history of a membership: it is appended to, never rewritten."""

    __tablename__ = "membership_events"
    __table_args__ = (
        enum_check("kind", MembershipEventKind),
        sa.Index("ix_membership_events_membership_at", "membership_id", "at"),
    )

    id: uuid.UUID = id_field()
    membership_id: uuid.UUID = SQLField(foreign_key="memberships.id", ondelete="CASCADE")
    kind: str = SQLField(max_length=16)
    status: str = SQLField(max_length=16)
    roles: list[str] = text_list_field(sa.String(32))
    actor_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    at: datetime = created_at_field()


def _roles(values: list[Role]) -> list[Role]:
    return list(dict.fromkeys(values))


Roles = Annotated[list[Role], Field(max_length=4), AfterValidator(_roles)]


class MembershipCreate(Input):
    """Join (no `person_id`, or your own), or invite someone (a convenor naming them)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {},
                {"person_id": "8f14e45f-ceea-467f-a0e6-1b1a2b3c4d5e", "roles": ["member"]},
            ]
        }
    )

    person_id: uuid.UUID | None = None
    roles: Roles | None = Field(
        default=None, description="Roles for an invitee (convenors and admins only)."
    )
    accept_code_of_conduct: bool = Field(
        default=False, description="Required to join a domain that has a code of conduct."
    )


class MembershipUpdate(Input):
    """Change a membership's status (accept, approve, decline, leave, remove) or roles."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "active"}, {"roles": ["member", "core"]}]}
    )

    status: MembershipStatus | None = None
    roles: Roles | None = None
    accept_code_of_conduct: bool = Field(
        default=False, description="Required to accept an invitation to a domain with a code"
    )


class MembershipEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: MembershipEventKind
    status: MembershipStatus
    roles: list[Role]
    actor_id: uuid.UUID | None
    at: datetime


class MembershipPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    domain_id: uuid.UUID
    person_id: uuid.UUID
    status: MembershipStatus
    roles: list[Role]
    created_at: datetime
    updated_at: datetime
    joined_at: datetime | None
    left_at: datetime | None
    conduct_accepted_at: datetime | None
    version: int = Field(description="Send it back in If-Match (quoted) to change this membership")


class MembershipDetail(MembershipPublic):
    history: list[MembershipEventPublic]


class Invitation(BaseModel):
    """A pending invitation, as the person invited sees it on the domain's card."""

    invited_at: datetime
    invited_by_id: uuid.UUID | None = Field(
        description="Who invited you; null if an integration (an API key) did."
    )
    invited_by_name: str | None = Field(description="Their display name.")
    roles: list[Role] = Field(description="The roles you would have on accepting.")
