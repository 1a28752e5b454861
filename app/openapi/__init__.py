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
  declares itself (a 401 for a bad login, say)."""

import importlib.metadata
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app import admission, deps, idempotency, ratelimit
from app.models.common import Page

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

PROBLEM = "application/problem+json"
JSON = "application/json"

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

# The two ways to send a credential: both are `Authorization: Bearer ...`.
OAUTH2 = "OAuth2"
API_KEY = "ApiKey"
SECURITY_SCHEMES: dict[str, Any] = {
    OAUTH2: {
        "type": "oauth2",
        "description": "A person's access token: log in at `/api/v1/auth/token` (OAuth2 "
        "password flow, form-encoded), send `Authorization: Bearer <access_token>`. It "
        "expires after `expires_in` seconds; `/api/v1/auth/refresh` swaps the refresh token "
        '(JSON: `{"refresh_token": "..."}`) for a new pair.',
        "flows": {
            "password": {
                "tokenUrl": "/api/v1/auth/token",
                "refreshUrl": "/api/v1/auth/refresh",
                "scopes": {},
            }
        },
    },
    API_KEY: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "cop_<8 hex digits>_<43 characters>",
        "description": "An API key (a service account, created by a platform admin), sent "
        "as `Authorization: Bearer cop_...`. Its scopes (`read`, `write`, `admin`) bound "
        "what it may do.",
    },
}
_CREDENTIALS: list[dict[str, list[str]]] = [{OAUTH2: []}, {API_KEY: []}]


def _ref(kind: str, name: str) -> dict[str, str]:
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
_HEADER_KEYS = {name: name.replace("-", "") for name in HEADERS}

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
        name: _ref("headers", _HEADER_KEYS[name])
        for name in ("ETag", "Cache-Control", "Vary", "RateLimit", "RateLimit-Policy")
    },
}

# Response header sets a route may declare (`responses={201: CREATED}`).
CREATED: dict[str, Any] = {"headers": {"Location": _ref("headers", "Location")}}


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


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def access(route: Any) -> str:
    """`required`, `optional` or `none`: the credential the route's dependencies ask for."""
    calls = set(_calls(route.dependant))
    if deps.get_authenticated in calls:
        return "required"
    if deps.get_actor in calls:
        return "optional"
    return "none"


def _request_body_media(route: Any, operation: dict[str, Any]) -> list[str]:
    return list(operation.get("requestBody", {}).get("content", {}))


def _problem_response(description: str, headers: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": _ref("schemas", "Problem")}},
    }
    if headers:
        response["headers"] = headers
    return response


def _header_refs(*names: str) -> dict[str, Any]:
    return {name: _ref("headers", _HEADER_KEYS[name]) for name in names}


def _routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for context in iter_route_contexts(list(app.routes)):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            for method in context.methods or ():
                found[(str(context.path_format), method.lower())] = context
    return found


def _is_page(route: Any) -> bool:
    model = route.response_model
    return isinstance(model, type) and issubclass(model, Page)


def _declared(route: Any) -> set[str]:
    return {str(status) for status in route.responses}


def error_statuses(route: Any, method: str, operation: dict[str, Any]) -> set[str]:
    """Every error status the operation can answer with, by what it takes."""
    body = _request_body_media(route, operation)
    parameters = operation.get("parameters", [])
    # A path parameter names a resource that may not exist, except a credential (a
    # calendar link's token, which is 401 when unknown).
    has_path = any(p.get("in") == "path" and p["name"] != "token" for p in parameters)
    needs = access(route)
    takes_if_match = deps.get_expected_version in set(_calls(route.dependant))
    limited = _rate_limited(route.path_format)
    admitted = not route.path_format.startswith(admission.EXEMPT_PREFIXES)
    statuses = {s for s in _declared(route) if s[0] in "45"}
    if any(m == JSON or m.endswith("+json") for m in body) and _reads_json_itself(route):
        statuses.add("400")
    if needs != "none":
        statuses |= {"401", "403"}
    if has_path or any(p.get("name") in _NAMING_QUERY for p in parameters):
        statuses.add("404")
    if method != "get" and (needs != "none" or _idempotent(route.path_format, method)):
        statuses.add("409")
    if takes_if_match:
        statuses.add("412")
    if body:
        statuses |= {"413", "415"}
    if body or any(p != _ref("parameters", "IfNoneMatch") for p in parameters):
        statuses.add("422")
    if limited:
        statuses.add("429")
    if admitted:
        statuses.add("503")
    return statuses


