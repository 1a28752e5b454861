"""Helpers shared by the REST tests (builders live in tests/factories.py)."""

from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import ApiKeyCreate, ApiKeyScope, Person
from app.services import api_keys
from tests.factories import actor_of

API = "/api/v1"


def problem(response: Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """Assert an error response; the client fixture has already checked its shape."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    if slug is not None:
        assert body["type"] == f"/problems/{slug}", body
    return body


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_key(session: AsyncSession, admin: Person, *scopes: str) -> str:
    """An API key made by `admin`; returns the secret to send."""
    data = ApiKeyCreate(name="integration", scopes=[ApiKeyScope(s) for s in scopes or ("read",)])
    _, secret = await api_keys.create_api_key(session, actor_of(admin), data)
    return secret


async def register(
    client: AsyncClient, email: str, password: str = "correct horse battery", **fields: Any
) -> dict[str, Any]:
    body = {"email": email, "password": password, "display_name": "Someone", **fields}
    return ok(await client.post(f"{API}/auth/register", json=body), 201)  # type: ignore[no-any-return]


async def login(
    client: AsyncClient, email: str, password: str = "correct horse battery"
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/auth/token", data={"username": email, "password": password}
    )
    return ok(response)  # type: ignore[no-any-return]


async def count(session: AsyncSession, table: type[SQLModel], *where: Any) -> int:
    """Rows in a table, read in a session of its own: what is committed, nothing else."""
    stmt: Any = select(func.count()).select_from(table)
    if where:
        stmt = stmt.where(*where)
    async with AsyncSession(session.bind) as fresh:
        return int((await fresh.exec(stmt)).one())
