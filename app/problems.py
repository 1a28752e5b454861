"""RFC 9457 problem details: every error the REST API returns looks like this.

`type` is a stable URI reference (`/problems/<slug>`); it resolves to a page on this
service that says what the problem means."""

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app import dberrors
from app.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
    UnsupportedMediaType,
)
from app.http_methods import allowed_methods

log = logging.getLogger("cop_api")

MEDIA_TYPE = "application/problem+json"

STATUS: dict[type[DomainError], int] = {
    UnsupportedMediaType: 415,  # before Invalid, which it specialises
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Conflict: 409,
    Invalid: 422,
    PreconditionFailed: 412,
    RateLimited: 429,
    ServiceUnavailable: 503,
}

# The catalogue of problem types: slug -> what it means. Stable: clients may switch on them.
CATALOGUE: dict[str, str] = {
    "not-found": "The resource does not exist, or you may not see it.",
    "unauthenticated": "Send a bearer token: an access token or an API key.",
    "invalid-credentials": "The email or password is wrong.",
    "invalid-token": "The token is unknown, expired, revoked or malformed.",
    "forbidden": "You may see this resource but not do this to it.",
    "insufficient-scope": "The API key lacks the scope this operation needs.",
    "person-required": "The operation acts on a person; an API key has none.",
    "email-unverified": "Verify your email first (the link we mailed you): until then your "
    "memberships count for nothing, and you cannot join, accept an invitation or start a domain.",
    "email-already-verified": "This email is already verified.",
    "invalid-link": "The link (its token) is unknown, already used or expired; ask for a new one.",
    "current-password-wrong": "Changing the password needs the current one, and it is wrong.",
    "mail-recently-sent": "A link was mailed to this address moments ago; `Retry-After` says "
    "in how many seconds another may be sent.",
    "invitation-required": "The domain admits new members by invitation only.",
    "conflict": "The request conflicts with the current state of the resource.",
    "email-taken": "Another account uses this email.",
    "slug-taken": "Another domain uses this slug.",
    "domain-full": "The domain has reached its maximum number of active members.",
    "domain-archived": "The domain is archived; it can be read but not changed.",
    "last-convenor": "A domain keeps at least one convenor.",
    "already-member": "The person is already an active member.",
    "already-invited": "The person already has an open invitation.",
    "already-requested": "The request to join is already waiting for a convenor.",
    "invalid-transition": "The membership cannot move from its current status to that one.",
    "gathering-cancelled": "The gathering is cancelled.",
    "gathering-past": "The gathering is over; RSVPs are closed.",
    "gathering-not-started": "The gathering has not started yet.",
    "outside-check-in-window": "Check in from 15 minutes before the start until the end.",
    "contribution-archived": "The contribution is archived; it can be read but not edited.",
    "not-a-question": "Only questions accept answers.",
    "not-published": "Only published contributions can be curated.",
    "report-closed": "The report is already resolved or dismissed.",
    "unsupported-media-type": "Send the body in one of the media types the endpoint lists.",
    "malformed-json": "The body is not JSON this service reads: a syntax error, text that is "
    "not UTF-8, or nesting deeper than it accepts.",
    "payload-too-large": "The request body is larger than the endpoint accepts (`max_bytes`).",
    "import-rejected": "An atomic import had invalid rows, so nothing was imported; "
    "`errors` gives each row, field and message.",
    "concurrent-update": "A concurrent request changed the same data; retrying succeeds.",
    "validation-error": "The input is not valid; `errors` lists each field and why.",
    "invalid-data": "The database refused a value (for example a NUL character in text).",
    "precondition-failed": "The resource changed since you read it.",
    "idempotency-key-reused": "This Idempotency-Key was used for a different request.",
    "idempotency-key-in-use": "A request with this Idempotency-Key is still being processed.",
    "method-not-allowed": "This resource does not support that HTTP method.",
    "http-error": "An HTTP-level error.",
    "rate-limited": "This client sent more requests this minute than its limit (the "
    "RateLimit-Policy header); wait the Retry-After seconds.",
    "login-throttled": "Too many failed logins to this account, or from this address; "
    "logins are refused for the Retry-After seconds.",
    "service-unavailable": "A dependency (the database) is unreachable; try again shortly.",
    "internal-error": "Something failed on our side. It was logged.",
}


MAX_INSTANCE_LENGTH = 200


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def instance_of(path: str) -> str | None:
    """The request path as the problem's `instance`, unless it is too long to repeat (a
    path is the client's input: an unknown slug of any length, say)."""
    return path if len(path) <= MAX_INSTANCE_LENGTH else None


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    # No cache keeps an error; this covers those answered outside app/http_cache.py too.
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def domain_error_response(request: Request, exc: DomainError) -> Response:
    status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    extra = dict(exc.extra)
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
        extra["retry_after"] = exc.retry_after  # the header's value, for clients that log bodies
    return problem_response(
        status,
        exc.problem,
        exc.title,
        exc.detail,
        errors=[e.as_dict() for e in exc.errors],
        instance=instance_of(request.url.path),
        headers=headers,
        extra=extra,
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(raw: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "field": _field_name(tuple(e.get("loc", ()))),
            "message": e.get("msg", "invalid"),
            "code": e.get("type", "invalid"),
        }
        for e in raw
    ]


def malformed_json(error: dict[str, Any], instance: str | None) -> Response:
    """400, not 422: the body could not be read at all, so no field can be blamed."""
    reason = str((error.get("ctx") or {}).get("error") or "not JSON")
    position = next((p for p in error.get("loc", ())[1:] if isinstance(p, int) and p >= 0), None)
    where = f" at character {position}" if position is not None else ""
    return problem_response(
        400,
        "malformed-json",
        "Malformed JSON",
        "The body is not valid JSON; see `errors`.",
        errors=[{"field": "body", "message": f"{reason}{where}", "code": "malformed_json"}],
        instance=instance,
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return problem_response(
        500,
        "internal-error",
        "Internal error",
        "Something failed on our side. It was logged.",
        instance=instance_of(request.url.path),
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return domain_error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        raw = list(exc.errors())
        malformed = next((e for e in raw if e.get("type") == "json_invalid"), None)
        if malformed is not None:
            return malformed_json(malformed, instance_of(request.url.path))
        return problem_response(
            422,
            "validation-error",
            "Invalid input",
            "The request is not valid; see `errors`.",
            errors=validation_errors(raw),
            instance=instance_of(request.url.path),
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        slug = {
            404: "not-found",
            405: "method-not-allowed",
            401: "unauthenticated",
            413: "payload-too-large",
        }.get(exc.status_code, "http-error")
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # The route that refused knows only its own methods; the path may have others.
            allow = allowed_methods(request.app.router.routes, request.scope)
            if allow:
                headers = {**(headers or {}), "Allow": ", ".join(allow)}
        return problem_response(
            exc.status_code,
            slug,
            slug.replace("-", " ").capitalize(),
            str(exc.detail),
            instance=instance_of(request.url.path),
            headers=headers,
        )

    async def _database(request: Request, exc: Exception) -> Response:
        error = dberrors.translate(exc)
        if error is None:
            return await _unexpected(request, exc)
        return domain_error_response(request, error)

    for failure in (SQLAlchemyError, ConnectionError):
        app.add_exception_handler(failure, _database)
    app.add_exception_handler(Exception, _unexpected)