# Query parameters that name a resource, which may not exist (404).
_NAMING_QUERY = frozenset({"domain", "parent"})


def _reads_json_itself(route: Any) -> bool:
    """Whether FastAPI parses the body as JSON (400 on malformed JSON); a route that reads
    the body itself (the members import) answers for it on its own."""
    field = route.body_field
    return field is not None and not isinstance(field.field_info, params.Form)


def _rate_limited(path: str) -> bool:
    return path not in ratelimit.EXEMPT_PATHS and not path.startswith(ratelimit.EXEMPT_PREFIXES)


def _versioned(spec: dict[str, Any], response: dict[str, Any]) -> bool:
    """Whether a response body is one resource with a version (it carries its ETag)."""
    schema = response.get("content", {}).get(JSON, {}).get("schema", {})
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return "version" in schema.get("properties", {})


def _idempotent(path: str, method: str) -> bool:
    return method == "post" and path not in idempotency.NOT_STORED_PATHS


def _document(
    spec: dict[str, Any], path: str, method: str, route: Any, operation: dict[str, Any]
) -> None:
    needs = access(route)
    operation["security"] = {
        "required": list(_CREDENTIALS),
        "optional": [{}, *_CREDENTIALS],
        "none": [],
    }[needs]
    limited = _rate_limited(route.path_format)
    rate = ("RateLimit", "RateLimit-Policy") if limited else ()

    parameters = [
        p
        for p in operation.get("parameters", [])
        if not (p.get("in") == "header" and p["name"].lower() == "if-match")
    ]
    if deps.get_expected_version in set(_calls(route.dependant)):
        parameters.append(_ref("parameters", "IfMatch"))
    if method == "get":
        parameters.append(_ref("parameters", "IfNoneMatch"))
    if _idempotent(path, method):
        parameters.append(_ref("parameters", "IdempotencyKey"))
    if parameters:
        operation["parameters"] = parameters

    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status, response in responses.items():
        if not status.startswith("2"):
            continue
        headers = response.setdefault("headers", {})
        # The agreed design: every GET 200, and every write that answers with the
        # resource (PUT/PATCH, POST 201); today also any body with a version.
        answers_resource = JSON in response.get("content", {}) and (
            method in {"put", "patch"} or (method == "post" and status == "201")
        )
        if (method == "get" and status == "200") or answers_resource or _versioned(spec, response):
            headers.update(_header_refs("ETag"))
        if method == "get" and status == "200":
            headers.update(_header_refs("Cache-Control", "Vary"))
            if _is_page(route):
                headers.update(_header_refs("Link"))
        if _idempotent(path, method):
            headers.update(_header_refs("Idempotent-Replayed"))
        headers.update(_header_refs(*rate))
        if not headers:
            del response["headers"]
    if method == "get":
        responses["304"] = NOT_MODIFIED

    declared = {s: r for s, r in responses.items() if s[0] in "45"}
    for status in declared:
        del responses[status]
    for status in sorted(error_statuses(route, method, operation)):
        existing = declared.get(status, {})
        text = existing.get("description") or ERRORS[status]
        if text == "Validation Error":
            text = ERRORS[status]
        headers = _error_headers(status, limited)
        if text == ERRORS[status] and limited:
            responses[status] = _ref("responses", _RESPONSE_NAMES[status])  # the usual one
        else:
            responses[status] = _problem_response(text, headers)
    operation["responses"] = dict(sorted(responses.items()))


def _error_headers(status: str, limited: bool) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if status == "401":
        headers.update(_header_refs("WWW-Authenticate"))
    if status in {"409", "429", "503"}:
        headers.update(_header_refs("Retry-After"))
    if limited:
        headers.update(_header_refs("RateLimit", "RateLimit-Policy"))
    return headers


# `#/components/responses/<name>`: each error status as most operations answer it.
_RESPONSE_NAMES = {
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
    components["headers"] = {_HEADER_KEYS[name]: header for name, header in HEADERS.items()}
    components["parameters"] = PARAMETERS
    components["responses"] = {
        name: _problem_response(ERRORS[status], _error_headers(status, limited=True))
        for status, name in _RESPONSE_NAMES.items()
    }
    routes = _routes(app)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            _document(spec, path, method, routes[(path, method)], operation)
    return spec


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
