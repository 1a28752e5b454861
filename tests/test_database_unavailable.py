"""A database that refuses connections ("too many clients") is a 503 over REST and
SERVICE_UNAVAILABLE over GraphQL: nobody's mistake, worth a retry, never a 500."""

import os
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.config import Settings
from app.main import create_app

ROLE = f"cop_api_no_connections_{os.getpid()}"


@pytest.fixture
async def refused_client(
    settings: Settings, engine: AsyncEngine, database_url: str
) -> AsyncIterator[AsyncClient]:
    """The app on a role that may open no connection at all: PostgreSQL refuses it as it
    refuses everyone when the server is out of connection slots (SQLSTATE 53300)."""
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP ROLE IF EXISTS "{ROLE}"'))
        await conn.execute(text(f"CREATE ROLE \"{ROLE}\" LOGIN PASSWORD 'x' CONNECTION LIMIT 0"))
    refused = create_async_engine(
        make_url(database_url).set(username=ROLE, password="x"), poolclass=NullPool
    )
    app = create_app(settings, engine=refused)
    try:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
            yield client
    finally:
        await refused.dispose()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP ROLE IF EXISTS "{ROLE}"'))


async def test_rest_answers_503(refused_client: AsyncClient) -> None:
    response = await refused_client.get("/api/v1/domains")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/service-unavailable"


async def test_graphql_answers_service_unavailable(refused_client: AsyncClient) -> None:
    response = await refused_client.post(
        "/graphql", json={"query": "{ domains { nodes { slug } } }"}
    )
    codes = [e["extensions"]["code"] for e in response.json()["errors"]]
    assert codes == ["SERVICE_UNAVAILABLE"], response.text


async def test_readyz_answers_503(refused_client: AsyncClient) -> None:
    response = await refused_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/service-unavailable"


async def test_the_service_starts_without_its_database(
    settings: Settings, engine: AsyncEngine, database_url: str
) -> None:
    """A process that starts while its database is unreachable still starts, and says so
    on /readyz, instead of crashing in its startup housekeeping."""
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP ROLE IF EXISTS "{ROLE}"'))
        await conn.execute(text(f"CREATE ROLE \"{ROLE}\" LOGIN PASSWORD 'x' CONNECTION LIMIT 0"))
    url = make_url(database_url).set(username=ROLE, password="x")
    app = create_app(
        settings.model_copy(update={"database_url": url.render_as_string(hide_password=False)})
    )
    try:
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/readyz")).status_code == 503
                assert (await client.get("/healthz")).status_code == 200
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP ROLE IF EXISTS "{ROLE}"'))
