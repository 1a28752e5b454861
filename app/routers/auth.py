from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from app.deps import (
    ClientAddressDep,
    LoginThrottleDep,
    PasswordsDep,
    SessionDep,
    SettingsDep,
)
from app.models.people import PersonPrivate, PersonRegister, RefreshRequest, TokenPair
from app.services import auth, people

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=PersonPrivate,
    summary="Sign up with email and password",
)
async def register(data: PersonRegister, session: SessionDep, passwords: PasswordsDep) -> object:
    return await people.register(session, passwords, data)


@router.post(
    "/token",
    response_model=TokenPair,
    summary="Log in (OAuth2 password flow)",
    responses={429: {"description": "Too many failed logins (login-throttled)"}},
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
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


@router.post("/refresh", response_model=TokenPair, summary="Swap a refresh token for new tokens")
async def refresh(data: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    return await auth.refresh(session, settings, data.refresh_token)
