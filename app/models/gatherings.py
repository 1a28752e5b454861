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
    WithJsonSchema,
)
from pydantic.config import JsonDict
from sqlalchemy.dialects.postgresql import JSONB
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
from app.models.people import TimeZoneName


@described_values(
    in_person="In one place.",
    online="Online, through the join link.",
    hybrid="In one place and online at once.",
)
class Modality(StrEnum):
    """How people take part in a gathering."""

    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


@described_values(
    scheduled="It is planned.",
    cancelled="It will not take place (it stays listed, marked so).",
    completed="It took place and its summary is written.",
)
class GatheringStatus(StrEnum):
    """Whether a gathering is still planned."""

    scheduled = "scheduled"
    cancelled = "cancelled"
    completed = "completed"


@described_values(
    check_in="A round in which each person says how they arrive.",
    presentation="Someone presents: a case, a tool, a story.",
    open_sharing="Open time for what members bring.",
    breakout="Small groups, apart.",
    reflection="Time to reflect on what was offered and what to take away.",
    discussion="The whole group talks it over.",
    break_="A pause.",
    other="Anything else.",
)
class SegmentKind(StrEnum):
    """What a segment of a gathering's agenda is for."""

    check_in = "check_in"
    presentation = "presentation"
    open_sharing = "open_sharing"
    breakout = "breakout"
    reflection = "reflection"
    discussion = "discussion"
    break_ = "break"
    other = "other"


@described_values(
    going="I will come; when the gathering is full, I join its waitlist.",
    maybe="I might come.",
    declined="I will not come.",
)
class RsvpResponse(StrEnum):
    """An answer to a gathering."""

    going = "going"
    maybe = "maybe"
    declined = "declined"


@described_values(
    going="Coming, with a place.",
    maybe="Might come.",
    declined="Not coming.",
    waitlisted="Wants to come, but the gathering is full: free places go to the waitlist, "
    "first come, first served.",
)
class RsvpStatus(StrEnum):
    """Where an RSVP stands."""

    going = "going"
    maybe = "maybe"
    declined = "declined"
    waitlisted = "waitlisted"


@described_values(
    host="A host recorded it.",
    self_check_in="The person checked in during the gathering.",
)
class AttendanceSource(StrEnum):
    """How an attendance was recorded."""

    host = "host"
    self_check_in = "self_check_in"


@described_values(
    this="This occurrence only.",
    following="This occurrence and every later one of its series.",
)
class EditScope(StrEnum):
    """Which occurrences of a series a change applies to."""

    this = "this"
    following = "following"


def _agenda_column() -> Any:
    return SQLField(
        default_factory=list,
        sa_type=JSONB,  # type: ignore[call-overload]
        sa_column_kwargs={"server_default": sa.text("'[]'::jsonb")},
        nullable=False,
    )


