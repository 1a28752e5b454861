"""The headers and header parameters of the document's components, and the response
header sets a route may declare."""

from typing import Any


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


HEADERS: dict[str, Any] = {
    "ETag": {
        "description": "The strong entity tag of this body: for a resource with a version, "
        '`"<version>.<digest>"`, else `"<digest>"`. Send it back in `If-None-Match` to '
        "revalidate, or (its version) in `If-Match` to guard a write.",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "Where the created resource (or the started job) is.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Link": {
        "description": 'RFC 8288: `<url>; rel="next"` when there is a next page.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What is left of this client\'s limit: `"<policy>";r=<remaining>;'
        "t=<seconds until the oldest counted request leaves the window>` (IETF httpapi "
        "RateLimit header fields). Absent when rate limits are off.",
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The limit that applies: `"<policy>";q=<requests>;w=60`, the policy '
        "being `person`, `api-key` or `anonymous`. Absent when rate limits are off.",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "WWW-Authenticate": {
        "description": "`Bearer`: the credential this service takes.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with "
        "the same `Idempotency-Key`, not a new one.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Cache-Control": {
        "description": "`private, no-cache` for a response to a credential, `no-cache` "
        "otherwise: a cache may keep it, and revalidates it with the `ETag` before use.",
        "schema": {"type": "string"},
    },
    "Vary": {
        "description": "The request headers the body depends on (`Authorization`).",
        "schema": {"type": "string"},
    },
}
HEADER_KEYS = {name: name.replace("-", "") for name in HEADERS}

PARAMETERS: dict[str, Any] = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Makes a retry of this POST safe: within 24 hours the same key with the "
        "same request answers the first response again (with `Idempotent-Replayed: true`) "
        "instead of repeating the write; the same key with another request is 422, and "
        "while the first is still running 409. 1 to 255 printable ASCII characters, "
        'bare or as a quoted string (`"abc"`).',
        "schema": {"type": "string", "minLength": 1, "maxLength": 257},
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "Change the resource only if it is still at this version: an `ETag` "
        'the API sent (`"3"` or `"3.<digest>"`; only the version counts, so counts that '
        'others change do not block the edit), a list (`"3", "4"`), or `*`. Otherwise 412. '
        "Without it the write happens whatever the version.",
        "schema": {"type": "string", "maxLength": 200},
    },
    "IfNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The `ETag` of a copy you hold (or a list of them, or `*`): if it is "
        "still current the answer is 304 without a body.",
        "schema": {"type": "string", "maxLength": 1024},
    },
}

NOT_MODIFIED: dict[str, Any] = {
    "description": "Not Modified: the `If-None-Match` tag is still current; use your copy.",
    "headers": {
        name: ref("headers", HEADER_KEYS[name])
        for name in ("ETag", "Cache-Control", "Vary", "RateLimit", "RateLimit-Policy")
    },
}

# Response header sets a route may declare (`responses={201: CREATED}`).
CREATED: dict[str, Any] = {"headers": {"Location": ref("headers", "Location")}}


def header_refs(*names: str) -> dict[str, Any]:
    return {name: ref("headers", HEADER_KEYS[name]) for name in names}
