"""Gatherings, RSVPs, attendance and feed tokens as the API shows them."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models.common import descriptions_from
from app.models.gatherings.enums import AttendanceSource, GatheringStatus, Modality, RsvpStatus
from app.models.gatherings.requests import AgendaSegment, GatheringCreate, SummaryInput


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
