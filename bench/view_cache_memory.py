"""Memory of the view cache under windows that differ by a second.

    python bench/view_cache_memory.py --database-url postgresql://postgres@127.0.0.1:5432/cop_api_cache

Loads the demo community into a fresh database, then asks for the comparison view of its
largest domain as one of its members, `--requests` times, each with a `since` one second
(`--step` seconds) later than the last, through the whole application with an in-process
HTTP client. Prints the process's resident memory and the cache's entries and bytes (its
own estimate and an exact count) as it goes."""

import argparse
import asyncio
import enum
import gc
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from httpx import ASGITransport, AsyncClient
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import async_url, create_engine, create_sessionmaker
from app.dbadmin import create_database, migrate
from app.demo.seed import seed_demo
from app.main import create_app
from app.models.people import Person
from app.services.people.auth import issue_access_token
from app.services.views import cache

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
MEMBER = "lars@demo.cop"
PATH = "/api/v1/domains/{slug}/views/comparison"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def exact_bytes(values: list[Any]) -> int:
    """Everything the entries reach, each object once (Python's shared objects aside)."""
    seen: set[int] = set()
    stack = list(values)
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | enum.Enum | bool | None):
            continue
        if isinstance(obj, int) and -5 <= obj <= 256:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def cache_figures() -> str:
    entries = list(cache._entries.values())
    estimated = cache.stats()[1] if hasattr(cache, "stats") else None
    exact = exact_bytes([e.value for e in entries])
    shown = f"{estimated / 1e6:7.2f} MB" if estimated is not None else "    n/a   "
    return f"entries {len(entries):5d}  estimated {shown}  exact {exact / 1e6:7.2f} MB"


async def run(url: str, requests: int, step: int) -> None:
    settings = Settings(environment="test", database_url=url, secret_key=SECRET)
    print(await seed_demo(settings, only_if_empty=False))
    engine = create_engine(url, settings)
    async with create_sessionmaker(engine)() as session:
        person = (await session.exec(select(Person).where(col(Person.email) == MEMBER))).one()
    headers = {"Authorization": f"Bearer {issue_access_token(person.id, settings)}"}
    app = create_app(settings, engine=engine)
    path = PATH.format(slug="palliative-care-nurses")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=200)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
        for _ in range(5):  # warm up: imports, pools, first computations
            response = await client.get(path, params={"since": start.isoformat()}, headers=headers)
            if response.status_code != 200:
                sys.exit(f"{path}: {response.status_code} {response.text[:300]}")
        cache.clear()
        gc.collect()
        before = rss_mb()
        print(f"before: RSS {before:7.1f} MB  {cache_figures()}")
        started = time.perf_counter()
        for n in range(requests):
            since = (start + timedelta(seconds=n * step)).isoformat()
            response = await client.get(path, params={"since": since}, headers=headers)
            assert response.status_code == 200, response.text
            if (n + 1) % 500 == 0:
                print(f"{n + 1:5d}:  RSS {rss_mb():7.1f} MB  {cache_figures()}")
        took = time.perf_counter() - started
        gc.collect()
        after = rss_mb()
        print(f"after:  RSS {after:7.1f} MB  {cache_figures()}")
        print(f"RSS grew {after - before:.1f} MB over {requests} requests in {took:.0f} s")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=2500)
    parser.add_argument("--step", type=int, default=1, help="seconds between windows")
    args = parser.parse_args()
    url = async_url(args.database_url)
    asyncio.run(create_database(url, drop_first=True))
    migrate(url)
    asyncio.run(run(url, args.requests, args.step))


if __name__ == "__main__":
    main()
