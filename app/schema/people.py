import uuid

import strawberry

from app.models.people import ApiKeyCreate, ApiKeyUpdate, PersonRegister, PersonUpdate
from app.schema.context import Info
from app.schema.inputs import ExpectedVersion, input_data
from app.schema.relay import Connection, connection, page_params
from app.schema.types.enums import ApiKeyScopeEnum
from app.schema.types.people import ApiKeyType, PersonType, TokenPairType
from app.services import api_keys, auth, people
from app.services.validation import parse


@strawberry.input
class RegisterInput:
    email: str
    password: str
    display_name: str
    bio: str | None = strawberry.UNSET
    expertise: list[str] | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET


@strawberry.input
class PersonUpdateInput:
    display_name: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    expertise: list[str] | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    password: str | None = strawberry.UNSET
    share_participation: bool | None = strawberry.UNSET


@strawberry.input
class ApiKeyInput:
    name: str
    scopes: list[ApiKeyScopeEnum] | None = strawberry.UNSET  # type: ignore[valid-type]
    rate_limit_per_minute: int | None = strawberry.UNSET


@strawberry.input
class ApiKeyUpdateInput:
    rate_limit_per_minute: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Requests a minute for this key; null: back to the service's default.",
    )


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The signed-in person.")
    async def me(self, info: Info) -> PersonType:
        async with info.context.session() as session:
            person = await people.get_me(session, info.context.actor)
        return PersonType.from_model(person, private=True)

    @strawberry.field
    async def person(self, info: Info, id: uuid.UUID) -> PersonType:
        async with info.context.session() as session:
            person = await people.get_person(session, info.context.actor, id)
        return PersonType.for_viewer(person, info.context.actor)

    @strawberry.field(description="People you may see: yourself and those you share a domain with.")
    async def people(
        self,
        info: Info,
        q: str | None = None,
        expertise: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PersonType]:
        async with info.context.session() as session:
            page = await people.list_people(
                session, info.context.actor, page_params(first, after), q=q, expertise=expertise
            )
        return connection(page, lambda p: PersonType.for_viewer(p, info.context.actor))

    @strawberry.field(description="API keys (platform admins).")
    async def api_keys(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApiKeyType]:
        async with info.context.session() as session:
            page = await api_keys.list_api_keys(
                session, info.context.actor, page_params(first, after)
            )
        return connection(page, ApiKeyType.from_model)


@strawberry.type
class PeopleMutation:
    @strawberry.mutation
    async def register(self, info: Info, input: RegisterInput) -> PersonType | None:
        data = parse(PersonRegister, input_data(input))
        async with info.context.session() as session:
            person = await people.register(session, info.context.passwords, data)
        return PersonType.from_model(person, private=True)

    @strawberry.mutation(description="Log in with email and password.")
    async def login(self, info: Info, email: str, password: str) -> TokenPairType | None:
        async with info.context.session() as session:
            pair = await auth.login(
                session,
                info.context.passwords,
                info.context.settings,
                email,
                password,
                throttle=info.context.login_throttle,
                client=info.context.client_address,
            )
        return TokenPairType(**pair.model_dump())

    @strawberry.mutation
    async def refresh_token(self, info: Info, refresh_token: str) -> TokenPairType | None:
        async with info.context.session() as session:
            pair = await auth.refresh(session, info.context.settings, refresh_token)
        return TokenPairType(**pair.model_dump())

    @strawberry.mutation
    async def update_me(
        self, info: Info, input: PersonUpdateInput, expected_version: ExpectedVersion = None
    ) -> PersonType | None:
        data = parse(PersonUpdate, input_data(input))
        async with info.context.session() as session:
            person = await people.update_me(
                session, info.context.passwords, info.context.actor, data, expected_version
            )
        return PersonType.from_model(person, private=True)

    @strawberry.mutation(description="Create an API key; the secret is in `key`, shown once.")
    async def create_api_key(self, info: Info, input: ApiKeyInput) -> ApiKeyType | None:
        data = parse(ApiKeyCreate, input_data(input))
        async with info.context.session() as session:
            key, secret = await api_keys.create_api_key(session, info.context.actor, data)
        return ApiKeyType.from_model(key, secret)

    @strawberry.mutation(description="Change an API key's own rate limit.")
    async def update_api_key(
        self, info: Info, id: uuid.UUID, input: ApiKeyUpdateInput
    ) -> ApiKeyType | None:
        data = parse(ApiKeyUpdate, input_data(input))
        async with info.context.session() as session:
            key = await api_keys.update_api_key(session, info.context.actor, id, data)
        return ApiKeyType.from_model(key)

    @strawberry.mutation
    async def revoke_api_key(self, info: Info, id: uuid.UUID) -> ApiKeyType | None:
        async with info.context.session() as session:
            key = await api_keys.revoke_api_key(session, info.context.actor, id)
        return ApiKeyType.from_model(key)
