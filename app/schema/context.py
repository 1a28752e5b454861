import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from app import ratelimit
from app.config import Settings
from app.db import SessionMaker, session_scope
from app.deps import oauth2_scheme
from app.errors import DomainError
from app.schema.loaders import Loaders
from app.services.actors import Actor
from app.services.mail import Mailer
from app.services.people.auth import Passwords, actor_from_token
from app.services.people.login_throttle import LoginThrottle


class Context(BaseContext):
    def __init__(
        self,
        actor: Actor | DomainError,
        sessionmaker: SessionMaker,
        settings: Settings,
        passwords: Passwords,
        login_throttle: LoginThrottle,
        client_address: str,
        mailer: Mailer,
    ) -> None:
        super().__init__()
        self._actor = actor
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.passwords = passwords
        # Sibling fields resolve concurrently, each on a connection of its own; this keeps
        # one wide query (thirty aliases) from taking the whole pool for itself.
        self._connections = asyncio.Semaphore(settings.graphql_connections_per_request)
        self.login_throttle = login_throttle
        self.client_address = client_address  # for login throttling
        self.mailer = mailer
        self.loaders = Loaders(self)

    @property
    def actor(self) -> Actor:
        """A bad token surfaces as a GraphQL error (UNAUTHENTICATED) on the fields that
        need an identity, not as a transport error."""
        if isinstance(self._actor, DomainError):
            raise self._actor
        return self._actor

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Each resolver gets its own session: sibling fields resolve concurrently and
        one AsyncSession cannot serve two of them at once. No resolver opens a session
        while it holds one, so the per-request limit cannot deadlock."""
        async with self._connections, session_scope(self.sessionmaker) as session:
            yield session


Info = StrawberryInfo[Context, Any]


async def get_context(request: Request, token: Any = Depends(oauth2_scheme)) -> Context:
    """The caller is looked up in a session of its own that is closed before any resolver
    runs: holding it for the whole request while resolvers ask the pool for more is how
    concurrent requests starved the pool."""
    state = request.app.state
    actor: Actor | DomainError
    try:
        async with session_scope(state.sessionmaker) as session:
            actor = await actor_from_token(session, state.settings, token)
    except DomainError as exc:
        actor = exc
    return Context(
        actor,
        state.sessionmaker,
        state.settings,
        state.passwords,
        state.login_throttle,
        ratelimit.client_address(request.scope),
        state.mailer,
    )
