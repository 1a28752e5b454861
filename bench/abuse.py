"""Hostile requests against a real server, and what they cost it.

    python bench/abuse.py --database-url postgresql://postgres@127.0.0.1:5432/cop_api_bench_abuse

Starts the API under uvicorn in a process of its own on loopback (default settings: the
default pool, rate limits and login throttling on), with a member of a private domain.
Sends each probe `--rounds` times and prints a table: probe, requests, 2xx/4xx/5xx, p99,
and the server's resident memory before and after. `tests/reliability/test_abuse.py`
sends the same probes and checks each answer's status and type or code."""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ABUSIVE = (
    "{ "
    + " ".join(
        f"a{i}: domains(first:100){{ nodes{{ members(first:100){{ nodes{{ person{{ "
        "memberships(first:100){ nodes{ domain{ members(first:100){ nodes{ roles }}}}}}}}}}"
        for i in range(30)
    )
    + " }"
)
FRAGMENTS = (
    "{ ...F0 }\n"
    + "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(300))
    + "\nfragment F300 on Query { __typename }"
)


@dataclass
class Target:
    """Who probes and what: a member's bearer token and their private domain's slug."""

    token: str
    slug: str
    email: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Probe:
    name: str
    send: Callable[[httpx.AsyncClient, Target], Awaitable[httpx.Response]]
    status: int
    # The problem `type` slug (REST) or GraphQL `extensions.code` the answer must carry.
    expect: str


def _json(body: str) -> dict[str, str]:
    return {"content": body, "headers": {"content-type": "application/json"}}  # type: ignore[dict-item]


def _graphql(query: str, variables: Any = None) -> Callable[..., Awaitable[httpx.Response]]:
    def send(http: httpx.AsyncClient, t: Target) -> Awaitable[httpx.Response]:
        return http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=t.auth
        )

    return send


def _raw(path: str, body: bytes, content_type: str = "application/json") -> Callable[..., Any]:
    def send(http: httpx.AsyncClient, t: Target) -> Awaitable[httpx.Response]:
        headers = {**t.auth, "content-type": content_type}
        return http.post(path.format(slug=t.slug), content=body, headers=headers)

    return send


def _nested_variables(depth: int) -> bytes:
    nested = '{"a": ' * depth + '"x"' + "}" * depth
    return (
        '{"query": "query($v: String) { __typename }", "variables": {"v": ' + nested + "}}"
    ).encode()


def _wrong_password(http: httpx.AsyncClient, t: Target) -> Awaitable[httpx.Response]:
    return http.post("/api/v1/auth/token", data={"username": t.email, "password": "wrong-guess"})


