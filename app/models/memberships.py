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
from app.models.common import Input, described_values


@described_values(
    invited="A convenor invited the person, who has not answered yet.",
    requested="The person asked to join, and no convenor has answered yet.",
    active="A member.",
    declined="The invitation, or the request to join, was declined.",
    left="The person left.",
    removed="A convenor removed the person.",
)
class MembershipStatus(StrEnum):
    """Where a person stands with a domain."""

    invited = "invited"
    requested = "requested"
    active = "active"
    declined = "declined"
    left = "left"
    removed = "removed"


@described_values(
    member="Takes part in the community and its practice.",
    core="One of the core group, who design how the community runs.",
    convenor="Hosts and manages the domain: its rules, members, roles and gatherings.",
    knowledge_broker="Keeps the shared repertoire organised and findable: curates "
    "contributions and collections.",
)
class Role(StrEnum):
    """What a member does in a domain; a member may have several roles."""

    member = "member"
    core = "core"
    convenor = "convenor"
    knowledge_broker = "knowledge_broker"


@described_values(
    invited="A convenor invited the person.",
    requested="The person asked to join.",
    joined="The person joined, or accepted an invitation.",
    rejoined="The person joined again, having been a member before.",
    approved="A convenor approved the request to join.",
    declined="The invitation, or the request to join, was declined.",
    left="The person left, or withdrew the request to join.",
    removed="A convenor removed the person, or withdrew the invitation.",
    roles_changed="The roles changed.",
)
class MembershipEventKind(StrEnum):
    """What happened to a membership."""

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

    person_id: uuid.UUID | None = Field(
        default=None,
        description="The person to invite (convenors); omit it, or give your own id, to join.",
    )
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

    status: MembershipStatus | None = Field(
        default=None,
        description="The new status: `active` accepts an invitation or approves a request; "
        "`declined`, `left` and `removed` end the membership.",
    )
    roles: Roles | None = Field(default=None, description="The new roles (convenors).")
    accept_code_of_conduct: bool = Field(
        default=False,
        description="Required to accept an invitation to a domain that has a code of conduct.",
    )


class MembershipEventPublic(BaseModel):
    """One change to a membership."""

    model_config = ConfigDict(from_attributes=True)

    kind: MembershipEventKind = Field(description="What happened.")
    status: MembershipStatus = Field(description="The status after the change.")
    roles: list[Role] = Field(description="The roles after the change.")
    actor_id: uuid.UUID | None = Field(
        description="Who made the change; null for an API key or the operator's console."
    )
    at: datetime = Field(description="When it happened.")


class MembershipPublic(BaseModel):
    """A person's membership of a domain: invited, asked for, held, or ended."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The membership's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    person_id: uuid.UUID = Field(description="The member's id.")
    status: MembershipStatus = Field(description="Where the person stands with the domain.")
    roles: list[Role] = Field(description="What the person does in the domain.")
    created_at: datetime = Field(
        description="When the membership began: the invitation, the request or the joining."
    )
    updated_at: datetime = Field(description="When the membership last changed.")
    joined_at: datetime | None = Field(
        description="When the person first became an active member; null if never."
    )
    left_at: datetime | None = Field(
        description="When the person last stopped being an active member (left or removed); "
        "null if never."
    )
    conduct_accepted_at: datetime | None = Field(
        description="When the person accepted the domain's code of conduct; null if not."
    )
    version: int = Field(description="Send it back in If-Match (quoted) to change this membership.")


class MembershipDetail(MembershipPublic):
    """A person's membership of a domain, with its history."""

    history: list[MembershipEventPublic] = Field(
        description="Every change to this membership, oldest first."
    )


class Invitation(BaseModel):
    """A pending invitation, as the person invited sees it on the domain's card."""

    invited_at: datetime = Field(description="When you were invited.")
    invited_by_id: uuid.UUID | None = Field(
        description="Who invited you; null if an integration (an API key) did."
    )
    invited_by_name: str | None = Field(description="Their display name.")
    roles: list[Role] = Field(description="The roles you would have on accepting.")
