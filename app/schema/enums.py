"""The GraphQL enums: each Python enum registered once, in place, with the meanings
written next to it (see `app.schema.descriptions.graphql_enum`). Annotations name the
Python enum itself, imported from here so that it is registered before use; Strawberry
maps it to its GraphQL enum and mypy takes it as the type it is."""

from app.models.contributions import (
    ContributionKind,
    ContributionSort,
    ContributionStatus,
    EndorsementKind,
    ModerationAction,
    ReportStatus,
    ValueCycle,
)
from app.models.domains import JoinPolicy, LifecycleStage, Visibility
from app.models.gatherings import (
    AttendanceSource,
    EditScope,
    GatheringStatus,
    Modality,
    RsvpResponse,
    RsvpStatus,
    SegmentKind,
)
from app.models.memberships import MembershipEventKind, MembershipStatus, Role
from app.models.people import ApiKeyScope
from app.models.views import HistoryInterval
from app.schema.descriptions import graphql_enum

__all__ = [
    "ApiKeyScope",
    "AttendanceSource",
    "ContributionKind",
    "ContributionSort",
    "ContributionStatus",
    "EditScope",
    "EndorsementKind",
    "GatheringStatus",
    "HistoryInterval",
    "JoinPolicy",
    "LifecycleStage",
    "MembershipEventKind",
    "MembershipStatus",
    "Modality",
    "ModerationAction",
    "ReportStatus",
    "Role",
    "RsvpResponse",
    "RsvpStatus",
    "SegmentKind",
    "ValueCycle",
    "Visibility",
]

# The views register their own enums; HistoryInterval is here as an argument of
# `Domain.comparisonHistory`, which needs it registered first.
for _enum in (
    Visibility,
    JoinPolicy,
    LifecycleStage,
    MembershipStatus,
    Role,
    MembershipEventKind,
    ApiKeyScope,
    Modality,
    GatheringStatus,
    SegmentKind,
    RsvpResponse,
    RsvpStatus,
    AttendanceSource,
    EditScope,
    ContributionKind,
    ContributionStatus,
    ContributionSort,
    EndorsementKind,
    ValueCycle,
    ReportStatus,
    ModerationAction,
    HistoryInterval,
):
    graphql_enum(_enum)