PROBES = [
    Probe(
        "GraphQL: 30 aliases of 4 nested connections", _graphql(ABUSIVE), 200, "QUERY_TOO_COMPLEX"
    ),
    Probe("GraphQL: a chain of 300 fragments", _graphql(FRAGMENTS), 200, "QUERY_TOO_COMPLEX"),
    Probe(
        "GraphQL: variables nested 1,000 deep",
        _raw("/graphql", _nested_variables(1_000)),
        400,
        "MALFORMED_JSON",
    ),
    Probe(
        "GraphQL: a 300 kB search term",
        _graphql("query($q: String!) { search(q: $q) { nodes { rank } } }", {"q": "x" * 300_000}),
        200,
        "BAD_USER_INPUT",
    ),
    Probe(
        "REST: JSON nested 5,000 deep",
        _raw("/api/v1/domains", b'{"name": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"),
        400,
        "malformed-json",
    ),
    Probe(
        "REST: a body of invalid UTF-8",
        _raw("/api/v1/domains", b'{"name": "\xff\xfe"}'),
        400,
        "malformed-json",
    ),
    Probe(
        "REST: a 100 MB body",
        _raw("/api/v1/domains", b"x" * 100_000_000),
        413,
        "payload-too-large",
    ),
    Probe(
        "REST: RRULE with UNTIL=99991231",
        _raw(
            "/api/v1/domains/{slug}/gatherings",
            json.dumps(
                {
                    "title": "Forever",
                    "starts_at": "2030-01-01T10:00:00Z",
                    "duration_minutes": 60,
                    "timezone": "UTC",
                    "rrule": "FREQ=DAILY;UNTIL=99991231",
                }
            ).encode(),
        ),
        422,
        "validation-error",
    ),
    Probe(
        "REST: a slug of 10 kB",
        lambda http, t: http.get("/api/v1/domains/" + "s" * 10_000, headers=t.auth),
        422,
        "validation-error",
    ),
    Probe("REST: wrong passwords", _wrong_password, 429, "login-throttled"),
]


def classify(response: httpx.Response) -> str:
    """The answer's problem slug or first GraphQL code ('' for neither)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return str(body["type"]).rsplit("/", 1)[-1]
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        return str(errors[0].get("extensions", {}).get("code", ""))
    return ""


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS:")).split()[1]) / 1024


@dataclass
class Row:
    probe: Probe
    statuses: list[int]
    kinds: list[str]
    seconds: list[float]

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.seconds)
        return 1000 * ordered[max(0, int(len(ordered) * 0.99) - 1)]


async def run(http: httpx.AsyncClient, target: Target, rounds: int) -> list[Row]:
    rows = []
    for probe in PROBES:
        row = Row(probe, [], [], [])
        for _ in range(rounds):
            started = time.perf_counter()
            try:
                response = await probe.send(http, target)
                row.statuses.append(response.status_code)
                row.kinds.append(classify(response))
            except httpx.TransportError:  # the server may close on a refused upload
                row.statuses.append(413 if probe.status == 413 else 0)
                row.kinds.append(probe.expect if probe.status == 413 else "transport-error")
            row.seconds.append(time.perf_counter() - started)
        rows.append(row)
    return rows


def table(rows: list[Row], before: float, after: float) -> str:
    lines = [
        f"{'probe':<46} {'requests':>8} {'2xx':>5} {'4xx':>5} {'5xx':>5} {'p99 ms':>8}  answer",
        "-" * 100,
    ]
    for row in rows:
        buckets = [sum(1 for s in row.statuses if lo <= s < lo + 100) for lo in (200, 400, 500)]
        answer = ",".join(sorted(set(row.kinds)))
        lines.append(
            f"{row.probe.name:<46} {len(row.statuses):>8} {buckets[0]:>5} {buckets[1]:>5} "
            f"{buckets[2]:>5} {row.p99_ms:>8.0f}  {answer}"
        )
    lines.append(f"server memory: {before:.0f} MB before, {after:.0f} MB after")
    return "\n".join(lines)


async def prepare(url: str, secret: str) -> Target:
    """A verified member with a private domain, written through the services."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    from app.config import Settings
    from app.db import async_url
    from app.models.base import utcnow
    from app.models.domains import DomainCreate
    from app.models.people import Person
    from app.services.actors import Actor
    from app.services.domains import service as domains
    from app.services.people.auth import Passwords, issue_access_token

    settings = Settings(environment="test", secret_key=secret, database_url=url)
    engine = create_async_engine(async_url(url))
    async with AsyncSession(engine, expire_on_commit=False) as session:
        person = Person(
            email="prober@example.org",
            display_name="Prober",
            password_hash=await Passwords(1).hash("a long enough password"),
            email_verified_at=utcnow(),
        )
        session.add(person)
        await session.commit()
        actor = Actor(person_id=person.id, email_verified=True)
        domain = await domains.create_domain(
            session, actor, DomainCreate(name="Probed", visibility="private")
        )
    await engine.dispose()
    return Target(issue_access_token(person.id, settings), domain.slug, person.email)


SECRET = "bench-secret-key-that-is-long-enough-0123456789"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from app.dbadmin import create_database, migrate

    await create_database(args.database_url, drop_first=True)
    await asyncio.to_thread(migrate, args.database_url)
    target = await prepare(args.database_url, SECRET)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": SECRET,
        "WEBHOOKS_DISPATCHER_ENABLED": "false",
    }
    server = subprocess.Popen(  # noqa: ASYNC220 (starting it does not wait)
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory",
         "--port", str(port), "--log-level", "error"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            await http.get("/api/v1/domains", headers=target.auth)  # warm up
            before = rss_mb(server.pid)
            rows = await run(http, target, args.rounds)
            await asyncio.sleep(1)
            after = rss_mb(server.pid)
            healthz = []
            for _ in range(20):
                started = time.perf_counter()
                await http.get("/healthz")
                healthz.append(time.perf_counter() - started)
        print(table(rows, before, after))
        print(f"healthz afterwards: median {1000 * statistics.median(healthz):.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    asyncio.run(main())
