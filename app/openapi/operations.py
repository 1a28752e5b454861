"""Each operation's facts, derived from its route: security, request headers, response
headers, and every error status it can answer with."""

from typing import Any

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts

from app import admission, deps, idempotency, ratelimit
from app.models.common import Page
from app.openapi.headers import NOT_MODIFIED, header_refs, ref
from app.openapi.problems import ERRORS, RESPONSE_NAMES, error_headers, problem_response
from app.openapi.security import CREDENTIALS, access, calls

JSON = "application/json"


def _request_body_media(route: Any, operation: dict[str, Any]) -> list[str]:
    return list(operation.get("requestBody", {}).get("content", {}))


def routes(app: FastAPI) -> dict[tuple[str, str], Any]:
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
    takes_if_match = deps.get_expected_version in set(calls(route.dependant))
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
    if body or any(p != ref("parameters", "IfNoneMatch") for p in parameters):
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


def document_operation(
    spec: dict[str, Any], path: str, method: str, route: Any, operation: dict[str, Any]
) -> None:
    needs = access(route)
    operation["security"] = {
        "required": list(CREDENTIALS),
        "optional": [{}, *CREDENTIALS],
        "none": [],
    }[needs]
    limited = _rate_limited(route.path_format)
    rate = ("RateLimit", "RateLimit-Policy") if limited else ()

    parameters = [
        p
        for p in operation.get("parameters", [])
        if not (p.get("in") == "header" and p["name"].lower() == "if-match")
    ]
    if deps.get_expected_version in set(calls(route.dependant)):
        parameters.append(ref("parameters", "IfMatch"))
    if method == "get":
        parameters.append(ref("parameters", "IfNoneMatch"))
    if _idempotent(path, method):
        parameters.append(ref("parameters", "IdempotencyKey"))
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
            headers.update(header_refs("ETag"))
        if method == "get" and status == "200":
            headers.update(header_refs("Cache-Control", "Vary"))
            if _is_page(route):
                headers.update(header_refs("Link"))
        if _idempotent(path, method):
            headers.update(header_refs("Idempotent-Replayed"))
        headers.update(header_refs(*rate))
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
        headers = error_headers(status, limited)
        if text == ERRORS[status] and limited:
            responses[status] = ref("responses", RESPONSE_NAMES[status])  # the usual one
        else:
            responses[status] = problem_response(text, headers)
    operation["responses"] = dict(sorted(responses.items()))
