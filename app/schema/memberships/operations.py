import uuid

import strawberry

from app.models.memberships import MembershipCreate, MembershipUpdate
from app.schema.context import Info
from app.schema.descriptions import arguments, described
from app.schema.enums import Role
from app.schema.generate import input_type
from app.schema.inputs import ExpectedVersion, input_data
from app.schema.memberships.types import MembershipType
from app.services.memberships import lifecycle, reads
from app.services.validation import parse


@input_type(MembershipUpdate, name="MembershipUpdateInput")
class MembershipUpdateInput:
    accept_code_of_conduct: bool = False  # GraphQL shows the default


@described()
@strawberry.type
class MembershipQuery:
    @arguments(person_id="The member's id.")
    @strawberry.field(description="One membership, with its history.")
    async def membership(
        self, info: Info, slug: str, person_id: uuid.UUID
    ) -> MembershipType | None:
        async with info.context.session() as session:
            membership, _ = await reads.get_membership(session, info.context.actor, slug, person_id)
        return MembershipType.from_model(membership)


@described()
@strawberry.type
class MembershipMutation:
    @arguments(MembershipCreate)
    @strawberry.mutation(description="Join an open domain, or ask to join a 'request' one.")
    async def join_domain(
        self, info: Info, slug: str, accept_code_of_conduct: bool = False
    ) -> MembershipType | None:
        data = MembershipCreate(accept_code_of_conduct=accept_code_of_conduct)
        async with info.context.session() as session:
            membership = await lifecycle.join_or_invite(session, info.context.actor, slug, data)
        return MembershipType.from_model(membership)

    @arguments(person_id="The person to invite.", roles="Their roles once they accept.")
    @strawberry.mutation(description="Invite someone (convenors); they accept or decline.")
    async def invite_member(
        self,
        info: Info,
        slug: str,
        person_id: uuid.UUID,
        roles: list[Role] | None = None,
    ) -> MembershipType | None:
        data = parse(MembershipCreate, {"person_id": person_id, "roles": roles})
        async with info.context.session() as session:
            membership = await lifecycle.join_or_invite(session, info.context.actor, slug, data)
        return MembershipType.from_model(membership)

    @arguments(person_id="The member's id.")
    @strawberry.mutation(
        description="Accept, approve, decline, leave or remove; or change roles (convenors)."
    )
    async def update_membership(
        self,
        info: Info,
        slug: str,
        person_id: uuid.UUID,
        input: MembershipUpdateInput,
        expected_version: ExpectedVersion = None,
    ) -> MembershipType | None:
        data = parse(MembershipUpdate, input_data(input))
        async with info.context.session() as session:
            membership = await lifecycle.update_membership(
                session, info.context.actor, slug, person_id, data, expected_version
            )
        return MembershipType.from_model(membership)

    @arguments(person_id="The member's id: your own to leave.")
    @strawberry.mutation(description="Leave (yourself) or remove someone (convenors).")
    async def end_membership(
        self,
        info: Info,
        slug: str,
        person_id: uuid.UUID,
        expected_version: ExpectedVersion = None,
    ) -> MembershipType | None:
        async with info.context.session() as session:
            membership = await lifecycle.end_membership(
                session, info.context.actor, slug, person_id, expected_version
            )
        return MembershipType.from_model(membership)
