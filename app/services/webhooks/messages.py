"""What a webhook receiver gets: the event's body, signed per Standard Webhooks.

The headers are `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, where the
key is the bytes behind the `whsec_` secret."""

import base64
import hashlib
import hmac
from typing import Any

import orjson

from app.models.webhooks import SECRET_PREFIX
from app.services.changes import tombstones


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value (Standard Webhooks, version 1)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def event_body(row: Any) -> bytes:
    """What a receiver gets: the event's envelope and the resource as the REST API shows it
    (a removal as app/services/tombstones.py says; subscribers moderate their domains)."""
    shown = tombstones.seen(row.type, row.resource_type, row.payload, moderator=True)
    return orjson.dumps(
        {
            "id": str(row.event_id),
            "seq": row.seq,
            "type": row.type,
            "timestamp": row.occurred_at.isoformat().replace("+00:00", "Z"),
            "domain_id": str(row.domain_id) if row.domain_id else None,
            "actor": {
                "person_id": str(row.actor_person_id) if row.actor_person_id else None,
                "api_key_id": str(row.actor_api_key_id) if row.actor_api_key_id else None,
            },
            "resource": {
                "type": row.resource_type,
                "id": str(row.resource_id),
                "tombstone": shown.tombstone,
            },
            "data": shown.data,
        }
    )
