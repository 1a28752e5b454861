"""The service as an integrator meets it: `uvicorn` in a process of its own on loopback,
with the default connection pool unless a test says otherwise, and real concurrent
clients. Counts and times are bounded; every test stops its server."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import SECRET

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/reliability/" in str(item.fspath):
            item.add_marker(pytest.mark.reliability)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def rss_mb(self) -> float:
        """The server process's resident memory."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ServerFactory = Callable[..., AbstractAsyncContextManager[Server]]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerFactory]:
    """`async with server(DB_POOL_SIZE="1") as s:` a fresh uvicorn process on the test
    database, with these settings on top of the defaults."""
    started: list[subprocess.Popen[bytes]] = []

    @asynccontextmanager
    async def start(**env: str) -> AsyncIterator[Server]:
        port = _free_port()
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "test",
            "SECRET_KEY": SECRET,
            "DATA_DIR": str(tmp_path),
            "RATE_LIMIT_ENABLED": "false",
            "LOGIN_THROTTLE_ENABLED": "false",
            "WEBHOOKS_DISPATCHER_ENABLED": "false",
            **env,
        }
        process = subprocess.Popen(  # noqa: ASYNC220 (starting it does not wait)
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:app_factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
             "--no-access-log"],
            cwd=ROOT,
            env=environment,
        )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as probe:
            while True:
                assert process.poll() is None, "the server exited"
                try:
                    if (await probe.get(f"{url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.05)
        try:
            yield Server(url, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()


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


def graphql_codes(response: httpx.Response) -> list[str]:
    body: dict[str, Any] = response.json()
    return [e["extensions"]["code"] for e in body.get("errors") or []]
