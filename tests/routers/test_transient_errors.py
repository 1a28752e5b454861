"""Deadlocks and serialisation failures are nobody's mistake: 409 with Retry-After,
never a 500."""

from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import DBAPIError

from app import problems


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _app(sqlstate: str) -> Any:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise DBAPIError("UPDATE ...", {}, _PgError(sqlstate))

    return app


async def test_deadlock_and_serialisation_failures_are_409() -> None:
    for sqlstate in ("40P01", "40001"):
        transport = ASGITransport(app=_app(sqlstate), raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            r = await client.get("/boom")
        assert r.status_code == 409, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"] == "1"
        assert r.json()["type"] == "/problems/concurrent-update"


async def test_other_database_errors_stay_server_errors() -> None:
    transport = ASGITransport(app=_app("XX000"), raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/boom")
    assert r.status_code == 500
    assert r.json()["type"] == "/problems/internal-error"