class GatheringSeries(SQLModel, table=True):
    """What a recurring gathering (or a one-off, with no rule) was planned as. Each
    occurrence copies these fields when it is generated and may then diverge."""

    __tablename__ = "gathering_series"
    __table_args__ = (sa.Index("ix_gathering_series_domain", "domain_id"),)

    id: uuid.UUID = id_field()
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    rrule: str | None = SQLField(default=None, max_length=500)
    dtstart: datetime = SQLField(sa_type=sa.DateTime(timezone=True))  # type: ignore[call-overload]
    timezone: str = SQLField(max_length=64)
    duration_minutes: int
    rotation_host_ids: list[uuid.UUID] = uuid_list_field()
    sequence: int = SQLField(default=0, sa_column_kwargs={"server_default": "0"})
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Gathering(Versioned, SQLModel, table=True):
    """One occurrence: the thing people RSVP to, attend and summarise."""

    __tablename__ = "gatherings"
    __table_args__ = (
        enum_check("modality", Modality),
        enum_check("status", GatheringStatus),
        sa.CheckConstraint("duration_minutes > 0", name="duration_positive"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.UniqueConstraint("series_id", "original_start", name="uq_gatherings_series_original"),
        sa.Index("ix_gatherings_domain_start", "domain_id", "start_at", "id"),
        sa.Index("ix_gatherings_start", "start_at", "id"),
        sa.Index("ix_gatherings_host_ids", "host_ids", postgresql_using="gin"),
    )

    id: uuid.UUID = id_field()
    series_id: uuid.UUID = SQLField(foreign_key="gathering_series.id", ondelete="CASCADE")
    domain_id: uuid.UUID = SQLField(foreign_key="domains.id", ondelete="CASCADE")
    sequence_index: int = SQLField(default=0)
    original_start: datetime = SQLField(sa_type=sa.DateTime(timezone=True))  # type: ignore[call-overload]
    start_at: datetime = SQLField(sa_type=sa.DateTime(timezone=True))  # type: ignore[call-overload]
    duration_minutes: int
    timezone: str = SQLField(max_length=64)
    title: str = SQLField(max_length=200)
    theme: str = SQLField(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    guiding_question: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    description: str = SQLField(
        default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""}
    )
    modality: str = SQLField(max_length=16)
    location: str = SQLField(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    join_url: str | None = SQLField(default=None, max_length=2000)
    capacity: int | None = None
    host_ids: list[uuid.UUID] = uuid_list_field()
    agenda: list[dict[str, Any]] = _agenda_column()
    status: str = SQLField(default=GatheringStatus.scheduled, max_length=16)
    is_exception: bool = SQLField(default=False, sa_column_kwargs={"server_default": sa.false()})
    summary: str = SQLField(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    decisions: list[str] = text_list_field()
    follow_ups: list[str] = text_list_field()
    summary_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    summary_at: datetime | None = optional_time_field()
    created_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
    version: int = version_field()


class Rsvp(SQLModel, table=True):
    __tablename__ = "rsvps"
    __table_args__ = (
        sa.UniqueConstraint("gathering_id", "person_id", name="uq_rsvps_gathering_person"),
        enum_check("status", RsvpStatus),
        sa.Index("ix_rsvps_gathering_status", "gathering_id", "status", "queued_at"),
        sa.Index("ix_rsvps_person", "person_id"),
    )

    id: uuid.UUID = id_field()
    gathering_id: uuid.UUID = SQLField(foreign_key="gatherings.id", ondelete="CASCADE")
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    status: str = SQLField(max_length=16)
    queued_at: datetime | None = optional_time_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Attendance(SQLModel, table=True):
    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("gathering_id", "person_id", name="uq_attendance_gathering_person"),
        enum_check("source", AttendanceSource),
        sa.Index("ix_attendance_person", "person_id"),
    )

    id: uuid.UUID = id_field()
    gathering_id: uuid.UUID = SQLField(foreign_key="gatherings.id", ondelete="CASCADE")
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE")
    source: str = SQLField(max_length=16)
    walk_in: bool = SQLField(default=False, sa_column_kwargs={"server_default": sa.false()})
    recorded_by_id: uuid.UUID | None = SQLField(
        default=None, foreign_key="people.id", ondelete="SET NULL"
    )
    created_at: datetime = created_at_field()


class FeedToken(SQLModel, table=True):
    """A secret for calendar subscriptions: calendar clients cannot send headers."""

    __tablename__ = "feed_tokens"

    id: uuid.UUID = id_field()
    person_id: uuid.UUID = SQLField(foreign_key="people.id", ondelete="CASCADE", index=True)
    token_hash: str = SQLField(max_length=64, unique=True)
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = optional_time_field()


# Data models

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Minutes = Annotated[int, Field(ge=1, le=60 * 24 * 7)]
HttpUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000), Field(description="http(s) only.")]


def _check_year(value: datetime) -> datetime:
    if not 1970 <= value.year <= 2999:
        raise ValueError("a gathering starts between the years 1970 and 2999")
    return value


# Documented as what it is: a wall-clock time, the offset optional (JSON Schema's
# `date-time` format would demand one).
LOCAL_DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$"
Start = Annotated[
    datetime,
    AfterValidator(_check_year),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_DATE_TIME,
            "description": "Wall-clock time in the gathering's `timezone`, as "
            "`2026-12-03T18:00:00`; with an offset (`Z`, `+01:00`) it is converted to it.",
        }
    ),
]
Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class AgendaSegment(BaseModel):
    """A segment of a gathering's agenda."""

    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ] = Field(description="What happens in it.")
    kind: SegmentKind = Field(
        default=SegmentKind.other, description="What it is for (default: other)."
    )
    minutes: Annotated[int, Field(ge=1, le=60 * 24 * 7)] = Field(
        description="How long it takes, in minutes."
    )


