from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.models.people import (
    ApiKey,
    ApiKeyPublic,
    Person,
    PersonPrivate,
    PersonPublic,
    RegistrationPending,
    TokenPair,
)
from app.schema.context import Info
from app.schema.descriptions import GATHERING_WINDOW, arguments, described
from app.schema.generate import FromModel, object_type
from app.schema.lazy import lazy_class
from app.schema.relay import Connection, UuidNode, connection, page_params
from app.services.actors import Actor
from app.services.people import service as people

if TYPE_CHECKING:
    from app.schema.gatherings.types import GatheringType
    from app.schema.memberships.types import MembershipType

# Their modules import this one: they are named lazily (see app.schema.lazy).
MembershipRef = Annotated["MembershipType", strawberry.lazy("app.schema.memberships.types")]
GatheringRef = Annotated["GatheringType", strawberry.lazy("app.schema.gatherings.types")]


@object_type(
    PersonPublic,
    name="Person",
    description="A person: what others see of them, and for themselves and platform admins "
    "their email and settings too.",
)
class PersonType(UuidNode, FromModel):
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to updateMe."
    )
    # What only the person and platform admins see (`PersonPrivate` in REST), null to others.
    email: str | None = strawberry.field(
        default=None,
        description="The address they log in with; only for themselves and platform admins.",
    )
    share_participation: bool | None = strawberry.field(
        default=None,
        description="Whether other members may see their RSVPs and attendance; only for "
        "themselves and platform admins.",
    )
    email_verified_at: datetime | None = strawberry.field(
        default=None,
        description="Only for yourself and platform admins: when the email was verified "
        "(null until then, when memberships count for nothing).",
    )

    @classmethod
    def for_viewer(cls, person: Person, actor: Actor) -> "PersonType":
        if people.sees_private(actor, person.id):
            return cls.private(person)
        return cls.from_model(person)

    @classmethod
    def private(cls, person: Person) -> "PersonType":
        """The person with their email and settings: for themselves and platform admins."""
        shown = cls.from_model(person)
        for name in _PRIVATE:
            setattr(shown, name, getattr(person, name))
        return shown

    @strawberry.field(description="The memberships of this person that you may see.")
    async def memberships(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[MembershipRef]:
        page = await info.context.loaders.person_memberships.load(
            (self.id, page_params(first, after, last, before))
        )
        return connection(page, lazy_class(MembershipRef).from_model)

    @arguments(**GATHERING_WINDOW)
    @strawberry.field(
        description="Gatherings across this person's domains that you may see (an agenda)."
    )
    async def gatherings(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[GatheringRef] | None:
        page = await info.context.loaders.person_gatherings.load(
            (self.id, page_params(first, after, last, before), from_, to)
        )
        return connection(page, lazy_class(GatheringRef).from_model)


# The private fields GraphQL shows, taken from `PersonPrivate`.
_PRIVATE = tuple(
    name
    for name in PersonPrivate.model_fields
    if name not in PersonPublic.model_fields and name in PersonType.__annotations__
)


# Written out, not generated: GraphQL lists the address before the sentence, REST after.
@described(RegistrationPending)
@strawberry.type(name="RegistrationPending")
class RegistrationPendingType:
    email: str
    detail: str


RegisterResult = Annotated[
    PersonType | RegistrationPendingType,
    strawberry.union(
        "RegisterResult",
        description="The new account, or a sign-up that waits on its mailed link.",
    ),
]


@object_type(TokenPair, name="TokenPair")
class TokenPairType(FromModel):
    pass


@object_type(
    ApiKeyPublic, name="ApiKey", description="An API key; its secret only when it is created."
)
class ApiKeyType(UuidNode, FromModel):
    key: str | None = strawberry.field(
        default=None, description="The secret: only in the response that creates the key."
    )

    @classmethod
    def created(cls, key: ApiKey, secret: str) -> "ApiKeyType":
        shown = cls.from_model(key)
        shown.key = secret
        return shown
