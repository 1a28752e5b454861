"""View test fixtures: every error response must be RFC 9457 problem+json, and the view
cache starts empty for each test (the database is emptied between tests)."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response

from app.problems import CATALOGUE
from app.services.views import cache


async def _check_problem(response: Response) -> None:
    if response.status_code < 400:
        return
    await response.aread()
    assert response.headers["content-type"] == "application/problem+json", response.text
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"].removeprefix("/problems/") in CATALOGUE, body
    assert response.status_code != 500, body


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [_check_problem]},
    ) as client:
        yield client
