"""Database housekeeping shared by the command line and the tests: find or start a server,
create a database on it, migrate it."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic import command
from app.embedded import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    """The migrations live in alembic/ beside the app/ package: run from a checkout or an
    editable install (`pip install -e .`), as the Dockerfile does."""
    if not (ROOT / "alembic" / "env.py").is_file():
        raise RuntimeError(
            f"No migrations in {ROOT / 'alembic'}: install cop-api from a checkout with "
            "`pip install -e .` so that alembic/ stays next to app/."
        )
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def _asyncpg_dsn(url: str) -> tuple[str, dict[str, str]]:
    u = make_url(url).set(drivername="postgresql")
    return u.set(query={}).render_as_string(hide_password=False), dict(u.query)  # type: ignore[arg-type]


async def _admin_connect(url: str) -> asyncpg.Connection:
    dsn, query = _asyncpg_dsn(make_url(url).set(database="postgres").render_as_string(False))
    kwargs = {"host": query["host"]} if "host" in query else {}
    return await asyncpg.connect(dsn, **kwargs)


async def create_database(url: str, *, drop_first: bool = False) -> None:
    name = make_url(url).database
    conn = await _admin_connect(url)
    try:
        if drop_first:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    name = make_url(url).database
    conn = await _admin_connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextmanager
def database_server(url: str | None, data_dir: Path, database: str) -> Iterator[str]:
    """Yield a URL for `database`: on the server at `url`, or on an embedded server kept
    in `data_dir` and stopped on exit. The database is created if it is missing."""
    embedded = None
    if url is None:
        embedded = EmbeddedPostgres(data_dir)
        url = make_url(embedded.start()).set(database=database).render_as_string(False)
    try:
        asyncio.run(create_database(url))
        yield url
    finally:
        if embedded is not None:
            embedded.stop()
