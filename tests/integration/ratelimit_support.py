"""Apps with small limits of their own, clients at chosen addresses, and a Redis."""

import random
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.main import create_app
from tests.support import problem_checked_client

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


def limited_app(settings: Settings, engine: AsyncEngine, **changes: Any) -> FastAPI:
    """An app on the test database with the limits the test names (small by default)."""
    small: dict[str, Any] = {
        "rate_limit_enabled": True,
        "rate_limit_anonymous_per_minute": 5,
        "rate_limit_person_per_minute": 5,
        "rate_limit_api_key_per_minute": 5,
        "rate_limit_key_cache_seconds": 0,
        "login_throttle_enabled": True,
        "login_account_max_failures": 3,
        "login_ip_max_failures": 100,
        "login_failure_window_seconds": 60,
        "login_lockout_seconds": 1,
        "login_lockout_max_seconds": 2,
    }
    return create_app(settings.model_copy(update={**small, **changes}), engine=engine)


@asynccontextmanager
async def client_at(app: FastAPI, address: str = "192.0.2.1") -> AsyncIterator[AsyncClient]:
    """A client whose requests come from `address`."""
    async with problem_checked_client(app, (address, 40000)) as client:
        yield client


def random_address() -> str:
    """A fresh address, so that tests sharing one Redis never share a bucket."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis on loopback: the one running, or one started here (without persistence)."""
    if _redis_answers():
        return REDIS_URL
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed, so the shared-storage tests cannot run")
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            REDIS_HOST,
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers():
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return REDIS_URL
