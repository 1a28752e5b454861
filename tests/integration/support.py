"""Helpers for the webhook and audit tests."""

import base64
import hashlib
import hmac
import time
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models.people import Person
from tests.factories import auth

API = "/api/v1"


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """The receiver's side of Standard Webhooks, written from the specification (not with
    the service's own signing code), exactly as the README shows it."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split():
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


async def subscribe(client: AsyncClient, person: Person, url: str, **fields: Any) -> dict[str, Any]:
    created: dict[str, Any] = ok(
        await client.post(f"{API}/webhooks", json={"url": url, **fields}, headers=auth(person)),
        201,
    )
    return created


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).mappings().all())


async def counts(engine: AsyncEngine) -> tuple[int, int, int]:
    """(events, audit entries, deliveries)."""
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM audit_log),"
                " (SELECT count(*) FROM webhook_deliveries)"
            )
        )
        events, audits, deliveries = result.one()
        return int(events), int(audits), int(deliveries)
