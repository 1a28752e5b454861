"""Assertions and readers shared by every test: REST answers (ok, problem), GraphQL answers
(data without errors, error codes), committed rows and statement counts. Builders of test
data live in tests/factories.py; area support modules hold only what is their own."""

from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import DomainError
from app.models.domains import Domain
from app.models.gatherings import Attendance, Gathering, GatheringSeries, Rsvp
from app.models.people import Person
from app.problems import CATALOGUE
from tests.factories import auth, gathering_body, gql

API = "/api/v1"


# --- Services ---------------------------------------------------------------------------


async def refused(
    session: AsyncSession,
    call: Awaitable[Any],
    error: type[DomainError],
    problem: str | None = None,
) -> DomainError:
    """A service call that fails with this error (and problem type). The session's
    transaction is rolled back after it, as a request's would be, and the rows the test
    holds are read again."""
    try:
        await call
    except error as exc:
        caught = exc
    else:
        raise AssertionError(f"no {error.__name__}")
    finally:
        await session.rollback()
        for row in list(session.identity_map.values()):
            await session.refresh(row)
    if problem is not None:
        assert caught.problem == problem, caught.problem
    return caught


# --- REST ---------------------------------------------------------------------------------


def ok(response: Response, status: int = 200) -> Any:
    """The decoded body of a response with the given status (None when it has no body)."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def problem(response: Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """An RFC 9457 error with the given status (and problem type)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("/problems/"), body
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


async def check_problem(response: Response) -> None:
    """Whatever test sent the request, a 4xx or 5xx must be RFC 9457 problem+json with the
    fields clients rely on (an event hook of `problem_checked_client`)."""
    if response.status_code < 400:
        return
    await response.aread()
    where = f"{response.request.method} {response.request.url}"
    assert response.headers["content-type"] == "application/problem+json", where
    body = response.json()
    for field in ("type", "title", "status", "detail"):
        assert field in body, f"{where}: problem without {field}: {body}"
    assert body["status"] == response.status_code, where
    assert body["type"].startswith("/problems/"), where
    assert body["type"].removeprefix("/problems/") in CATALOGUE, f"{where}: {body['type']}"
    assert response.status_code != 500, f"{where}: {body}"
    if response.status_code == 401:
        assert response.headers.get("www-authenticate") == "Bearer", where


@asynccontextmanager
async def problem_checked_client(
    app: Any, peer: tuple[str, int] = ("127.0.0.1", 123)
) -> AsyncIterator[AsyncClient]:
    """A client of `app` (its requests coming from `peer`) that checks every error response."""
    async with AsyncClient(
        transport=ASGITransport(app=app, client=peer),
        base_url="http://test",
        event_hooks={"response": [check_problem]},
    ) as client:
        yield client


def problem_fields(body: dict[str, Any]) -> set[str]:
    """The fields a validation problem names."""
    return {e["field"] for e in body.get("errors", [])}


def problem_field_codes(body: dict[str, Any]) -> set[str]:
    """The codes of the fields a validation problem names."""
    return {e["code"] for e in body.get("errors", [])}


# --- GraphQL ------------------------------------------------------------------------------


def gql_ok(body: dict[str, Any]) -> dict[str, Any]:
    """The data of a GraphQL response that must have no errors."""
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def error_codes(body: dict[str, Any]) -> list[str]:
    """`extensions.code` of every GraphQL error, in order."""
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    """The single error of a GraphQL response that must have exactly one."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    return error


def field_errors(error: dict[str, Any]) -> dict[str, str]:
    """A GraphQL error's fieldErrors as {field: code}."""
    return {e["field"]: e["code"] for e in error["extensions"].get("fieldErrors", [])}


# --- The database -------------------------------------------------------------------------


async def count(session: AsyncSession, table: type[SQLModel], *where: Any) -> int:
    """Rows in a table, read in a session of its own: what is committed, nothing else."""
    stmt: Any = select(func.count()).select_from(table)
    if where:
        stmt = stmt.where(*where)
    async with AsyncSession(session.bind) as fresh:
        return int((await fresh.exec(stmt)).one())


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).mappings().all())


class StatementCounter:
    """Counts the SQL statements an engine sends (the `count_statements` fixture)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.count += 1
        self.statements.append(statement)

    def reset(self) -> None:
        self.count = 0
        self.statements.clear()


async def gql_statements(
    counter: StatementCounter,
    client: AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_: Person | None = None,
) -> int:
    """The statements one GraphQL request runs; the request must succeed."""
    counter.reset()
    gql_ok(await gql(client, query, variables, as_=as_))
    return counter.count


# --- services ------------------------------------------------------------------------------


# --- Gatherings ---------------------------------------------------------------------------


async def snapshot(session: AsyncSession) -> dict[str, int]:
    """Row counts of everything a gathering write can touch, to prove nothing was written."""
    tables: list[type[SQLModel]] = [GatheringSeries, Gathering, Rsvp, Attendance]
    return {t.__name__: await count(session, t) for t in tables}


async def series_state(session: AsyncSession) -> list[tuple[Any, ...]]:
    """Every column that an edit could change, for an exact before/after comparison."""
    async with AsyncSession(session.bind) as fresh:
        rows = await fresh.exec(select(Gathering).order_by(col(Gathering.original_start)))
        gatherings = [
            (g.id, g.series_id, g.start_at, g.original_start, g.title, g.status, g.capacity)
            for g in rows
        ]
        series = await fresh.exec(select(GatheringSeries).order_by(col(GatheringSeries.dtstart)))
        return [*gatherings, *((s.id, s.rrule, s.dtstart, s.sequence) for s in series)]


async def schedule(
    client: AsyncClient, domain: Domain | str, by: Person, **fields: Any
) -> dict[str, Any]:
    slug = domain if isinstance(domain, str) else domain.slug
    response = await client.post(
        f"{API}/domains/{slug}/gatherings", json=gathering_body(**fields), headers=auth(by)
    )
    return ok(response, 201)  # type: ignore[no-any-return]


async def occurrences(
    client: AsyncClient,
    domain: Domain,
    as_: Person | None,
    start: str = "2026-01-01T00:00:00Z",
    end: str = "2028-12-31T00:00:00Z",
    **params: Any,
) -> list[dict[str, Any]]:
    """Every occurrence in the window, following the cursor to the last page."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"from": start, "to": end, "limit": 100, **params}
    while True:
        response = await client.get(
            f"{API}/domains/{domain.slug}/gatherings",
            params=query,
            headers=auth(as_) if as_ else {},
        )
        page = ok(response)
        items.extend(page["items"])
        if not page["next_cursor"]:
            return items
        query["cursor"] = page["next_cursor"]
