import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from app.errors import shown
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

_ZONES = frozenset(available_timezones())


def _check_timezone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError(
            f"'{shown(value)}' is not an IANA time zone name (for example Europe/Paris)"
        )
    return value


TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_timezone)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


def _dedupe_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag.lower(), None)
    return list(seen)


RateLimitPerMinute = Annotated[
    int,
    Field(
        ge=1,
        le=1_000_000,
        description="Requests a minute for this key (its own limit, instead of the default).",
    ),
]
TagList = Annotated[list[Tag], Field(max_length=50), AfterValidator(_dedupe_tags)]


class Person(Versioned, SQLModel, table=True):
    __tablename__ = "people"
    __table_args__ = (sa.Index("ix_people_expertise", "expertise", postgresql_using="gin"),)

    id: uuid.UUID = id_field()
    email: str = SQLField(max_length=320, unique=True)
    # The person's id in an outside directory (an LMS, an intranet), set by imports.
    external_id: str | None = SQLField(default=None, max_length=255, unique=True)
    display_name: str = SQLField(max_length=120)
    bio: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    expertise: list[str] = text_list_field(sa.String(64))
    timezone: str = SQLField(
        default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"}
    )
    password_hash: str | None = SQLField(default=None, max_length=255)
    is_platform_admin: bool = SQLField(
        default=False, sa_column_kwargs={"server_default": sa.false()}
    )
    is_active: bool = SQLField(default=True, sa_column_kwargs={"server_default": sa.true()})
    share_participation: bool = SQLField(
        default=True, sa_column_kwargs={"server_default": sa.true()}
    )
    # Set once the person showed they read mail sent to `email` (or an admin vouched for
    # it). Until then their memberships count for nothing (see `Actor.member_id`).
    email_verified_at: datetime | None = optional_time_field()
    # Access tokens issued before this moment are refused: a password change or reset.
    tokens_valid_after: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    version: int = version_field()


class ApiKeyScope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    name: str = SQLField(max_length=120)
    prefix: str = SQLField(max_length=16, unique=True)
    key_hash: str = SQLField(max_length=64)
    scopes: list[str] = text_list_field(sa.String(16))
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = optional_time_field()
    revoked_at: datetime | None = optional_time_field()
    # Requests a minute for this key; None: the service's default for API keys.
    rate_limit_per_minute: int | None = SQLField(default=None)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_tokens"

    id: uuid.UUID = id_field()
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE", index=True)
    token_hash: str = SQLField(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = SQLField(sa_type=sa.DateTime(timezone=True))  # type: ignore[call-overload]
    revoked_at: datetime | None = optional_time_field()
    # Set when the token was spent on a refresh: the token that refresh issued.
    replaced_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="refresh_tokens.id", ondelete="SET NULL"
    )


class AccountTokenPurpose(StrEnum):
    verify_email = "verify_email"
    reset_password = "reset_password"


class AccountToken(SQLModel, table=True):
    """A one-time link mailed to a person. Stored as a hash; one live token per person and
    purpose (a new one replaces the last), deleted when used."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "purpose", name="uq_account_tokens_person_id_purpose"),
        enum_check("purpose", AccountTokenPurpose),
    )

    id: uuid.UUID = id_field()
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    purpose: str = SQLField(max_length=32)
    token_hash: str = SQLField(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    expires_at: datetime = SQLField(sa_type=sa.DateTime(timezone=True))  # type: ignore[call-overload]
    # A sign-up waiting on this link to claim a person an import created: the password
    # hash and profile it chose. Applied only when the link is used.
    claim: dict[str, Any] | None = SQLField(default=None, sa_type=JSONB)  # type: ignore[call-overload]


# Data models: what comes in and what leaves the service.


class PersonRegister(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.org",
                    "password": "correct horse battery",
                    "display_name": "Ada Lovelace",
                    "timezone": "Europe/London",
                    "expertise": ["facilitation", "analytics"],
                }
            ]
        }
    )

    email: EmailStr
    password: Password
    display_name: DisplayName
    bio: Annotated[str, StringConstraints(max_length=5000)] = ""
    expertise: TagList = []
    timezone: TimeZoneName = "UTC"


class PersonCreate(BaseModel):
    """A person made at the console (`cop-api create-admin`, the demo), not by sign-up.
    `display_name` is needed only when nobody has the email yet."""

    email: EmailStr
    display_name: DisplayName | None = None
    password: Password | None = None
    is_platform_admin: bool = False


class PersonUpdate(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"bio": "Nurse educator"}]})

    display_name: DisplayName | None = None
    bio: Annotated[str, StringConstraints(max_length=5000)] | None = None
    expertise: TagList | None = None
    timezone: TimeZoneName | None = None
    password: Password | None = Field(
        default=None,
        description="A new password; needs `current_password`. Changing it signs you out "
        "everywhere: every refresh token and every access token issued before are refused.",
    )
    current_password: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        default=None, description="Your present password, required with `password`."
    )
    share_participation: bool | None = Field(
        default=None, description="Whether other members see my RSVPs and attendance."
    )


class PersonPublic(BaseModel):
    """A person as others see them: no email, no credentials."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    display_name: str
    bio: str
    expertise: list[str]
    timezone: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        description="Your own profile's version, the start of its ETag "
        "(PATCH /people/me takes If-Match)"
    )


class PersonPrivate(PersonPublic):
    """A person as they (or a platform admin) see themselves."""

    email: str
    email_verified_at: datetime | None = Field(
        description="When the email was verified; null until then. Until it is, memberships "
        "count for nothing: no private domain, no invitation, no joining."
    )
    is_platform_admin: bool
    is_active: bool
    share_participation: bool


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshRequest(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


MailedToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class VerifyEmailRequest(Input):
    token: MailedToken = Field(description="The token from the link in the verification mail.")


class PasswordResetRequest(Input):
    email: EmailStr


class PasswordResetConfirm(Input):
    token: MailedToken = Field(description="The token from the link in the reset mail.")
    new_password: Password


class Accepted(BaseModel):
    """A request taken on: a mail may be on its way."""

    detail: str


class RegistrationPending(Accepted):
    """A sign-up that waits on its verification link before it becomes an account."""

    email: str


class ApiKeyCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "LMS sync", "scopes": ["read", "write"]}]}
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    scopes: Annotated[list[ApiKeyScope], Field(min_length=1, max_length=3)] = [ApiKeyScope.read]
    rate_limit_per_minute: RateLimitPerMinute | None = None


class ApiKeyUpdate(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rate_limit_per_minute": 6000}]})

    rate_limit_per_minute: RateLimitPerMinute | None = Field(
        default=None, description="null: back to the service's default for API keys."
    )


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    rate_limit_per_minute: int | None = Field(
        description="Requests a minute for this key; null: the service's default."
    )


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The secret key. It is shown once and stored only as a hash.")
