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

VisibilityEnum = graphql_enum(Visibility)
JoinPolicyEnum = graphql_enum(JoinPolicy)
LifecycleStageEnum = graphql_enum(LifecycleStage)
MembershipStatusEnum = graphql_enum(MembershipStatus)
RoleEnum = graphql_enum(Role)
MembershipEventKindEnum = graphql_enum(MembershipEventKind)
ApiKeyScopeEnum = graphql_enum(ApiKeyScope)
ModalityEnum = graphql_enum(Modality)
GatheringStatusEnum = graphql_enum(GatheringStatus)
SegmentKindEnum = graphql_enum(SegmentKind)
RsvpResponseEnum = graphql_enum(RsvpResponse)
RsvpStatusEnum = graphql_enum(RsvpStatus)
AttendanceSourceEnum = graphql_enum(AttendanceSource)
EditScopeEnum = graphql_enum(EditScope)
ContributionKindEnum = graphql_enum(ContributionKind)
ContributionStatusEnum = graphql_enum(ContributionStatus)
ContributionSortEnum = graphql_enum(ContributionSort)
EndorsementKindEnum = graphql_enum(EndorsementKind)
ValueCycleEnum = graphql_enum(ValueCycle)
ReportStatusEnum = graphql_enum(ReportStatus)
ModerationActionEnum = graphql_enum(ModerationAction)
# The views register their own enums; this one is an argument of `Domain.comparisonHistory`.
HistoryIntervalEnum = graphql_enum(HistoryInterval)
