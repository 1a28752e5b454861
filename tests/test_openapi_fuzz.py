"""Schemathesis against the OpenAPI schema: whatever a client sends, the service answers
with a 4xx or a 2xx that matches its own schema, never a 5xx.

The app runs under uvicorn in a background thread with its own engine: schemathesis'
clients are synchronous, and the test session's engine belongs to pytest's event loop.
The schemas are built at import time from `create_app().openapi()`: schemathesis' lazy
`from_fixture` loader relies on a pytest internal that pytest 9.2 removed."""

import asyncio
import copy
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.main import create_app
from app.models.base import utcnow
from app.models.domains import DomainCreate
from app.models.people import Person
from app.services.actors import Actor
from app.services.domains import service as domains
from app.services.people.auth import issue_access_token
from tests.factories import SECRET

# The HTTP headers this API documents per operation and status.
DOCUMENTED_HEADERS = (
    "etag",
    "location",
    "link",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "idempotent-replayed",
    "www-authenticate",
)


@schemathesis.check
def headers_are_documented(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """Each of these headers the service sends is documented for that operation and
    status: what a client may see, it can read in the contract."""
    if case.method.lower() != case.operation.method.lower():
        return  # a probe with a method the path does not have (405 with Allow)
    documented = case.operation.definition.raw["responses"].get(str(response.status_code), {})
    if "$ref" in documented:
        documented = SPEC["components"]["responses"][documented["$ref"].rsplit("/", 1)[-1]]
    names = {name.lower() for name in documented.get("headers", {})}
    sent = {name.lower() for name in response.headers}
    missing = sorted(h for h in DOCUMENTED_HEADERS if h in sent and h not in names)
    if missing:
        raise AssertionError(
            f"{case.method} {case.path} {response.status_code}: undocumented {missing}"
        )


# Every answer is a status the operation documents, in a media type it documents, with
# the headers it documents and a body its schema allows; never a 5xx.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    headers_are_documented,
]
TABLES = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)


def _run(database_url: str, work: Any) -> Any:
    """On an engine of its own: through the session `engine` fixture, conftest would empty
    the tables after each operation's test, and with them the people and domains below."""

    async def run() -> Any:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


ADMIN_ID, MEMBER_ID = uuid.uuid4(), uuid.uuid4()
SLUGS = ["open-domain", "closed-domain", "admins-domain"]


@pytest.fixture(scope="module")
def people(settings: Settings) -> Iterator[dict[str, dict[str, str]]]:
    """A platform admin, and a person who is no admin. The person convenes a public and a
    private domain; the admin convenes a private one the person may not see."""

    async def setup(session: AsyncSession) -> dict[str, dict[str, str]]:
        admin = Person(
            id=ADMIN_ID,
            email="admin@fuzz.test",
            display_name="Admin",
            is_platform_admin=True,
            email_verified_at=utcnow(),
        )
        member = Person(
            id=MEMBER_ID,
            email="member@fuzz.test",
            display_name="Member",
            email_verified_at=utcnow(),
        )
        session.add_all([admin, member])
        await session.commit()
        for actor, name, visibility in (
            (member, "Open Domain", "public"),
            (member, "Closed Domain", "private"),
            (admin, "Admins Domain", "private"),
        ):
            await domains.create_domain(
                session,
                Actor(person_id=actor.id, email_verified=True),
                DomainCreate(name=name, visibility=visibility),
            )
        return {
            name: {"Authorization": f"Bearer {issue_access_token(person.id, settings)}"}
            for name, person in (("admin", admin), ("member", member))
        }

    async def teardown(session: AsyncSession) -> None:
        await session.exec(text(f"TRUNCATE {TABLES} CASCADE"))  # type: ignore[call-overload]
        await session.commit()

    assert settings.database_url
    yield _run(settings.database_url, setup)
    _run(settings.database_url, teardown)


SPEC: dict[str, Any] = create_app(Settings(environment="test", secret_key=SECRET)).openapi()


def _schema(**config: Any) -> Any:
    """The schema the service serves (generating it needs no database). Path parameters
    often name the domains and people above, so that cases reach past the 404 into the
    rules; the rest of the time they are random."""
    return schemathesis.openapi.from_dict(
        copy.deepcopy(SPEC),
        config=schemathesis.Config.from_dict(
            {
                "dictionaries": {
                    "slugs": {"values": SLUGS},
                    "people": {"values": [str(ADMIN_ID), str(MEMBER_ID)]},
                },
                "parameters": {
                    "path.slug": {"dictionary": "slugs", "probability": 0.75},
                    "path.person_id": {"dictionary": "people", "probability": 0.5},
                },
                **config,
            }
        ),
    )


# As a platform admin, every operation gets schemathesis' full treatment: schema examples,
# boundary values ("coverage") and random cases; as a person who is no admin, a lighter
# random pass through the permission paths.
admin_schema = _schema()
member_schema = _schema(phases={"coverage": {"enabled": False}})
QUICK = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}


@admin_schema.parametrize()
@settings(max_examples=10, **QUICK)
def test_as_platform_admin(
    case: schemathesis.Case, base_url: str, people: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(base_url=base_url, headers=people["admin"], checks=CHECKS)


@member_schema.parametrize()
@settings(max_examples=5, **QUICK)
def test_as_member(
    case: schemathesis.Case, base_url: str, people: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(base_url=base_url, headers=people["member"], checks=CHECKS)
