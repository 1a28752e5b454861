"""Fixtures for webhooks and the audit log: a real HTTP receiver on loopback, an app that
may call loopback targets, and dispatchers driven by hand with a clock the test moves."""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_sessionmaker
from app.main import create_app
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.people import Person
from app.services.webhooks.delivery import Dispatcher
from tests.factories import make_domain, make_person
from tests.support import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """A minimal HTTP/1.1 server on 127.0.0.1 that records every request it reads.
    `status` is the answer (or a function of the request); `hang` reads the request and
    never answers; `stop()` and `start()` take it down and bring it back on the same port."""

    port: int
    status: int | Callable[[Received], int] = 204
    hang: bool = False
    answer: bytes | None = None  # the response body, if not the default
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._handlers):
                task.cancel()
            await self._server.wait_closed()
            self._server = None

    def delivered(self, path: str | None = None) -> list[Received]:
        """Requests answered with a 2xx (optionally to one path), in arrival order."""
        return [
            r for r in self.received if 200 <= r.status < 300 and (path is None or r.path == path)
        ]

    async def wait_for(self, count: int) -> None:
        """Until `count` requests have arrived (the caller bounds the wait)."""
        while len(self.received) < count:
            self.arrived.clear()
            await self.arrived.wait()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {
                k.strip().lower(): v.strip()
                for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Received(path, headers, body, 0)
            if self.hang:
                self.received.append(request)
                self.arrived.set()
                await asyncio.Event().wait()
            request.status = self.status(request) if callable(self.status) else self.status
            self.received.append(request)
            self.arrived.set()
            answer = (
                b""
                if request.status == 204
                else self.answer
                if self.answer is not None
                else b"thanks"
                if request.status < 300
                else b"not now"
            )
            writer.write(
                f"HTTP/1.1 {request.status} X\r\nContent-Length: {len(answer)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()


@pytest.fixture
async def convenor(session: AsyncSession) -> Person:
    return await make_person(session, email="convenor@example.org")


@pytest.fixture
async def admin(session: AsyncSession) -> Person:
    return await make_person(session, email="admin@example.org", is_platform_admin=True)


@pytest.fixture
async def domain(session: AsyncSession, convenor: Person) -> Domain:
    """Wound Care, convened by `convenor` (a module may give its own)."""
    return await make_domain(session, convenor, name="Wound Care", slug="wound-care")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver(port=free_port())
    await server.start()
    yield server
    await server.stop()


class Clock:
    """The dispatcher's idea of now: real time plus an offset that tests move on instead
    of sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def to(self, moment: datetime) -> None:
        """Move on to at least `moment`."""
        self.offset = max(self.offset, moment - utcnow())


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhooks_allow_private_targets": True,
            "webhooks_dispatcher_enabled": False,
            "webhooks_timeout_seconds": 5.0,
        }
    )


@pytest.fixture
async def hook_client(hook_settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """The API with loopback targets allowed (the receiver lives there)."""
    app = create_app(hook_settings, engine=engine)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def dispatcher(
    hook_settings: Settings, engine: AsyncEngine, clock: Clock
) -> AsyncIterator[Dispatcher]:
    async with Dispatcher(create_sessionmaker(engine), hook_settings, clock=clock) as d:
        yield d
