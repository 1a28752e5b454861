"""The OpenAPI document as the service really answers.

Every fact that varies by operation is derived from the route itself, so that the
document cannot drift from the code:
- `operationId`: the route function's name in camelCase (`list_domains` -> `listDomains`),
  unless the route names one (`operation_id=`);
- `security`: from the dependency the route uses. `CurrentActor` (authentication
  required) gives the bearer schemes; `ActorDep` (a credential is optional, and changes
  what you see) gives them after `{}`; neither gives `[]`;
- request headers: `Idempotency-Key` on every POST the idempotency middleware keys,
  `If-Match` where the route takes `IfMatchDep`, `If-None-Match` on every GET;
- response headers: `ETag`, `Location` (where a route declares it), `Link` on pages,
  `RateLimit`/`RateLimit-Policy` wherever requests are limited, `Retry-After`, and `304`
  on every GET;
- error statuses: each one an operation can answer, as an RFC 9457 problem
  (`application/problem+json`, the `Problem` schema), by rule from what the operation
  takes (a body, parameters, a credential, a version precondition), plus those a route
  declares itself (a 401 for a bad login, say).

The parts: `headers`, `problems` and `security` are the components; `operations` applies
the rules above to each route."""

import importlib.metadata
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.openapi.headers import CREATED, HEADER_KEYS, HEADERS, PARAMETERS
from app.openapi.operations import document_operation, routes
from app.openapi.problems import (
    ERRORS,
    PROBLEM_SCHEMA,
    RESPONSE_NAMES,
    error_headers,
    problem_response,
)
from app.openapi.security import SECURITY_SCHEMES

__all__ = ["CREATED", "DESCRIPTION", "build", "install", "operation_id"]

DESCRIPTION = """\
REST API of cop-api, for running communities of practice: a **domain** (the shared concern),
a **community** (people, memberships and roles) and a **practice** (contributions, curated
collections, gatherings). The same operations are served over GraphQL at `/graphql`.

- **Credentials**: `Authorization: Bearer <token>`, with a person's access token (OAuth2
  password flow) or an API key. Reads marked with optional security answer without one,
  showing what is public.
- **Errors** are RFC 9457 problems (`application/problem+json`) with a stable `type`.
- **Lists** are pages: pass `next_cursor` back as `cursor` (also in the `Link` header).
- **Writes** take `If-Match` (the `ETag` of what you read) where concurrent edits matter,
  and POSTs take `Idempotency-Key` for safe retries (all but those answering a secret
  shown once: tokens, API keys, calendar links). GETs answer `If-None-Match` with 304.
- **Limits**: requests per client and minute (`RateLimit`, `RateLimit-Policy`; 429 with
  `Retry-After` beyond them)."""


def operation_id(route: APIRoute) -> str:
    """`generate_unique_id_function`: the route function's name in camelCase."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _license() -> dict[str, str]:
    """The licence the package declares (pyproject `license`), so the two cannot differ."""
    try:
        meta = importlib.metadata.metadata("cop-api")
    except importlib.metadata.PackageNotFoundError:
        meta = None
    expression = next(iter((meta.get_all("License-Expression") or []) if meta else []), None)
    if expression:
        return {"name": expression, "identifier": expression}
    return {
        "name": "No licence granted: the package declares none, so all rights are reserved",
        "url": "https://choosealicense.com/no-permission/",
    }


def build(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=[{"url": "/", "description": "The service that serves this document."}],
        contact={"name": "cop-api maintainers"},
        license_info=_license(),
    )
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    components["headers"] = {HEADER_KEYS[name]: header for name, header in HEADERS.items()}
    components["parameters"] = PARAMETERS
    components["responses"] = {
        name: problem_response(ERRORS[status], error_headers(status, limited=True))
        for status, name in RESPONSE_NAMES.items()
    }
    found = routes(app)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            document_operation(spec, path, method, found[(path, method)], operation)
    return spec


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
