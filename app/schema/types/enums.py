import strawberry

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

VisibilityEnum = strawberry.enum(Visibility, name="Visibility")
JoinPolicyEnum = strawberry.enum(JoinPolicy, name="JoinPolicy")
LifecycleStageEnum = strawberry.enum(LifecycleStage, name="LifecycleStage")
MembershipStatusEnum = strawberry.enum(MembershipStatus, name="MembershipStatus")
RoleEnum = strawberry.enum(Role, name="Role")
MembershipEventKindEnum = strawberry.enum(MembershipEventKind, name="MembershipEventKind")
ApiKeyScopeEnum = strawberry.enum(ApiKeyScope, name="ApiKeyScope")
ModalityEnum = strawberry.enum(Modality, name="Modality")
GatheringStatusEnum = strawberry.enum(GatheringStatus, name="GatheringStatus")
SegmentKindEnum = strawberry.enum(SegmentKind, name="SegmentKind")
RsvpResponseEnum = strawberry.enum(RsvpResponse, name="RsvpResponse")
RsvpStatusEnum = strawberry.enum(RsvpStatus, name="RsvpStatus")
AttendanceSourceEnum = strawberry.enum(AttendanceSource, name="AttendanceSource")
EditScopeEnum = strawberry.enum(EditScope, name="EditScope")
ContributionKindEnum = strawberry.enum(ContributionKind, name="ContributionKind")
ContributionStatusEnum = strawberry.enum(ContributionStatus, name="ContributionStatus")
ContributionSortEnum = strawberry.enum(ContributionSort, name="ContributionSort")
EndorsementKindEnum = strawberry.enum(EndorsementKind, name="EndorsementKind")
ValueCycleEnum = strawberry.enum(ValueCycle, name="ValueCycle")
ReportStatusEnum = strawberry.enum(ReportStatus, name="ReportStatus")
ModerationActionEnum = strawberry.enum(ModerationAction, name="ModerationAction")
