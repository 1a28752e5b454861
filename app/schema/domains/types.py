import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.models.contributions import ContributionFilter
from app.models.domains import DomainPublic
from app.models.memberships import Invitation
from app.schema.context import Info
from app.schema.descriptions import (
    GATHERING_WINDOW,
    MIN_COATTENDANCE,
    VIEW_WINDOW,
    arguments,
)
from app.schema.enums import (
    ContributionSort,
    GatheringStatus,
    HistoryInterval,
    MembershipStatus,
    Role,
)
from app.schema.generate import FromModel, object_type
from app.schema.lazy import lazy_class
from app.schema.relay import Connection, UuidNode, connection, page_params
from app.schema.views.operations import (
    domain_community,
    domain_comparison,
    domain_comparison_history,
    domain_network,
)

if TYPE_CHECKING:
    from app.schema.contributions.inputs import ContributionFilterInput
    from app.schema.contributions.types import ContributionType
    from app.schema.gatherings.types import GatheringType
    from app.schema.memberships.types import MembershipType
    from app.schema.views.types import (
        CommunityView,
        ComparisonHistory,
        ComparisonView,
        NetworkView,
    )

# Their modules import this one: they are named lazily (see app.schema.lazy).
GatheringRef = Annotated["GatheringType", strawberry.lazy("app.schema.gatherings.types")]
ContributionRef = Annotated["ContributionType", strawberry.lazy("app.schema.contributions.types")]
FilterRef = Annotated["ContributionFilterInput", strawberry.lazy("app.schema.contributions.inputs")]
MembershipRef = Annotated["MembershipType", strawberry.lazy("app.schema.memberships.types")]


@object_type(Invitation, name="Invitation")
class InvitationType(FromModel):
    pass


@object_type(DomainPublic, name="Domain")
class DomainType(UuidNode, FromModel):
    slug: strawberry.auto
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change this domain "
        "only if no one changed it since."
    )
    parent_id: strawberry.Private[uuid.UUID | None]

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
        return InvitationType.from_model(found) if found else None

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
        page = await info.context.loaders.domain_members.load(
            (
                self.id,
                page_params(first, after, last, before),
                status,
                role,
            )
        )
        return connection(page, lazy_class(MembershipRef).from_model)

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
        page = await info.context.loaders.domain_gatherings.load(
            (self.id, page_params(first, after, last, before), from_, to, status)
        )
        return connection(page, lazy_class(GatheringRef).from_model)

    @arguments(filter="What to narrow the list to.", sort="The list's order.")
    @strawberry.field(description="The domain's contributions, filtered, searched and sorted.")
    async def contributions(
        self,
        info: Info,
        filter: FilterRef | None = None,
        sort: ContributionSort = ContributionSort.newest,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ContributionRef] | None:
        narrow = filter.to_filter() if filter else ContributionFilter()
        page = await info.context.loaders.domain_contributions.load(
            (self.id, page_params(first, after, last, before), narrow, sort)
        )
        return connection(page, lazy_class(ContributionRef).from_model)

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
        return await domain_network(info, self.slug, since, until, layers, min_coattendance)

    @arguments(**VIEW_WINDOW)
    @strawberry.field(description="This domain as a community: domain, community, practice.")
    async def community_view(
        self, info: Info, since: datetime | None = None, until: datetime | None = None
    ) -> Annotated["CommunityView", strawberry.lazy("app.schema.views.types")] | None:
        return await domain_community(info, self.slug, since, until)

    @arguments(**VIEW_WINDOW)
    @strawberry.field(description="Network and community scores side by side, diagnosed.")
    async def comparison(
        self, info: Info, since: datetime | None = None, until: datetime | None = None
    ) -> Annotated["ComparisonView", strawberry.lazy("app.schema.views.types")] | None:
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
        return await domain_comparison_history(info, self.slug, since, until, interval)
