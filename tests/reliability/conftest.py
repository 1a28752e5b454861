"""The service as an integrator meets it: `uvicorn` in a process of its own on loopback,
with the default connection pool unless a test says otherwise, and real concurrent
clients. Counts and times are bounded; every test stops its server."""

import httpx
import pytest

from tests.live_server import Server, ServerFactory, server

__all__ = ["Server", "ServerFactory", "client", "server", "statuses"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability/" in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


def client(url: str, connections: int = 256) -> httpx.AsyncClient:
    # No keep-alive: a connection the server closes as idle at the moment the client
    # reuses it fails the request, which says nothing about the service.
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=60)


def statuses(responses: list[httpx.Response]) -> dict[int, int]:
    found: dict[int, int] = {}
    for response in responses:
        found[response.status_code] = found.get(response.status_code, 0) + 1
    return found
