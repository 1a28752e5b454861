"""How much a burst of logins slows everyone else.

    python bench/logins.py --database-url postgresql://postgres@127.0.0.1:5432/cop_api_bench_logins

Starts the API under uvicorn in a process of its own on loopback (password hashing at the
production cost), then times `GET /healthz` one request after another: first alone, then
while `--logins` people log in at the same moment, each `--rounds` times in a row. The
database is created (dropped first) and migrated, with the people to log in as."""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx

from app.config import Settings
from app.db import async_url
from app.dbadmin import create_database, drop_database, migrate
from app.services.people.auth import Passwords

ROOT = Path(__file__).resolve().parent.parent

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
EMAIL = "login-bench-{}@example.org"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def add_people(url: str, count: int) -> None:
    hashed = await Passwords(Settings().password_hash_time_cost).hash(PASSWORD)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.executemany(
            "INSERT INTO people (id, email, display_name, password_hash) "
            "VALUES (gen_random_uuid(), $1, 'Bench', $2)",
            [(EMAIL.format(n), hashed) for n in range(count)],
        )
    finally:
        await conn.close()


async def probe(client: httpx.AsyncClient, until: asyncio.Event | None, count: int) -> list[float]:
    """Latencies of GET /healthz, one after another: `count` of them, or until `until`."""
    timings: list[float] = []
    while (until is None and len(timings) < count) or (until is not None and not until.is_set()):
        started = time.perf_counter()
        response = await client.get("/healthz")
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
        await asyncio.sleep(0.01)
    return timings


async def login(client: httpx.AsyncClient, email: str, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
        )
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"login: {response.status_code} {response.text[:300]}")
    return timings


def summary(name: str, timings: list[float]) -> str:
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{name:34} n={len(ms):4}  median {statistics.median(ms):8.1f} ms  "
        f"p95 {p95:8.1f} ms  max {ms[-1]:8.1f} ms"
    )


async def measure(base: str, logins: int, rounds: int) -> None:
    limits = httpx.Limits(max_connections=logins + 4)
    async with (
        httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client,
        httpx.AsyncClient(base_url=base, timeout=120) as prober,
    ):
        await probe(prober, None, 20)  # warm up
        alone = await probe(prober, None, 50)
        done = asyncio.Event()
        probing = asyncio.create_task(probe(prober, done, 0))
        started = time.perf_counter()
        results = await asyncio.gather(
            *(login(client, EMAIL.format(n), rounds) for n in range(logins))
        )
        took = time.perf_counter() - started
        done.set()
        loaded = await probing
    print(summary("GET /healthz alone", alone))
    print(summary(f"GET /healthz during {logins} logins", loaded))
    print(summary("POST /auth/token", [t for r in results for t in r]))
    print(f"{logins * rounds} logins in {took:.1f} s")
    ratio = statistics.median(loaded) / statistics.median(alone)
    print(f"healthz median slowed {ratio:.1f}-fold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--logins", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hash-concurrency", type=int, default=None)
    args = parser.parse_args()
    url = async_url(args.database_url)
    asyncio.run(create_database(url, drop_first=True))
    migrate(url)
    asyncio.run(add_people(url, args.logins))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "test",
        "WEBHOOKS_DISPATCHER_ENABLED": "false",
        # Limits high enough that they never answer 429 here: this measures hashing.
        "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000",
        "LOGIN_IP_MAX_FAILURES": "1000000",
    }
    if args.hash_concurrency:
        env["PASSWORD_HASH_CONCURRENCY"] = str(args.hash_concurrency)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.main:app_factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the API server did not start")
                time.sleep(0.1)
        asyncio.run(measure(base, args.logins, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=30)
        asyncio.run(drop_database(url))


if __name__ == "__main__":
    main()
