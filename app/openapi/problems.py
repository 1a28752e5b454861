"""Errors in the document: every error status as an RFC 9457 problem, with what it means
in general and the headers it carries."""

from typing import Any

from app.openapi.headers import header_refs, ref

PROBLEM = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details. `type` is stable: switch on it.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`/problems/<slug>`; GET it for its meaning."},
        "title": {"type": "string", "description": "A short summary of the problem type."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "The request path."},
        "errors": {
            "type": "array",
            "description": "Field errors of invalid input.",
            "items": {
                "type": "object",
                "required": ["field", "message", "code"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
        "retry_after": {
            "type": "integer",
            "description": "Seconds after which the same request may succeed (409, 429, 503).",
        },
    },
    "additionalProperties": True,
}

# What each error status means, in general; an operation may say more of its own.
ERRORS = {
    "400": "The body is not JSON, not UTF-8, or nested too deeply (`malformed-json`).",
    "401": "A bearer token is needed, or the one sent is invalid or expired.",
    "403": "You may see the resource but not do this.",
    "404": "No such resource, or one you may not see.",
    "409": "The request conflicts with the resource's current state, a concurrent request "
    "changed the same data (`concurrent-update`, with `Retry-After`), or a request with the "
    "same `Idempotency-Key` is still running.",
    "412": "`If-Match` names no version the resource is still at.",
    "413": "The body is larger than the service accepts.",
    "415": "The body is in a media type this operation does not read (see its request body).",
    "422": "The input is invalid; `errors` names each field.",
    "429": "Too many requests from this client; see `Retry-After`.",
    "503": "The service or its database cannot serve the request now; see `Retry-After`.",
}


def problem_response(description: str, headers: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": ref("schemas", "Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def error_headers(status: str, limited: bool) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if status == "401":
        headers.update(header_refs("WWW-Authenticate"))
    if status in {"409", "429", "503"}:
        headers.update(header_refs("Retry-After"))
    if limited:
        headers.update(header_refs("RateLimit", "RateLimit-Policy"))
    return headers


# `#/components/responses/<name>`: each error status as most operations answer it.
RESPONSE_NAMES = {
    "400": "MalformedJSON",
    "401": "Unauthenticated",
    "403": "Forbidden",
    "404": "NotFound",
    "409": "Conflict",
    "412": "PreconditionFailed",
    "413": "PayloadTooLarge",
    "415": "UnsupportedMediaType",
    "422": "InvalidInput",
    "429": "TooManyRequests",
    "503": "ServiceUnavailable",
}
