"""A database failure means one domain error (app/dberrors.py), which REST and GraphQL
both show: the same message, each with its own status, problem type and code."""

from typing import Any

import pytest
from fastapi import FastAPI
from graphql import GraphQLError
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from app import problems
from app.schema.errors import ErrorCodes


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _dbapi(sqlstate: str, kind: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return kind("UPDATE ...", {}, _PgError(sqlstate))


# Each failure, with the status, problem type and GraphQL code it has always had.
FAILURES: dict[str, tuple[BaseException, int, str, str]] = {
    "stale data": (StaleDataError("0 rows matched"), 409, "concurrent-update", "CONFLICT"),
    "integrity": (_dbapi("23505", IntegrityError), 409, "conflict", "CONFLICT"),
    "serialisation": (_dbapi("40001"), 409, "concurrent-update", "CONFLICT"),
    "deadlock": (_dbapi("40P01"), 409, "concurrent-update", "CONFLICT"),
    "invalid text": (_dbapi("22021"), 422, "invalid-data", "BAD_USER_INPUT"),
    "too many clients": (
        _dbapi("53300", OperationalError),
        503,
        "service-unavailable",
        "SERVICE_UNAVAILABLE",
    ),
    "pool exhausted": (
        PoolTimeout("QueuePool limit"),
        503,
        "service-unavailable",
        "SERVICE_UNAVAILABLE",
    ),
    "refused": (
        ConnectionRefusedError("refused"),
        503,
        "service-unavailable",
        "SERVICE_UNAVAILABLE",
    ),
}


async def _rest(failure: BaseException) -> Any:
    app = FastAPI()
    problems.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise failure

    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/boom")


def _graphql(failure: BaseException) -> GraphQLError:
    error = GraphQLError("boom", path=["field"], original_error=failure)
    return ErrorCodes().anonymise_error(error)


@pytest.mark.parametrize("name", FAILURES)
async def test_rest_and_graphql_say_the_same_of_a_database_failure(name: str) -> None:
    failure, status, problem, code = FAILURES[name]
    response = await _rest(failure)
    shown = _graphql(failure)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == f"/problems/{problem}"
    assert shown.extensions is not None
    assert shown.extensions["code"] == code
    assert shown.extensions["problemType"] == body["type"]
    assert shown.message == body["detail"]
    assert shown.extensions.get("retryAfter") == body.get("retry_after")
