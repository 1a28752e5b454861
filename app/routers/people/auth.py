from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import (
    ClientAddressDep,
    CurrentActor,
    LoginThrottleDep,
    MailerDep,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    locate,
)
from app.json_body import JSONRoute
from app.models.people import (
    Accepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    PersonPrivate,
    PersonRegister,
    RefreshRequest,
    RegistrationPending,
    TokenPair,
    VerifyEmailRequest,
)
from app.openapi import CREATED
from app.services.people import accounts, auth
from app.services.people import service as people

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=JSONRoute)


class TokenForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form, each field bounded (a password is at most 256 characters,
    as on sign-up)."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form(max_length=320, description="Your email")],
        password: Annotated[str, Form(max_length=256, json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form(max_length=200)] = "",
        client_id: Annotated[str | None, Form(max_length=200)] = None,
        client_secret: Annotated[
            str | None, Form(max_length=200, json_schema_extra={"format": "password"})
        ] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=PersonPrivate,
    responses={
        201: CREATED,
        202: {
            "model": RegistrationPending,
            "description": "The address belongs to someone a community had added: the "
            "sign-up finishes when the link mailed to it is used.",
        },
    },
    summary="Sign up with email and password",
)
async def register(
    data: PersonRegister,
    request: Request,
    response: Response,
    session: SessionDep,
    passwords: PasswordsDep,
    mailer: MailerDep,
    settings: SettingsDep,
) -> PersonPrivate | JSONResponse:
    """Creates an account with its email unverified and mails a verification link."""
    result = await people.register(session, passwords, mailer, settings, data)
    if isinstance(result, RegistrationPending):
        return JSONResponse(result.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    locate(request, response, "get_person", person_id=result.id)
    return PersonPrivate.model_validate(result)


@router.post(
    "/token",
    operation_id="logIn",
    response_model=TokenPair,
    summary="Log in (OAuth2 password flow)",
    responses={
        401: {"description": "The email or password is wrong (`invalid-credentials`)."},
        429: {
            "description": "Too many requests, or too many failed logins to this account or "
            "from this address (`login-throttled`); see `Retry-After`."
        },
    },
)
async def token(
    form: Annotated[TokenForm, Depends()],
    session: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
    client: ClientAddressDep,
) -> TokenPair:
    """Form-encoded `username` (the email) and `password`; returns a short-lived access
    token and a refresh token. Repeated failures lock the account (or the address) for
    a while: 429 with Retry-After, whatever the password."""
    return await auth.login(
        session,
        passwords,
        settings,
        form.username,
        form.password,
        throttle=throttle,
        client=client,
    )


@router.post(
    "/refresh",
    operation_id="refreshToken",
    response_model=TokenPair,
    responses={401: {"description": "The refresh token is unknown, expired or spent."}},
    summary="Swap a refresh token for new tokens",
)
async def refresh(data: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    """Spends the refresh token and returns a new pair (rotation). The same token presented
    again within a few seconds (a retry) gets the same new pair; later, reuse counts as
    theft and signs the person out everywhere (401)."""
    return await auth.refresh(session, settings, data.refresh_token)


@router.post("/verify-email", response_model=PersonPrivate, summary="Verify my email")
async def verify_email(data: VerifyEmailRequest, session: SessionDep) -> PersonPrivate:
    """The token from the mailed link. Single use. A sign-up waiting on it becomes the
    account (with what a community's import gave it)."""
    return PersonPrivate.model_validate(await accounts.verify_email(session, data.token))


@router.post(
    "/verify-email/resend",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Mail me another verification link",
)
async def resend_verification(
    session: SessionDep, actor: CurrentActor, mailer: MailerDep, settings: SettingsDep
) -> Accepted:
    """At most one per `ACCOUNT_MAIL_INTERVAL_SECONDS` (429 `mail-recently-sent`)."""
    return await accounts.resend_verification(session, mailer, settings, actor)


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    summary="Mail me a link to choose a new password",
)
async def request_password_reset(
    data: PasswordResetRequest, session: SessionDep, mailer: MailerDep, settings: SettingsDep
) -> Accepted:
    """Always 202, whether or not an account uses the address."""
    return await accounts.request_password_reset(session, mailer, settings, data.email)


@router.post(
    "/password-reset/confirm", response_model=PersonPrivate, summary="Choose a new password"
)
async def confirm_password_reset(
    data: PasswordResetConfirm, session: SessionDep, passwords: PasswordsDep
) -> PersonPrivate:
    """The token from the mailed link and the new password. Verifies the email, and signs
    the person out everywhere."""
    person = await accounts.confirm_password_reset(
        session, passwords, data.token, data.new_password
    )
    return PersonPrivate.model_validate(person)
