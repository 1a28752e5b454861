from typing import Annotated

from fastapi import APIRouter, Depends, Form, status
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import PasswordsDep, SessionDep, SettingsDep
from app.json_body import JSONRoute
from app.models.people import PersonPrivate, PersonRegister, RefreshRequest, TokenPair
from app.services import auth, people

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
    summary="Sign up with email and password",
)
async def register(data: PersonRegister, session: SessionDep, passwords: PasswordsDep) -> object:
    return await people.register(session, passwords, data)


@router.post("/token", response_model=TokenPair, summary="Log in (OAuth2 password flow)")
async def token(
    form: Annotated[TokenForm, Depends()],
    session: SessionDep,
    passwords: PasswordsDep,
    settings: SettingsDep,
) -> TokenPair:
    """Form-encoded `username` (the email) and `password`; returns a short-lived access
    token and a refresh token."""
    return await auth.login(session, passwords, settings, form.username, form.password)


@router.post("/refresh", response_model=TokenPair, summary="Swap a refresh token for new tokens")
async def refresh(data: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    return await auth.refresh(session, settings, data.refresh_token)
