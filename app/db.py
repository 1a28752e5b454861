"""Engine and sessions. Services commit explicitly at the end of a successful write;
the request session only ever rolls back and closes (a failed GraphQL mutation still
returns HTTP 200, so "commit unless an exception" would commit partial writes)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings

SessionMaker = async_sessionmaker[AsyncSession]


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (what most tools print) and use asyncpg."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # Fail fast: a request that cannot get a connection soon is answered 503 with
        # Retry-After rather than left waiting half a minute.
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        echo=settings.log_sql,
        connect_args=_connect_args(settings),
    )


def _connect_args(settings: Settings) -> dict[str, object]:
    server_settings = {"application_name": "cop-api"}
    if settings.db_statement_timeout_ms:
        server_settings["statement_timeout"] = str(settings.db_statement_timeout_ms)
    return {"timeout": max(settings.db_pool_timeout, 5.0), "server_settings": server_settings}


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """A session that never commits on its own. Closing it returns the connection to the
    pool, which rolls back whatever was not committed; unlike `rollback()`, closing keeps
    the loaded objects readable, so resolvers can shape them after the session ends."""
    async with sessionmaker() as session:
        yield session