_EXAMPLE: JsonDict = {
    "title": "Monthly case clinic",
    "theme": "Difficult family conversations",
    "guiding_question": "What helped you stay present when a family was in conflict?",
    "start": "2026-12-03T18:00:00",
    "timezone": "Europe/London",
    "duration_minutes": 90,
    "modality": "hybrid",
    "location": "St Christopher's Hospice, room 2",
    "join_url": "https://meet.example.org/case-clinic",
    "capacity": 20,
    "rrule": "FREQ=MONTHLY;BYDAY=1TH;COUNT=12",
    "agenda": [
        {"title": "Check-in round", "kind": "check_in", "minutes": 15},
        {"title": "A case from the floor", "kind": "presentation", "minutes": 20},
        {"title": "Open sharing", "kind": "open_sharing", "minutes": 40},
        {"title": "What will you take away?", "kind": "reflection", "minutes": 15},
    ],
}


class GatheringCreate(Input):
    """A new gathering, or a series of them. `start` is the local wall-clock time in
    `timezone` (an offset, if given, is converted to that zone). With `rrule`, the series
    repeats in that zone, so 18:00 stays 18:00 across daylight-saving changes."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    title: Title = Field(description="The gathering's title.")
    start: Start = Field(
        description="When it starts: wall-clock time in `timezone` (an offset, if given, is "
        "converted)."
    )
    timezone: TimeZoneName = Field(
        description="The IANA time zone it is planned in, for example Europe/London."
    )
    duration_minutes: Minutes = Field(description="How long it lasts, in minutes.")
    theme: ShortText = Field(default="", description="The theme it works on.")
    guiding_question: LongText = Field(
        default="", description="An open question that guides the conversation."
    )
    description: LongText = Field(default="", description="More about it, as free text.")
    modality: Modality = Field(
        default=Modality.in_person, description="How people take part (default: in_person)."
    )
    location: Annotated[str, StringConstraints(max_length=500)] = Field(
        default="", description="Where it takes place, for people who come in person."
    )
    join_url: HttpUrl | None = Field(
        default=None, description="The link to join online (http or https)."
    )
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        default=None,
        description="How many people may be going; more join the waitlist. Null: no limit.",
    )
    host_ids: Annotated[list[uuid.UUID], Field(max_length=20)] = Field(
        default=[],
        description="The members who host every occurrence. Default: you, unless hosts rotate.",
    )
    rotation_host_ids: Annotated[list[uuid.UUID], Field(max_length=100)] = Field(
        default=[], description="Hosts taking turns, one per occurrence, in this order."
    )
    rrule: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        default=None,
        description="How the series repeats: an RFC 5545 RRULE, e.g. "
        "FREQ=MONTHLY;BYDAY=1TU;COUNT=12.",
    )
    agenda: Annotated[list[AgendaSegment], Field(max_length=50)] = Field(
        default=[], description="The agenda: its segments, in order."
    )


@descriptions_from(GatheringCreate)
class GatheringChanges(Input):
    """Changes to a gathering: only the fields sent are changed. With the scope `following`
    they apply to this occurrence and all later ones of its series."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"theme": "Self-care", "start": "2026-12-10T19:00:00"}]}
    )

    title: Title | None = None
    theme: ShortText | None = None
    guiding_question: LongText | None = None
    description: LongText | None = None
    start: Start | None = None
    duration_minutes: Minutes | None = None
    modality: Modality | None = None
    location: Annotated[str, StringConstraints(max_length=500)] | None = None
    join_url: HttpUrl | None = None
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    host_ids: Annotated[list[uuid.UUID], Field(max_length=20)] | None = None
    agenda: Annotated[list[AgendaSegment], Field(max_length=50)] | None = None


class GatheringUpdate(GatheringChanges):
    # GraphQL cancels with a mutation of its own, so only REST changes the status here.
    __doc__ = GatheringChanges.__doc__

    status: GatheringStatus | None = Field(
        default=None, description="`cancelled` to cancel; `scheduled` to reinstate."
    )


class RsvpInput(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"response": "going"}]})

    response: RsvpResponse = Field(description="Your answer.")


class AttendanceInput(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"person_ids": ["8f14e45f-ceea-467f-a0e6-1b1a2b3c4d5e"]}]}
    )

    person_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=1000)] = Field(
        description="The people who attended, walk-ins included."
    )


