"""Time each view over REST on the data from bench/generate.py.

    python bench/views.py --database-url postgresql://postgres@127.0.0.1:5432/cop_api_bench

Requests go through the whole application (routing, authorization, services, JSON) with
an in-process HTTP client, as a platform admin. For each view: the first request (cold:
nothing cached, graph workers already started), then the median of `--repeat` more (warm:
served from the view cache while nothing new was recorded). `--no-cache` times every
request cold."""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
from httpx import ASGITransport, AsyncClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import async_url
from app.main import create_app
from app.services.people.auth import issue_access_token
from app.services.views import cache, compute
from bench.generate import ADMIN_EMAIL

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"


async def admin_id(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetchval("SELECT id FROM people WHERE email = $1", ADMIN_EMAIL)
    finally:
        await conn.close()
    if found is None:
        sys.exit("No benchmark data: run bench/generate.py first.")
    return str(found)


async def run(url: str, repeat: int, use_cache: bool, only: str | None) -> None:
    settings = Settings(
        environment="test", database_url=async_url(url), secret_key=SECRET, db_pool_size=10
    )
    person = await admin_id(url)
    token = issue_access_token(uuid.UUID(person), settings)
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(settings)
    cases = [
        ("network, 2,000 members", "/api/v1/domains/bench-large/views/network"),
        ("network as GraphML", "/api/v1/domains/bench-large/views/network?format=graphml"),
        ("community", "/api/v1/domains/bench-large/views/community"),
        ("comparison", "/api/v1/domains/bench-large/views/comparison"),
        ("history, 12 months", "/api/v1/domains/bench-large/views/comparison/history"),
        ("cross-domain network, 20,000 people", "/api/v1/views/network"),
    ]
    await compute.warm_up()
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client,
    ):
        print(f"{'view':40} {'cold s':>8} {'warm s':>8} {'size':>10}")
        for name, path in cases:
            if only and only not in path:
                continue
            cache.clear()
            timings = []
            size = 0
            for _ in range(1 + repeat):
                if not use_cache:
                    cache.clear()
                started = time.perf_counter()
                response = await client.get(path, headers=headers, timeout=600)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    sys.exit(f"{path}: {response.status_code} {response.text[:500]}")
                size = len(response.content)
            warm = statistics.median(timings[1:]) if repeat else float("nan")
            print(f"{name:40} {timings[0]:8.3f} {warm:8.3f} {size / 1e6:8.1f} MB")
    compute.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/cop_api_bench"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--only", help="only the views whose path contains this")
    args = parser.parse_args()
    asyncio.run(run(args.database_url, args.repeat, not args.no_cache, args.only))


if __name__ == "__main__":
    main()
