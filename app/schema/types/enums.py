import strawberry

from app.models.domains import JoinPolicy, LifecycleStage, Visibility
from app.models.memberships import MembershipEventKind, MembershipStatus, Role
from app.models.people import ApiKeyScope

VisibilityEnum = strawberry.enum(Visibility, name="Visibility")
JoinPolicyEnum = strawberry.enum(JoinPolicy, name="JoinPolicy")
LifecycleStageEnum = strawberry.enum(LifecycleStage, name="LifecycleStage")
MembershipStatusEnum = strawberry.enum(MembershipStatus, name="MembershipStatus")
RoleEnum = strawberry.enum(Role, name="Role")
MembershipEventKindEnum = strawberry.enum(MembershipEventKind, name="MembershipEventKind")
ApiKeyScopeEnum = strawberry.enum(ApiKeyScope, name="ApiKeyScope")
