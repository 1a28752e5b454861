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
from app.models.common import Input, described_values, descriptions_from

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
Bio = Annotated[str, StringConstraints(max_length=5000)]


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


@described_values(
    read="Read everything in every domain, as a platform admin may.",
    write="Read, and change anything a platform admin may change.",
    admin="Read, write, and administer the platform (people, API keys) as a platform admin.",
)
class ApiKeyScope(StrEnum):
    """What an API key may do; each scope includes the ones before it."""

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
    expires_at: datetime = SQLField(sa_type=sa.DateTime(timezone=True))
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
    expires_at: datetime = SQLField(sa_type=sa.DateTime(timezone=True))
    # A sign-up waiting on this link to claim a person an import created: the password
    # hash and profile it chose. Applied only when the link is used.
    claim: dict[str, Any] | None = SQLField(default=None, sa_type=JSONB)


# Data models: what comes in and what leaves the service.


class PersonRegister(Input):
    """A sign-up. The account's memberships count once its email is verified through the
    mailed link."""

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

    email: EmailStr = Field(description="The address you log in with; account mail goes to it.")
    password: Password = Field(description="Your password: 8 to 256 characters.")
    display_name: DisplayName = Field(description="The name others see (1 to 120 characters).")
    bio: Bio = Field(default="", description="A few words about you (at most 5,000 characters).")
    expertise: TagList = Field(
        default=[],
        description="Tags for what you know about: at most 50, stored lowercase, each once.",
    )
    timezone: TimeZoneName = Field(
        default="UTC", description="Your IANA time zone, for example Europe/Paris."
    )


# What a sign-up says about the person, beyond the credentials: the profile it creates.
PROFILE_FIELDS = tuple(
    name for name in PersonRegister.model_fields if name not in ("email", "password")
)


class PersonCreate(BaseModel):
    """A person made at the console (`cop-api create-admin`, the demo), not by sign-up.
    `display_name` is needed only when nobody has the email yet."""

    email: EmailStr
    display_name: DisplayName | None = None
    password: Password | None = None
    is_platform_admin: bool = False


@descriptions_from(PersonRegister)
class PersonUpdate(Input):
    """Changes to your profile and settings: only the fields sent are changed."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"bio": "Nurse educator"}]})

    display_name: DisplayName | None = None
    bio: Bio | None = None
    expertise: TagList | None = None
    timezone: TimeZoneName | None = None
    password: Password | None = Field(
        default=None,
        description="A new password (8 to 256 characters), sent with your current one. "
        "Changing it signs you out everywhere: every refresh token and every access token "
        "issued before are refused.",
    )
    current_password: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        default=None, description="Your present password, required with a new password."
    )
    share_participation: bool | None = Field(
        default=None, description="Whether other members may see your RSVPs and attendance."
    )


class PersonPublic(BaseModel):
    """A person as others see them: no email, no credentials."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The person's id.")
    display_name: str = Field(description="The name others see.")
    bio: str = Field(description="A few words about them, in their own words.")
    expertise: list[str] = Field(description="Tags for what they know about (lowercase).")
    timezone: str = Field(description="Their IANA time zone, for example Europe/Paris.")
    created_at: datetime = Field(description="When the account was created.")
    updated_at: datetime = Field(description="When the profile last changed.")
    version: int = Field(
        description="Your own profile's version, the start of its ETag "
        "(PATCH /people/me takes If-Match)."
    )


class PersonPrivate(PersonPublic):
    """A person as they (or a platform admin) see themselves."""

    email: str = Field(description="The address they log in with; account mail goes to it.")
    email_verified_at: datetime | None = Field(
        description="When the email was verified; null until then. Until it is, memberships "
        "count for nothing: no private domain, no invitation, no joining."
    )
    is_platform_admin: bool = Field(description="Whether they administer the whole platform.")
    is_active: bool = Field(
        description="Whether the account may sign in: false for a person an import added, "
        "until they sign up."
    )
    share_participation: bool = Field(
        description="Whether other members may see their RSVPs and attendance."
    )


class TokenPair(BaseModel):
    """What a login or a refresh gives: a short-lived access token and the refresh token
    that gets the next pair."""

    access_token: str = Field(description="Send it as a bearer token until it expires.")
    refresh_token: str = Field(
        description="Exchange it for a new pair when the access token expires; it works once."
    )
    token_type: str = Field(default="bearer", description="Always `bearer`.")
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The refresh token of your last pair."
    )


MailedToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class VerifyEmailRequest(Input):
    token: MailedToken = Field(description="The token from the link in the verification mail.")


class PasswordResetRequest(Input):
    email: EmailStr = Field(description="The address of the account.")


class PasswordResetConfirm(Input):
    token: MailedToken = Field(description="The token from the link in the reset mail.")
    new_password: Password = Field(
        description="The password to use from now on (8 to 256 characters)."
    )


class Accepted(BaseModel):
    """A request taken on: a mail may be on its way."""

    detail: str = Field(description="What happens next, in a sentence.")


class RegistrationPending(Accepted):
    """A sign-up that waits on its verification link before it becomes an account."""

    email: str = Field(description="Where the link was mailed.")


class ApiKeyCreate(Input):
    """A new API key: a credential for an integration, with scopes instead of a person's
    memberships."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "LMS sync", "scopes": ["read", "write"]}]}
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] = (
        Field(description="What the key is for, for example LMS sync.")
    )
    scopes: Annotated[list[ApiKeyScope], Field(min_length=1, max_length=3)] = Field(
        default=[ApiKeyScope.read], description="What the key may do (default: read)."
    )
    rate_limit_per_minute: RateLimitPerMinute | None = Field(
        default=None, description="Requests a minute for this key; null: the service's default."
    )


class ApiKeyUpdate(Input):
    """A change to an API key's own rate limit."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"rate_limit_per_minute": 6000}]})

    rate_limit_per_minute: RateLimitPerMinute | None = Field(
        default=None,
        description="Requests a minute for this key; null: back to the service's default.",
    )


@descriptions_from(ApiKeyCreate)
class ApiKeyPublic(BaseModel):
    """An API key, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The key's id.")
    name: str
    prefix: str = Field(
        description="The part of the key after `cop_` and before the next `_`, to tell keys "
        "apart; the whole key is stored only as a hash."
    )
    scopes: list[str] = Field(description="What the key may do: read, write or admin.")
    created_at: datetime = Field(description="When the key was created.")
    last_used_at: datetime | None = Field(
        description="When the key was last used (to the minute); null if never."
    )
    revoked_at: datetime | None = Field(
        description="When the key was revoked, after which it no longer works; null while it works."
    )
    rate_limit_per_minute: int | None = Field(
        description="Requests a minute for this key; null: the service's default."
    )


class ApiKeyCreated(ApiKeyPublic):
    """A new API key, with its secret."""

    key: str = Field(description="The secret key. It is shown once and stored only as a hash.")