class SummaryInput(Input):
    """What a gathering produced, written after it by a host; writing it completes the
    gathering."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "summary": "Six stories about family conflict; a pattern of early meetings.",
                    "decisions": ["Draft a one-page guide for first family meetings"],
                    "follow_ups": ["Priya shares the template by Friday"],
                }
            ]
        }
    )

    summary: Annotated[str, StringConstraints(max_length=50_000)] = Field(
        description="What was offered and learnt."
    )
    decisions: Annotated[list[Item], Field(max_length=100)] = Field(
        default=[], description="What was decided, one item each."
    )
    follow_ups: Annotated[list[Item], Field(max_length=100)] = Field(
        default=[], description="Who does what next, one item each."
    )


class RecurrencePublic(BaseModel):
    """Where an occurrence sits in its series (a one-off gathering is a series of one)."""

    series_id: uuid.UUID = Field(description="The series' id.")
    rrule: str | None = Field(description="The series' RFC 5545 rule; null for a one-off.")
    index: int = Field(description="Its place in the series, from 0 for the first occurrence.")
    original_start: datetime = Field(
        description="When the series planned this occurrence to start, before any move."
    )
    is_exception: bool = Field(description="Whether this occurrence was changed on its own.")


@descriptions_from(GatheringCreate, SummaryInput)
class GatheringPublic(BaseModel):
    """A gathering: one occurrence of a series, or a one-off."""

    id: uuid.UUID = Field(description="The gathering's id.")
    domain_id: uuid.UUID = Field(description="The domain's id.")
    title: str
    theme: str
    guiding_question: str
    description: str
    start: datetime = Field(description="When it starts (UTC).")
    end: datetime = Field(description="When it ends (UTC).")
    start_local: str = Field(description="The wall-clock start in the gathering's time zone.")
    timezone: str
    duration_minutes: int
    modality: Modality = Field(description="How people take part.")
    location: str
    join_url: str | None = Field(
        description="The link to join online; only shown to members of the domain."
    )
    capacity: int | None
    host_ids: list[uuid.UUID] = Field(
        description="The people who host this occurrence (rotation applied)."
    )
    agenda: list[AgendaSegment]
    status: GatheringStatus = Field(description="Whether it is planned, cancelled or held.")
    recurrence: RecurrencePublic = Field(description="Where it sits in its series.")
    going_count: int = Field(description="How many people are going.")
    waitlist_count: int = Field(description="How many people are on the waitlist.")
    my_rsvp: RsvpStatus | None = Field(description="Your RSVP; null if you have none.")
    summary: str
    decisions: list[str]
    follow_ups: list[str]
    summary_at: datetime | None = Field(
        description="When the summary was written; null until then."
    )
    created_at: datetime = Field(description="When it was scheduled.")
    updated_at: datetime = Field(description="When it last changed.")
    version: int = Field(description="Send it back in If-Match (quoted) to change this occurrence.")


class RsvpPublic(BaseModel):
    """A person's answer to a gathering."""

    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID = Field(description="Who answered.")
    gathering_id: uuid.UUID = Field(description="The gathering's id.")
    status: RsvpStatus = Field(description="Where the RSVP stands.")
    queued_at: datetime | None = Field(
        description="When they joined the waitlist; null when they are not on it."
    )
    created_at: datetime = Field(description="When they first answered.")
    updated_at: datetime = Field(description="When the RSVP last changed.")


class RsvpCounts(BaseModel):
    """How many RSVPs stand at each status."""

    going: int = Field(description="People going.")
    maybe: int = Field(description="People who might come.")
    declined: int = Field(description="People not coming.")
    waitlisted: int = Field(description="People on the waitlist.")


class RsvpList(BaseModel):
    """A gathering's RSVPs."""

    counts: RsvpCounts = Field(description="How many RSVPs stand at each status.")
    mine: RsvpPublic | None = Field(description="Your RSVP; null if you have none.")
    items: list[RsvpPublic] = Field(
        description="Everyone's RSVPs for hosts and convenors; for other members, their own."
    )


class AttendancePublic(BaseModel):
    """A person's attendance at a gathering."""

    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID = Field(description="Who attended.")
    gathering_id: uuid.UUID = Field(description="The gathering's id.")
    source: AttendanceSource = Field(description="How it was recorded.")
    walk_in: bool = Field(
        description="They came without an RSVP saying they might (going, maybe or waitlisted)."
    )
    created_at: datetime = Field(description="When it was recorded.")


class FeedTokenPublic(BaseModel):
    """A secret for calendar subscriptions, without the secret."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The token's id.")
    created_at: datetime = Field(description="When it was created.")
    revoked_at: datetime | None = Field(
        description="When it was revoked, after which it no longer works; null while it works."
    )


@descriptions_from(FeedTokenPublic)
class FeedTokenCreated(BaseModel):
    """A new secret for calendar subscriptions: it stands for you in your calendar feed's
    link, since calendar clients cannot send credentials."""

    id: uuid.UUID
    token: str = Field(description="The secret; shown once.")
    personal_feed_url: str = Field(
        description="Your calendar feed, for a calendar client to subscribe to."
    )
    created_at: datetime
