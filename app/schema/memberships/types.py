import inspect

import strawberry

from app.models.memberships import MembershipDetail, MembershipEventPublic, MembershipPublic
from app.schema.context import Info
from app.schema.domains.types import DomainType
from app.schema.generate import FromModel, object_type
from app.schema.people.types import PersonType
from app.schema.relay import UuidNode


@object_type(MembershipEventPublic, name="MembershipEvent")
class MembershipEventType(FromModel):
    pass


# The type shows a membership with its history (MembershipDetail) but is built from the
# membership alone (MembershipPublic): `history` is resolved when asked for.
@object_type(
    MembershipPublic,
    name="Membership",
    description=inspect.cleandoc(MembershipDetail.__doc__ or ""),
)
class MembershipType(UuidNode, FromModel):
    domain_id: strawberry.auto
    person_id: strawberry.auto
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change "
        "this membership only if no one changed it since."
    )

    @strawberry.field(description="The member.")
    async def person(self, info: Info) -> PersonType | None:
        person = await info.context.loaders.person.load(self.person_id)
        return PersonType.for_viewer(person, info.context.actor) if person else None

    @strawberry.field(description="The domain.")
    async def domain(self, info: Info) -> DomainType | None:
        domain = await info.context.loaders.domain.load(self.domain_id)
        return DomainType.from_model(domain) if domain else None

    @strawberry.field(description=MembershipDetail.model_fields["history"].description)
    async def history(self, info: Info) -> list[MembershipEventType]:
        events = await info.context.loaders.membership_history.load(self.id)
        return [MembershipEventType.from_model(e) for e in events]
