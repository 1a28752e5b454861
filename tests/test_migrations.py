"""Alembic is the schema: the migrations build, tear down and rebuild an empty database,
and what they build is exactly what the models describe."""

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from alembic import command
from app.dbadmin import alembic_config, create_database, drop_database
from tests.conftest import database_on


@pytest.fixture
def empty_database(server_url: str) -> Iterator[str]:
    url = database_on(server_url, f"cop_api_migrations_{os.getpid()}")
    asyncio.run(create_database(url, drop_first=True))
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


def _inspect(url: str, look: Any) -> Any:
    async def run() -> Any:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, SQLModel.metadata))


def test_upgrade_downgrade_upgrade_matches_models(empty_database: str) -> None:
    config = alembic_config(empty_database)
    head = ScriptDirectory.from_config(config).get_current_head()
    model_tables = set(SQLModel.metadata.tables)
    assert _inspect(empty_database, _tables) == set()

    command.upgrade(config, "head")
    assert _inspect(empty_database, _revision) == head
    assert _inspect(empty_database, _tables) == model_tables | {"alembic_version"}

    command.downgrade(config, "base")
    assert _inspect(empty_database, _tables) == {"alembic_version"}
    assert _inspect(empty_database, _revision) is None

    command.upgrade(config, "head")
    assert _inspect(empty_database, _revision) == head
    assert _inspect(empty_database, _differences) == []
