"""Test fixtures: a real PostgreSQL (DATABASE_URL, or an embedded server), migrated once.

Each test gets empty tables (TRUNCATE after it) rather than a rolled-back outer
transaction: GraphQL resolvers and DataLoaders open their own sessions concurrently,
which a single shared test connection cannot serve; real pooled connections can."""

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import async_url, create_sessionmaker
from app.dbadmin import create_database, drop_database, migrate
from app.embedded import EmbeddedPostgres
from app.main import create_app
from tests.support import StatementCounter

ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE = f"cop_api_test_{os.getpid()}"
# The suite shares its PostgreSQL with others: it must pass on a server with
# max_connections = 100 of which half are taken. The session's engine opens at most 25;
# the servers that reliability tests start hold a few more each, one at a time.
TEST_POOL_SIZE = 10
TEST_POOL_OVERFLOW = 15


def _server_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    embedded = EmbeddedPostgres(ROOT / ".cop-data" / "test-postgres")
    try:
        yield embedded.start()
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    yield from _server_url()


def database_on(server: str, name: str) -> str:
    return make_url(async_url(server)).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    url = database_on(server_url, TEST_DATABASE)
    asyncio.run(create_database(url, drop_first=True))
    migrate(url)
    yield url
    asyncio.run(drop_database(url))


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),  # account mail lands in data_dir/mail
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        password_hash_time_cost=1,
        db_pool_size=TEST_POOL_SIZE,
        db_max_overflow=TEST_POOL_OVERFLOW,
        webhooks_dispatcher_enabled=False,  # tests drive webhooks.Dispatcher themselves
        # On, so that every test goes through them, but far above what any test sends;
        # tests/integration/test_rate_limits.py builds apps with small limits of its own.
        rate_limit_anonymous_per_minute=1_000_000,
        rate_limit_person_per_minute=1_000_000,
        rate_limit_api_key_per_minute=1_000_000,
        login_account_max_failures=100,
        login_ip_max_failures=1_000_000,
    )


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        database_url, pool_size=TEST_POOL_SIZE, max_overflow=TEST_POOL_OVERFLOW
    )
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, engine: AsyncEngine) -> Any:
    return create_app(settings, engine=engine)


_TABLES = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
_CHILDREN_FIRST = list(reversed(SQLModel.metadata.sorted_tables))


async def _empty_tables(engine: AsyncEngine) -> None:
    """DELETE, children first: on tables this small it is an order of magnitude faster
    than TRUNCATE, which rewrites every table's files."""
    try:
        async with engine.begin() as conn:
            for table in _CHILDREN_FIRST:
                await conn.execute(table.delete())
    except IntegrityError:  # a foreign-key cycle that no order can break
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {_TABLES} CASCADE"))


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "engine" in request.fixturenames:
        await _empty_tables(request.getfixturevalue("engine"))


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Host names answer what the test puts here (others go to the system resolver): the
    operating system is the boundary faked; the service's lookup and checks run as they are."""
    answers: dict[str, list[str]] = {}
    system = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host in answers:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port))
                for a in answers[host]
            ]  # fmt: skip
        return system(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield answers
