"""Helpers for the webhook and audit tests."""

import base64
import hashlib
import hmac
import time
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models.people import Person
from tests.factories import auth
from tests.support import API, ok


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
