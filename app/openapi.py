"""The OpenAPI document as the service really answers: every error is an RFC 9457
problem (`application/problem+json`, the `Problem` schema), never FastAPI's
`HTTPValidationError`, and each operation lists the error statuses it can return."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details. `type` is stable: switch on it.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`/problems/<slug>`; GET it for its meaning."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
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
            "description": "Seconds after which the same request may succeed (429, 503).",
        },
    },
    "additionalProperties": True,
}

# Every status an operation may answer with a problem, and when.
ERRORS = {
    "400": "The body is not JSON, not UTF-8, or nested too deeply (`malformed-json`).",
    "401": "A bearer token is needed, or the one sent is invalid or expired.",
    "403": "You may see the resource but not do this.",
    "404": "No such resource, or one you may not see.",
    "409": "The request conflicts with the resource's current state.",
    "412": "`If-Match` names a version that is no longer current.",
    "413": "The body is larger than the service accepts.",
    "422": "The input is invalid; `errors` names each field.",
    "429": "Too many requests (or failed logins); see `Retry-After`.",
    "503": "The service or its database cannot serve the request now; see `Retry-After`.",
}
_BODY_ONLY = {"400", "413"}
_WRITES_ONLY = {"409", "412"}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def build(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            has_body = "requestBody" in operation
            for status, description in ERRORS.items():
                if status in _BODY_ONLY and not has_body:
                    continue
                if status in _WRITES_ONLY and method == "get":
                    continue
                existing = responses.get(status, {})
                text = existing.get("description") or description
                if text == "Validation Error":
                    text = description
                responses[status] = _problem_response(text)
    return spec


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
