"""The service as an integrator meets it: `uvicorn` in a process of its own on a loopback
port, on the test database. `async with server(DB_POOL_SIZE="1") as s:` starts one with
these settings on top of the defaults; every server a test starts is stopped after it.

Use the fixture by importing it into a test module or conftest:
`from tests.live_server import server  # noqa: F401`."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.factories import SECRET
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def rss_mb(self) -> float:
        """The server process's resident memory."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024


ServerFactory = Callable[..., AbstractAsyncContextManager[Server]]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerFactory]:
    """`async with server(DB_POOL_SIZE="1") as s:` a fresh uvicorn process on the test
    database, with these settings on top of the defaults."""
    started: list[subprocess.Popen[bytes]] = []

    @asynccontextmanager
    async def start(**env: str) -> AsyncIterator[Server]:
        port = free_port()
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
