from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from app.models.people import (
    ApiKey,
    ApiKeyCreated,
    Person,
    PersonPrivate,
    RegistrationPending,
    TokenPair,
)
from app.schema.context import Info
from app.schema.descriptions import GATHERING_WINDOW, arguments, described
from app.schema.relay import Connection, UuidNode, connection, page_params
from app.services.actors import Actor
from app.services.people import service as people

if TYPE_CHECKING:
    from app.schema.gatherings.types import GatheringType
    from app.schema.memberships.types import MembershipType


@described(PersonPrivate)
@strawberry.type(
    name="Person",
    description="A person: what others see of them, and for themselves and platform admins "
    "their email and settings too.",
)
class PersonType(UuidNode):
    display_name: str
    bio: str
    expertise: list[str]
    timezone: str
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to updateMe."
    )
    email: str | None = strawberry.field(
        description="The address they log in with; only for themselves and platform admins."
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
        return cls.from_model(person, private=people.sees_private(actor, person.id))

    @classmethod
    def from_model(cls, person: Person, *, private: bool = False) -> "PersonType":
        return cls(
            id=person.id,
            display_name=person.display_name,
            bio=person.bio,
            expertise=list(person.expertise),
            timezone=person.timezone,
            created_at=person.created_at,
            updated_at=person.updated_at,
            version=person.version,
            email=person.email if private else None,
            share_participation=person.share_participation if private else None,
            email_verified_at=person.email_verified_at if private else None,
        )

    @strawberry.field(description="The memberships of this person that you may see.")
    async def memberships(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Annotated["MembershipType", strawberry.lazy("app.schema.memberships.types")]]:
        from app.schema.memberships.types import MembershipType

        page = await info.context.loaders.person_memberships.load(
            (self.id, page_params(first, after, last, before))
        )
        return connection(page, MembershipType.from_model)

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
    ) -> (
        Connection[Annotated["GatheringType", strawberry.lazy("app.schema.gatherings.types")]]
        | None
    ):
        from app.schema.gatherings.types import GatheringType

        page = await info.context.loaders.person_gatherings.load(
            (self.id, page_params(first, after, last, before), from_, to)
        )
        return connection(page, GatheringType.from_model)


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


@described(TokenPair)
@strawberry.type(name="TokenPair")
class TokenPairType:
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


@described(ApiKeyCreated)
@strawberry.type(name="ApiKey", description="An API key; its secret only when it is created.")
class ApiKeyType(UuidNode):
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    rate_limit_per_minute: int | None
    key: str | None = strawberry.field(
        default=None, description="The secret: only in the response that creates the key."
    )

    @classmethod
    def from_model(cls, key: ApiKey, secret: str | None = None) -> "ApiKeyType":
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scopes=list(key.scopes),
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
            rate_limit_per_minute=key.rate_limit_per_minute,
            key=secret,
        )
