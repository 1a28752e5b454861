import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.models.domains import Domain, DomainPublic
from app.models.memberships import Invitation
from app.schema.context import Info
from app.schema.descriptions import (
    GATHERING_WINDOW,
    MIN_COATTENDANCE,
    VIEW_WINDOW,
    arguments,
    described,
)
from app.schema.enums import (
    ContributionSort,
    GatheringStatus,
    HistoryInterval,
    JoinPolicy,
    LifecycleStage,
    MembershipStatus,
    Role,
    Visibility,
)
from app.schema.relay import Connection, UuidNode, connection, page_params

if TYPE_CHECKING:
    from app.schema.contributions.operations import ContributionFilterInput
    from app.schema.contributions.types import ContributionType
    from app.schema.gatherings.types import GatheringType
    from app.schema.memberships.types import MembershipType
    from app.schema.views.types import (
        CommunityView,
        ComparisonHistory,
        ComparisonView,
        NetworkView,
    )

GatheringRef = Annotated["GatheringType", strawberry.lazy("app.schema.gatherings.types")]
ContributionRef = Annotated["ContributionType", strawberry.lazy("app.schema.contributions.types")]

FilterRef = Annotated[
    "ContributionFilterInput", strawberry.lazy("app.schema.contributions.operations")
]
MembershipRef = Annotated["MembershipType", strawberry.lazy("app.schema.memberships.types")]


@described(Invitation)
@strawberry.type(name="Invitation")
class InvitationType:
    invited_at: datetime
    invited_by_id: uuid.UUID | None
    invited_by_name: str | None
    roles: list[Role]


@described(DomainPublic)
@strawberry.type(name="Domain")
class DomainType(UuidNode):
    slug: str
    name: str
    purpose: str
    description: str
    goals: list[str]
    boundaries: str
    themes: list[str]
    visibility: Visibility
    join_policy: JoinPolicy
    max_active_members: int | None
    lifecycle_stage: LifecycleStage
    timezone: str
    code_of_conduct: str
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change this domain "
        "only if no one changed it since."
    )
    parent_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, d: Domain) -> "DomainType":
        return cls(
            id=d.id,
            slug=d.slug,
            name=d.name,
            purpose=d.purpose,
            description=d.description,
            goals=list(d.goals),
            boundaries=d.boundaries,
            themes=list(d.themes),
            visibility=Visibility(d.visibility),
            join_policy=JoinPolicy(d.join_policy),
            max_active_members=d.max_active_members,
            lifecycle_stage=LifecycleStage(d.lifecycle_stage),
            timezone=d.timezone,
            code_of_conduct=d.code_of_conduct,
            created_at=d.created_at,
            updated_at=d.updated_at,
            archived_at=d.archived_at,
            version=d.version,
            parent_id=d.parent_id,
        )

    @strawberry.field(description="The domain this one is an affinity sub-group of.")
    async def parent(self, info: Info) -> "DomainType | None":
        if self.parent_id is None:
            return None
        parent = await info.context.loaders.domain.load(self.parent_id)
        return DomainType.from_model(parent) if parent else None

    @strawberry.field(
        description="Your pending invitation to this domain, if you have one: who invited "
        "you, when, and with which roles."
    )
    async def invitation(self, info: Info) -> InvitationType | None:
        found = await info.context.loaders.domain_invitation.load(self.id)
        if found is None:
            return None
        return InvitationType(
            invited_at=found.invited_at,
            invited_by_id=found.invited_by_id,
            invited_by_name=found.invited_by_name,
            roles=list(found.roles),
        )

    @arguments(
        status="Only memberships with this status (convenors and admins; others see active "
        "members only).",
        role="Only members with this role.",
    )
    @strawberry.field(description="Members (members of the domain and admins may read them).")
    async def members(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: MembershipStatus | None = None,
        role: Role | None = None,
    ) -> Connection[MembershipRef] | None:
        from app.schema.memberships.types import MembershipType

        page = await info.context.loaders.domain_members.load(
            (
                self.id,
                page_params(first, after, last, before),
                status,
                role,
            )
        )
        return connection(page, MembershipType.from_model)

    @arguments(**GATHERING_WINDOW, status="Only gatherings with this status.")
    @strawberry.field(description="Gatherings in a window (default: the next 90 days).")
    async def gatherings(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        status: GatheringStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[GatheringRef] | None:
        from app.schema.gatherings.types import GatheringType

        page = await info.context.loaders.domain_gatherings.load(
            (self.id, page_params(first, after, last, before), from_, to, status)
        )
        return connection(page, GatheringType.from_model)

    @arguments(filter="What to narrow the list to.", sort="The list's order.")
    @strawberry.field(description="The domain's contributions, filtered, searched and sorted.")
    async def contributions(
        self,
        info: Info,
        filter: Annotated[
            "ContributionFilterInput", strawberry.lazy("app.schema.contributions.operations")
        ]
        | None = None,
        sort: ContributionSort = ContributionSort.newest,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ContributionRef] | None:
        from app.schema.contributions.types import ContributionType
        from app.services.contributions.service import ContributionFilter

        narrow = filter.to_filter(sort) if filter else ContributionFilter(sort=sort)
        page = await info.context.loaders.domain_contributions.load(
            (self.id, page_params(first, after, last, before), narrow)
        )
        return connection(page, ContributionType.from_model)

    @arguments(
        **VIEW_WINDOW,
        layers="The kinds of tie to count: reply, appreciation, endorsement, coattendance "
        "(default: all four).",
        min_coattendance=MIN_COATTENDANCE,
    )
    @strawberry.field(description="This domain's members as a network (members only).")
    async def network_view(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        layers: list[str] | None = None,
        min_coattendance: int = 2,
    ) -> Annotated["NetworkView", strawberry.lazy("app.schema.views.types")] | None:
        from app.schema.views.operations import domain_network

        return await domain_network(info, self.slug, since, until, layers, min_coattendance)

    @arguments(**VIEW_WINDOW)
    @strawberry.field(description="This domain as a community: domain, community, practice.")
    async def community_view(
        self, info: Info, since: datetime | None = None, until: datetime | None = None
    ) -> Annotated["CommunityView", strawberry.lazy("app.schema.views.types")] | None:
        from app.schema.views.operations import domain_community

        return await domain_community(info, self.slug, since, until)

    @arguments(**VIEW_WINDOW)
    @strawberry.field(description="Network and community scores side by side, diagnosed.")
    async def comparison(
        self, info: Info, since: datetime | None = None, until: datetime | None = None
    ) -> Annotated["ComparisonView", strawberry.lazy("app.schema.views.types")] | None:
        from app.schema.views.operations import domain_comparison

        return await domain_comparison(info, self.slug, since, until)

    @arguments(
        since="Start of the history (default: 12 months before `until`).",
        until=VIEW_WINDOW["until"],
        interval="A point a month or a quarter; at most 60 points.",
    )
    @strawberry.field(description="The two scores over time.")
    async def comparison_history(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        interval: HistoryInterval = HistoryInterval.month,
    ) -> Annotated["ComparisonHistory", strawberry.lazy("app.schema.views.types")] | None:
        from app.schema.views.operations import domain_comparison_history

        return await domain_comparison_history(info, self.slug, since, until, interval)
