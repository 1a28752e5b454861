"""What clients send to schedule, change, answer, record and summarise gatherings."""

import uuid
from datetime import datetime
from typing import Annotated

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

from app.models.common import Input, descriptions_from
from app.models.gatherings.enums import GatheringStatus, Modality, RsvpResponse, SegmentKind
from app.models.people import TimeZoneName

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
