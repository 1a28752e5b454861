"""FastAPI dependencies, as `Annotated` aliases the routers declare."""

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Query, Request, Response
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import session_scope
from app.etags import expected_version
from app.models.common import Page as PageOut
from app.ratelimit import client_address
from app.services.actors import Actor
from app.services.mail import Mailer
from app.services.pagination import Page, PageParams
from app.services.people.auth import Passwords, actor_from_token
from app.services.people.login_throttle import LoginThrottle
from app.services.versions import Expected

T = TypeVar("T")

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="An access token from /api/v1/auth/token, or an API key (cop_…).",
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with session_scope(request.app.state.sessionmaker) as session:
        yield session


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def get_login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def get_client_address(request: Request) -> str:
    return client_address(request.scope)


def get_mailer(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
ClientAddressDep = Annotated[str, Depends(get_client_address)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]


async def get_actor(
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Actor:
    return await actor_from_token(session, settings, token)


async def get_authenticated(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return actor.require_authenticated()


ActorDep = Annotated[Actor, Depends(get_actor)]
CurrentActor = Annotated[Actor, Depends(get_authenticated)]


def get_page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, le=100, description="Page size.")] = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
    updated_since: Annotated[
        datetime | None,
        Query(
            description="Only items changed at or after this time, in the order they changed "
            "(for keeping a copy in step; removals come through /api/v1/changes)."
        ),
    ] = None,
) -> PageParams:
    settings: Settings = request.app.state.settings
    size = min(limit or settings.page_size_default, settings.page_size_max)
    if updated_since is not None and updated_since.tzinfo is None:
        updated_since = updated_since.replace(tzinfo=UTC)
    return PageParams(limit=size, cursor=cursor, updated_since=updated_since)


PageDep = Annotated[PageParams, Depends(get_page_params)]


def get_expected_version(
    if_match: Annotated[
        str | None,
        Header(
            max_length=200,
            description='Change the resource only if its ETag is still this one (for example "3"), '
            'or one of these ("3", "4"); 412 if it changed since.',
        ),
    ] = None,
) -> Expected:
    return expected_version(if_match)


IfMatchDep = Annotated[Expected, Depends(get_expected_version)]


def locate(request: Request, response: Response, route: str, **params: Any) -> None:
    """`Location` of what a request created (RFC 9110 10.2.2): the path of the route named
    `route` with these parameters, relative to the service."""
    response.headers["Location"] = str(request.app.url_path_for(route, **params))


def page_out(
    page: Page[Any],
    request: Request,
    response: Response,
    to_public: Callable[[Any], T],
) -> PageOut[T]:
    """Shape a service page for REST, with an RFC 8288 `Link: <…>; rel="next"` header."""
    if page.next_cursor:
        url = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
    items: Sequence[T] = [to_public(item) for item in page.items]
    return PageOut[T](items=list(items), next_cursor=page.next_cursor)
