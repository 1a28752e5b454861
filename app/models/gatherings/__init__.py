"""Gatherings: a community's regular meetings, their RSVPs, attendance and calendar feeds."""

from app.models.gatherings.enums import (
    AttendanceSource,
    EditScope,
    GatheringStatus,
    Modality,
    RsvpResponse,
    RsvpStatus,
    SegmentKind,
)
from app.models.gatherings.public import (
    AttendancePublic,
    FeedTokenCreated,
    FeedTokenPublic,
    GatheringPublic,
    RecurrencePublic,
    RsvpCounts,
    RsvpList,
    RsvpPublic,
)
from app.models.gatherings.requests import (
    AgendaSegment,
    AttendanceInput,
    GatheringChanges,
    GatheringCreate,
    GatheringUpdate,
    RsvpInput,
    SummaryInput,
)
from app.models.gatherings.tables import (
    Attendance,
    FeedToken,
    Gathering,
    GatheringSeries,
    Rsvp,
)

__all__ = [
    "AgendaSegment",
    "Attendance",
    "AttendanceInput",
    "AttendancePublic",
    "AttendanceSource",
    "EditScope",
    "FeedToken",
    "FeedTokenCreated",
    "FeedTokenPublic",
    "Gathering",
    "GatheringChanges",
    "GatheringCreate",
    "GatheringPublic",
    "GatheringSeries",
    "GatheringStatus",
    "GatheringUpdate",
    "Modality",
    "RecurrencePublic",
    "Rsvp",
    "RsvpCounts",
    "RsvpInput",
    "RsvpList",
    "RsvpPublic",
    "RsvpResponse",
    "RsvpStatus",
    "SegmentKind",
    "SummaryInput",
]
