"""Helpers shared by the REST tests (builders live in tests/factories.py)."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import ApiKeyCreate, ApiKeyScope, Person
from app.services.people import api_keys
from tests.factories import actor_of
from tests.support import API, ok


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
