from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from app.config import Settings
from app.db import SessionMaker, session_scope
from app.deps import SessionDep, oauth2_scheme
from app.errors import DomainError
from app.schema.loaders import Loaders
from app.services.actors import Actor
from app.services.auth import Passwords, actor_from_token
from app.services.mail import Mailer


class Context(BaseContext):
    def __init__(
        self,
        actor: Actor | DomainError,
        sessionmaker: SessionMaker,
        settings: Settings,
        passwords: Passwords,
        mailer: Mailer,
    ) -> None:
        super().__init__()
        self._actor = actor
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.passwords = passwords
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
        one AsyncSession cannot serve two of them at once."""
        async with session_scope(self.sessionmaker) as session:
            yield session


Info = StrawberryInfo[Context, Any]


async def get_context(
    request: Request, session: SessionDep, token: Any = Depends(oauth2_scheme)
) -> Context:
    actor: Actor | DomainError
    try:
        actor = await actor_from_token(session, request.app.state.settings, token)
    except DomainError as exc:
        actor = exc
    state = request.app.state
    return Context(actor, state.sessionmaker, state.settings, state.passwords, state.mailer)
