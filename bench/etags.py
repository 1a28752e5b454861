"""What ETags from the body cost: the digest and the middleware, per response.

    python bench/etags.py --database-url postgresql://postgres@127.0.0.1:5432/cop_api_etags

Loads the demo community into a fresh database, has its convenor schedule gatherings and
contribute stories until a page holds 20 of each, and asks for those pages through the
whole application.
For each body it prints its size and three times per response: the SHA-256 digest
alone; `HttpCacheMiddleware` around an app that answers those same bytes, less that app
alone (the middleware's whole overhead: holding the start message, the digest, the
headers); and the whole request through the application, for scale."""

import argparse
import asyncio
import statistics
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
from app.etags import digest
from app.http_cache import HttpCacheMiddleware
from app.main import create_app
from app.models.people import Person
from app.services.people.auth import issue_access_token

SECRET = "benchmark-secret-key-that-is-long-enough-0123456789"
MEMBER = "amara@demo.cop"
SLUG = "palliative-care-nurses"
PAGES = (
    f"/api/v1/domains/{SLUG}/gatherings?limit=20",
    f"/api/v1/domains/{SLUG}/contributions?limit=20",
)


async def fill(client: AsyncClient, headers: dict[str, str]) -> None:
    """20 more gatherings in the next weeks and 20 more stories: full pages."""
    soon = datetime.now(UTC).replace(microsecond=0)
    for n in range(20):
        gathering = {
            "title": f"Case clinic {n}",
            "theme": "Night shifts",
            "description": "We bring one case each and think it through together. " * 3,
            "start": (soon + timedelta(days=2 + n)).isoformat(),
            "timezone": "Europe/Amsterdam",
            "duration_minutes": 90,
            "location": "Room 4, the hospice on the hill",
        }
        story = {
            "kind": "story",
            "title": f"A night on the ward, {n}",
            "body": "What happened, what we tried, and what we would do again. " * 8,
            "tags": ["nights", "families"],
        }
        for path, body in (("gatherings", gathering), ("contributions", story)):
            created = await client.post(
                f"/api/v1/domains/{SLUG}/{path}", json=body, headers=headers
            )
            if created.status_code != 201:
                sys.exit(f"{path}: {created.status_code} {created.text[:300]}")


def per_call_us(fn: Any, rounds: int) -> float:
    """The median of five runs of `rounds` calls, in microseconds per call."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            fn()
        runs.append((time.perf_counter() - started) / rounds * 1e6)
    return statistics.median(runs)


async def asgi_us(app: Any, scope: dict[str, Any], rounds: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    runs = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            await app(scope, receive, send)
        runs.append((time.perf_counter() - started) / rounds * 1e6)
    return statistics.median(runs)


def answering(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return app


async def run(url: str, rounds: int) -> None:
    settings = Settings(environment="test", database_url=url, secret_key=SECRET)
    print(await seed_demo(settings, only_if_empty=False))
    engine = create_engine(url, settings)
    async with create_sessionmaker(engine)() as session:
        person = (await session.exec(select(Person).where(col(Person.email) == MEMBER))).one()
    token = issue_access_token(person.id, settings)
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(settings, engine=engine)
    print(f"{'page':62} {'items':>5} {'bytes':>7} {'digest':>9} {'middleware':>11} {'request':>9}")
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
        await fill(client, headers)
        for path in PAGES:
            for _ in range(3):  # warm up
                response = await client.get(path, headers=headers)
            if response.status_code != 200:
                sys.exit(f"{path}: {response.status_code} {response.text[:300]}")
            body = response.content
            items = len(response.json()["items"])
            hashing = per_call_us(lambda body=body: digest(body), rounds)
            scope = {
                "type": "http",
                "method": "GET",
                "path": "/api/v1/x",
                "query_string": b"",
                "headers": [(b"authorization", f"Bearer {token}".encode())],
            }
            bare = answering(body)
            without = await asgi_us(bare, scope, rounds)
            wrapped = await asgi_us(HttpCacheMiddleware(bare), scope, rounds)
            requests = []
            for _ in range(50):
                started = time.perf_counter()
                await client.get(path, headers=headers)
                requests.append((time.perf_counter() - started) * 1e6)
            print(
                f"{path[:62]:62} {items:5d} {len(body):7d} {hashing:7.1f}µs "
                f"{wrapped - without:9.1f}µs {statistics.median(requests) / 1000:7.2f}ms"
            )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args()
    url = async_url(args.database_url)
    asyncio.run(create_database(url, drop_first=True))
    migrate(url)
    asyncio.run(run(url, args.rounds))


if __name__ == "__main__":
    main()
