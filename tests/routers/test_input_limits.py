"""Unbounded input is refused early and as a client error: bodies over the size limit
(before they are read), JSON nested too deeply or not UTF-8, far-off recurrence ends,
and long values that errors would otherwise repeat."""

import importlib
import pkgutil
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

import app.routers
from app.config import Settings
from app.json_body import MAX_DEPTH, JSONRoute, MalformedJSON, deeper_than, loads
from app.main import create_app
from app.models.domains import Domain
from app.models.idempotency import IdempotencyRecord
from tests.factories import auth, circle, gathering_body, make_domain, make_person
from tests.support import API, count, field_errors, only_error, problem, problem_checked_client

MB = 1024 * 1024


class Upload:
    """A request body streamed in chunks, counting how many the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024, fill: bytes = b" ") -> None:
        self.total, self.chunk, self.fill = total, chunk, fill
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        while sent < self.total:
            self.pulled += 1
            size = min(self.chunk, self.total - sent)
            sent += size
            yield self.fill * size


def too_large(response: Any, limit: int) -> None:
    body = problem(response, 413, "payload-too-large")
    assert body["max_bytes"] == limit


# Body size


async def test_a_declared_100_mb_body_is_refused_before_it_is_read(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    upload = Upload(100 * MB)
    declared = {"content-type": "application/json", "content-length": str(100 * MB)}
    response = await client.post(
        f"{API}/domains", content=upload, headers={**auth(person), **declared}
    )
    too_large(response, MB)
    assert upload.pulled == 0


@pytest.mark.parametrize("idempotent", [False, True])
async def test_a_streamed_body_is_cut_off_once_over_the_limit(
    client: AsyncClient, session: AsyncSession, idempotent: bool
) -> None:
    """No Content-Length (chunked): counted as it arrives, whether the route reads it or
    the idempotency middleware buffers it first."""
    person = await make_person(session)
    headers = {**auth(person), "content-type": "application/json"}
    if idempotent:
        headers["Idempotency-Key"] = "big-upload-1"
    upload = Upload(100 * MB)
    too_large(await client.post(f"{API}/domains", content=upload, headers=headers), MB)
    assert upload.pulled <= MB // upload.chunk + 1
    assert await count(session, Domain) == 0
    assert await count(session, IdempotencyRecord) == 0


async def test_graphql_has_the_same_limit(client: AsyncClient) -> None:
    declared = await client.post(
        "/graphql", content=b" " * (MB + 1), headers={"content-type": "application/json"}
    )
    too_large(declared, MB)
    streamed = Upload(3 * MB)
    too_large(
        await client.post(
            "/graphql", content=streamed, headers={"content-type": "application/json"}
        ),
        MB,
    )
    assert streamed.pulled <= MB // streamed.chunk + 1


@pytest.fixture
async def small_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """An app with small limits: 4 kB for requests, 64 kB for imports."""
    small = settings.model_copy(update={"request_max_bytes": 4096, "import_max_bytes": 65536})
    app = create_app(small, engine=engine)
    async with problem_checked_client(app) as client:
        yield client


async def test_import_uploads_have_their_own_larger_limit(
    small_client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    csv = "email,display_name\n" + "".join(
        f"member{n}@example.org,Member {n}\n" for n in range(300)
    )
    assert 4096 < len(csv) < 65536
    members = f"{API}/domains/{domain.slug}/members/import"
    headers = {**auth(convenor), "content-type": "text/csv"}
    response = await small_client.post(members, content=csv, headers=headers)
    assert response.status_code in (200, 202), response.text
    too_large(await small_client.post(members, content=csv * 20, headers=headers), 65536)
    streamed = Upload(MB, chunk=4096, fill=b"x")
    too_large(await small_client.post(members, content=streamed, headers=headers), 65536)
    assert streamed.pulled <= 65536 // 4096 + 1

    document = {"format": "cop-api.domain", "padding": "x" * 8000}
    restore = await small_client.post(
        f"{API}/domains/import", json=document, headers=auth(convenor)
    )
    assert restore.status_code != 413  # refused for what it is, not for its size
    too_large(
        await small_client.post(
            f"{API}/domains", json={"name": "x" * 5000}, headers=auth(convenor)
        ),
        4096,
    )


# JSON that cannot be read


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


BAD_JSON = {
    "arrays 300 deep": b"[" * 300 + b"]" * 300,
    "objects 300 deep": nested(300),
    "arrays 100,000 deep": b"[" * 100_000,
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "UTF-16": '{"name": "x"}'.encode("utf-16"),
    "a lone surrogate": b'{"name": "\\ud800"}',
    "NaN": b'{"name": NaN}',
    "a syntax error": b'{"name": "x",}',
}


@pytest.mark.parametrize("idempotent", [False, True])
@pytest.mark.parametrize("payload", BAD_JSON.values(), ids=BAD_JSON.keys())
async def test_json_that_cannot_be_read_is_400_malformed_json(
    client: AsyncClient, session: AsyncSession, payload: bytes, idempotent: bool
) -> None:
    c = await circle(session)
    headers = {**auth(c.convenor), "content-type": "application/json"}
    for n, path in enumerate(
        (
            f"{API}/domains",
            f"{API}/domains/{c.slug}/gatherings",
            f"{API}/domains/import",
            f"{API}/domains/{c.slug}/members/import",
        )
    ):
        if idempotent:
            headers["Idempotency-Key"] = f"bad-json-{n}"
        response = await client.post(path, content=payload, headers=headers)
        if path.endswith("/members/import"):
            body = problem(response, 422, "validation-error")  # the import reads its own file
            assert body["errors"][0]["code"] == "json"
            continue
        body = problem(response, 400, "malformed-json")
        assert body["errors"][0]["field"] == "body", body


async def test_json_within_the_depth_limit_is_read() -> None:
    assert loads(nested(MAX_DEPTH)) is not None
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    with pytest.raises(MalformedJSON, match="nested more than"):
        loads(nested(MAX_DEPTH + 1))
    assert loads(b"\xef\xbb\xbf" + b'{"a": [1, 2]}') == {"a": [1, 2]}
    assert not deeper_than([[1]] * 1000 + ["[" * 1000], MAX_DEPTH)


async def test_a_wide_body_is_read_quickly() -> None:
    """A megabyte of brackets but little depth: one pass over the containers, and no
    cyclic garbage collection while they are made (measured: 0.09 s rather than 0.6 s)."""
    wide = b"[" + b",".join([b"[[],{}]"] * 130_000) + b"]"
    assert len(wide) < MB
    started = time.perf_counter()
    assert len(loads(wide)) == 130_000
    assert time.perf_counter() - started < 1


# Recurrence far ahead


@pytest.mark.parametrize(
    "timezone", ["America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "Europe/Amsterdam"]
)
@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;UNTIL=99991231",
        "FREQ=WEEKLY;UNTIL=99991231T235959",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=99991231T235959Z",
        "FREQ=WEEKLY;UNTIL=00010101",
    ],
)
async def test_an_until_at_the_ends_of_the_calendar_is_a_quick_422(
    client: AsyncClient, session: AsyncSession, timezone: str, rule: str
) -> None:
    c = await circle(session)
    started = time.perf_counter()
    response = await client.post(
        f"{API}/domains/{c.slug}/gatherings",
        json=gathering_body(rrule=rule, timezone=timezone),
        headers=auth(c.convenor),
    )
    body = problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["rrule"]
    assert body["errors"][0]["code"] in ("rrule_too_long", "rrule_empty")
    assert time.perf_counter() - started < 2


# Echoing input


async def test_an_unknown_slug_is_not_echoed_at_length(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    odd = "a\u202eb" + "x" * 61  # 64 characters, one of them a bidi override
    body = problem(await client.get(f"{API}/domains/{odd}", headers=auth(person)), 404)
    assert "\u202e" not in body["detail"] and len(body["detail"]) < 100
    long = "y" * 5000
    response = await client.get(f"{API}/domains/{long}/gatherings", headers=auth(person))
    body = problem(response, 422, "validation-error")
    assert long not in response.text and "instance" not in body
    assert len(response.content) < 1000


async def test_errors_quote_at_most_a_short_piece_of_the_input(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    rule = "FREQ=WEEKLY;COUNT=2;" + "X" * 400
    response = await client.post(
        f"{API}/domains/{c.slug}/gatherings",
        json=gathering_body(rrule=rule),
        headers=auth(c.convenor),
    )
    problem(response, 422, "validation-error")
    assert "X" * 41 not in response.text
    response = await client.get(
        f"{API}/domains/{c.slug}/views/network",
        params={"layers": "z" * 100},
        headers=auth(c.convenor),
    )
    problem(response, 422, "validation-error")
    assert "z" * 41 not in response.text


# Bounded parameters


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/changes", [("types", "membership")] * 21),
        ("/changes", {"types": "m" * 41}),
        ("/domains/{slug}/views/network", [("layers", "reply")] * 11),
        ("/domains/{slug}/views/network", {"layers": "r" * 101}),
    ],
)
async def test_list_parameters_are_bounded(
    client: AsyncClient, session: AsyncSession, path: str, params: Any
) -> None:
    c = await circle(session)
    response = await client.get(
        API + path.format(slug=c.slug), params=params, headers=auth(c.convenor)
    )
    problem(response, 422, "validation-error")


async def test_login_fields_are_bounded(client: AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/token", data={"username": "a@example.org", "password": "p" * 257}
    )
    body = problem(response, 422, "validation-error")
    assert [e["field"] for e in body["errors"]] == ["password"]
    response = await client.get(f"{API}/calendar/{'t' * 129}.ics")
    problem(response, 422, "validation-error")


def test_every_rest_route_reads_json_with_the_shared_reader() -> None:
    modules = [
        importlib.import_module(m.name)
        for m in pkgutil.walk_packages(app.routers.__path__, "app.routers.")
        if not m.ispkg
    ]
    routes = [r for m in modules for r in m.router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 50
    assert [r.path for r in routes if not isinstance(r, JSONRoute)] == []


@pytest.mark.parametrize(("name", "limit"), [("q", 200), ("theme", 80), ("parent", 64)])
async def test_domain_filters_have_one_limit_for_rest_and_graphql(
    client: AsyncClient, session: AsyncSession, name: str, limit: int
) -> None:
    person = await make_person(session)
    for length, fine in ((limit, True), (limit + 1, False)):
        value = "d" * length
        rest = await client.get(f"{API}/domains", params={name: value}, headers=auth(person))
        query = f"query($v: String) {{ domains({name}: $v) {{ nodes {{ slug }} }} }}"
        gql = await client.post(
            "/graphql", json={"query": query, "variables": {"v": value}}, headers=auth(person)
        )
        if fine:
            assert rest.status_code in (200, 404), rest.text  # an unknown parent is 404
            assert gql.json().get("errors") is None or name == "parent", gql.text
        else:
            body = problem(rest, 422, "validation-error")
            assert [e["field"] for e in body["errors"]] == [f"query.{name}"]
            error = only_error(gql.json())
            assert error["extensions"]["code"] == "BAD_USER_INPUT", error
            assert name in field_errors(error), error
