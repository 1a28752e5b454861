"""REST test fixtures. The `client` here checks every error response it sees: whatever
test sent the request, a 4xx or 5xx must be RFC 9457 problem+json with the fields
clients rely on."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response

from app.problems import CATALOGUE


async def check_problem(response: Response) -> None:
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


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [check_problem]},
    ) as client:
        yield client
