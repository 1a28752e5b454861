import uuid

import strawberry

from app.models.people import (
    ApiKeyCreate,
    ApiKeyUpdate,
    PasswordResetConfirm,
    PasswordResetRequest,
    PersonRegister,
    PersonUpdate,
    RefreshRequest,
    RegistrationPending,
    VerifyEmailRequest,
)
from app.schema.context import Info
from app.schema.descriptions import arguments, described
from app.schema.generate import input_type
from app.schema.inputs import ExpectedVersion, input_data
from app.schema.people.types import (
    ApiKeyType,
    PersonType,
    RegisterResult,
    RegistrationPendingType,
    TokenPairType,
)
from app.schema.relay import Connection, connection, page_params
from app.services.people import accounts, api_keys, auth
from app.services.people import service as people
from app.services.validation import parse


@input_type(PersonRegister, name="RegisterInput")
class RegisterInput:
    pass


@input_type(PersonUpdate, name="PersonUpdateInput")
class PersonUpdateInput:
    pass


@input_type(ApiKeyCreate, name="ApiKeyInput")
class ApiKeyInput:
    pass


@input_type(ApiKeyUpdate, name="ApiKeyUpdateInput")
class ApiKeyUpdateInput:
    pass


@described()
@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The signed-in person.")
    async def me(self, info: Info) -> PersonType:
        async with info.context.session() as session:
            person = await people.get_me(session, info.context.actor)
        return PersonType.private(person)

    @arguments(id="The person's id.")
    @strawberry.field(
        description="A person you may see: yourself, or someone you share a domain with."
    )
    async def person(self, info: Info, id: uuid.UUID) -> PersonType | None:
        async with info.context.session() as session:
            person = await people.get_person(session, info.context.actor, id)
        return PersonType.for_viewer(person, info.context.actor)

    @arguments(
        q="Only people whose name or bio (or, for platform admins, email) contains this.",
        expertise="Only people with this expertise tag.",
    )
    @strawberry.field(description="People you may see: yourself and those you share a domain with.")
    async def people(
        self,
        info: Info,
        q: str | None = None,
        expertise: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PersonType]:
        async with info.context.session() as session:
            page = await people.list_people(
                session,
                info.context.actor,
                page_params(first, after, last, before),
                q=q,
                expertise=expertise,
            )
        return connection(page, lambda p: PersonType.for_viewer(p, info.context.actor))

    @strawberry.field(description="API keys (platform admins).")
    async def api_keys(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ApiKeyType]:
        async with info.context.session() as session:
            page = await api_keys.list_api_keys(
                session, info.context.actor, page_params(first, after, last, before)
            )
        return connection(page, ApiKeyType.from_model)


@described()
@strawberry.type
class PeopleMutation:
    @strawberry.mutation(
        description="Sign up. A `RegistrationPending` when the address belongs to someone a "
        "community had added: the sign-up finishes when the mailed link is used."
    )
    async def register(self, info: Info, input: RegisterInput) -> RegisterResult | None:
        data = parse(PersonRegister, input_data(input))
        ctx = info.context
        async with ctx.session() as session:
            result = await people.register(session, ctx.passwords, ctx.mailer, ctx.settings, data)
        if isinstance(result, RegistrationPending):
            return RegistrationPendingType(email=result.email, detail=result.detail)
        return PersonType.private(result)

    @arguments(VerifyEmailRequest)
    @strawberry.mutation(description="Verify your email with the token from the mailed link.")
    async def verify_email(self, info: Info, token: str) -> PersonType | None:
        data = parse(VerifyEmailRequest, {"token": token})
        async with info.context.session() as session:
            person = await accounts.verify_email(session, data.token)
        return PersonType.private(person)

    @strawberry.mutation(description="Mail another verification link (at most one a minute).")
    async def resend_verification_email(self, info: Info) -> str | None:
        ctx = info.context
        async with ctx.session() as session:
            accepted = await accounts.resend_verification(
                session, ctx.mailer, ctx.settings, ctx.actor
            )
        return accepted.detail

    @arguments(PasswordResetRequest)
    @strawberry.mutation(
        description="Mail a link to choose a new password. The same answer for any address."
    )
    async def request_password_reset(self, info: Info, email: str) -> str | None:
        data = parse(PasswordResetRequest, {"email": email})
        ctx = info.context
        async with ctx.session() as session:
            accepted = await accounts.request_password_reset(
                session, ctx.mailer, ctx.settings, data.email
            )
        return accepted.detail

    @arguments(PasswordResetConfirm)
    @strawberry.mutation(description="Choose a new password with the token from the mailed link.")
    async def confirm_password_reset(
        self, info: Info, token: str, new_password: str
    ) -> PersonType | None:
        data = parse(PasswordResetConfirm, {"token": token, "new_password": new_password})
        async with info.context.session() as session:
            person = await accounts.confirm_password_reset(
                session, info.context.passwords, data.token, data.new_password
            )
        return PersonType.private(person)

    @arguments(id="The person's id.")
    @strawberry.mutation(description="Mark a person's email verified (platform admins).")
    async def verify_person_email(self, info: Info, id: uuid.UUID) -> PersonType | None:
        async with info.context.session() as session:
            person = await accounts.verify_person_email(session, info.context.actor, id)
        return PersonType.private(person)

    @arguments(email="The address you log in with.", password="Your password.")
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
        return TokenPairType.from_model(pair)

    @arguments(RefreshRequest)
    @strawberry.mutation(
        description="A new token pair for a refresh token, which is spent by it (a retry "
        "within seconds gets the same pair)."
    )
    async def refresh_token(self, info: Info, refresh_token: str) -> TokenPairType | None:
        async with info.context.session() as session:
            pair = await auth.refresh(session, info.context.settings, refresh_token)
        return TokenPairType.from_model(pair)

    @strawberry.mutation(description="Change your profile and settings.")
    async def update_me(
        self, info: Info, input: PersonUpdateInput, expected_version: ExpectedVersion = None
    ) -> PersonType | None:
        data = parse(PersonUpdate, input_data(input))
        async with info.context.session() as session:
            person = await people.update_me(
                session, info.context.passwords, info.context.actor, data, expected_version
            )
        return PersonType.private(person)

    @strawberry.mutation(description="Create an API key; the secret is in `key`, shown once.")
    async def create_api_key(self, info: Info, input: ApiKeyInput) -> ApiKeyType | None:
        data = parse(ApiKeyCreate, input_data(input))
        async with info.context.session() as session:
            key, secret = await api_keys.create_api_key(session, info.context.actor, data)
        return ApiKeyType.created(key, secret)

    @arguments(id="The key's id.")
    @strawberry.mutation(description="Change an API key's own rate limit.")
    async def update_api_key(
        self, info: Info, id: uuid.UUID, input: ApiKeyUpdateInput
    ) -> ApiKeyType | None:
        data = parse(ApiKeyUpdate, input_data(input))
        async with info.context.session() as session:
            key = await api_keys.update_api_key(session, info.context.actor, id, data)
        return ApiKeyType.from_model(key)

    @arguments(id="The key's id.")
    @strawberry.mutation(description="Revoke an API key: it stops working at once.")
    async def revoke_api_key(self, info: Info, id: uuid.UUID) -> ApiKeyType | None:
        async with info.context.session() as session:
            key = await api_keys.revoke_api_key(session, info.context.actor, id)
        return ApiKeyType.from_model(key)
