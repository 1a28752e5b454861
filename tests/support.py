"""Assertions and readers shared by every test: REST answers (ok, problem), GraphQL answers
(data without errors, error codes), committed rows and statement counts. Builders of test
data live in tests/factories.py; area support modules hold only what is their own."""

import asyncio
import base64
import hashlib
import hmac
import socket
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.utils.str_converters import to_camel_case

from app.errors import DomainError
from app.models.domains import Domain
from app.models.gatherings import Attendance, Gathering, GatheringSeries, Rsvp
from app.models.memberships import Membership, MembershipEvent
from app.models.people import Person
from app.problems import CATALOGUE
from tests.factories import API, auth, contributions_url, gql, item, ok

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


def remaining(response: Response) -> int:
    """`r` of the RateLimit header."""
    field = response.headers["ratelimit"]
    params = dict(p.split("=", 1) for p in field.split(";")[1:])
    return int(params["r"])


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


def _same_value(key: str, rest: Any, graph: Any) -> bool:
    if (key == "at" or key.endswith("_at")) and isinstance(rest, str) and isinstance(graph, str):
        return datetime.fromisoformat(rest) == datetime.fromisoformat(graph)
    return bool(rest == graph)


def assert_same(
    rest: dict[str, Any], graph: dict[str, Any], *, skip: frozenset[str] = frozenset()
) -> None:
    """Every field REST returned has the same value in the GraphQL answer (in camelCase;
    REST's `id` is GraphQL's `uuid`, GraphQL's `id` being the global one). Timestamps are
    compared as instants: the two serialise them differently."""
    for key, value in rest.items():
        if key in skip:
            continue
        camel = "uuid" if key == "id" else to_camel_case(key)
        assert camel in graph, f"GraphQL lacks {camel}"
        assert _same_value(key, value, graph[camel]), (key, value, graph[camel])


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


async def domain_rows(session: AsyncSession) -> tuple[int, int, int, int]:
    """Committed people, domains, memberships and membership events, to prove that a
    refused write left nothing behind."""
    return (
        await count(session, Person),
        await count(session, Domain),
        await count(session, Membership),
        await count(session, MembershipEvent),
    )


async def membership_of(engine: AsyncEngine, domain: Domain, email: str) -> dict[str, Any]:
    """The one membership of a person (by email) in a domain, with their person columns."""
    found = await rows(
        engine,
        "SELECT m.*, p.is_active, p.external_id, p.display_name FROM memberships m "
        "JOIN people p ON p.id = m.person_id WHERE m.domain_id = :d AND p.email = :e",
        d=domain.id,
        e=email,
    )
    assert len(found) == 1, found
    return dict(found[0])


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


# --- Contributions ------------------------------------------------------------------------


async def listed(
    client: AsyncClient, domain: Domain, person: Person | None, **params: Any
) -> list[str]:
    """Ids on the first page of a domain's list (up to 100)."""
    params.setdefault("limit", 100)
    headers = auth(person) if person else {}
    body = ok(await client.get(contributions_url(domain), params=params, headers=headers))
    return [c["id"] for c in body["items"]]


async def fetch(client: AsyncClient, contribution_id: Any, person: Person) -> Response:
    return await client.get(item(contribution_id), headers=auth(person))


# --- Jobs ---------------------------------------------------------------------------------


async def wait_for_job(
    client: AsyncClient, location: str, who: Any, seen: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A background job once it has finished, polled at `location` (every state it was
    seen in is added to `seen`)."""
    for _ in range(2_000):
        job = ok(await client.get(location, headers=who))
        if seen is not None:
            seen.append(job)
        if job["status"] in ("succeeded", "failed"):
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError("the job did not finish")


# --- Webhooks and events ------------------------------------------------------------------


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """The receiver's side of Standard Webhooks, written from the specification (not with
    the service's own signing code), exactly as the README shows it."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split():
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


async def counts(engine: AsyncEngine) -> tuple[int, int, int]:
    """(events, audit entries, deliveries)."""
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM audit_log),"
                " (SELECT count(*) FROM webhook_deliveries)"
            )
        )
        events, audits, deliveries = result.one()
        return int(events), int(audits), int(deliveries)


# --- Loopback -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
