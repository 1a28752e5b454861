import uuid
from datetime import datetime

import strawberry

from app.models.memberships import Membership, MembershipDetail, MembershipEventPublic
from app.schema.context import Info
from app.schema.descriptions import described
from app.schema.domains.types import DomainType
from app.schema.enums import MembershipEventKind, MembershipStatus, Role
from app.schema.people.types import PersonType
from app.schema.relay import UuidNode


@described(MembershipEventPublic)
@strawberry.type(name="MembershipEvent")
class MembershipEventType:
    kind: MembershipEventKind
    status: MembershipStatus
    roles: list[Role]
    actor_id: uuid.UUID | None
    at: datetime


@described(MembershipDetail)
@strawberry.type(name="Membership")
class MembershipType(UuidNode):
    domain_id: uuid.UUID
    person_id: uuid.UUID
    status: MembershipStatus
    roles: list[Role]
    created_at: datetime
    updated_at: datetime
    joined_at: datetime | None
    left_at: datetime | None
    conduct_accepted_at: datetime | None
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this membership only if no one changed it since."
    )

    @classmethod
    def from_model(cls, m: Membership) -> "MembershipType":
        return cls(
            id=m.id,
            domain_id=m.domain_id,
            person_id=m.person_id,
            status=MembershipStatus(m.status),
            roles=[Role(role) for role in m.roles],
            created_at=m.created_at,
            updated_at=m.updated_at,
            joined_at=m.joined_at,
            left_at=m.left_at,
            conduct_accepted_at=m.conduct_accepted_at,
            version=m.version,
        )

    @strawberry.field(description="The member.")
    async def person(self, info: Info) -> PersonType | None:
        person = await info.context.loaders.person.load(self.person_id)
        return PersonType.for_viewer(person, info.context.actor) if person else None

    @strawberry.field(description="The domain.")
    async def domain(self, info: Info) -> DomainType | None:
        domain = await info.context.loaders.domain.load(self.domain_id)
        return DomainType.from_model(domain) if domain else None

    @strawberry.field
    async def history(self, info: Info) -> list[MembershipEventType]:
        events = await info.context.loaders.membership_history.load(self.id)
        return [
            MembershipEventType(
                kind=e.kind, status=e.status, roles=list(e.roles), actor_id=e.actor_id, at=e.at
            )
            for e in events
        ]
