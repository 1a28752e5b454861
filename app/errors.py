"""Domain errors raised by services. They know nothing of HTTP or GraphQL.

Each error has a stable `code` (the GraphQL `extensions.code`) and a stable
`problem` slug (the last segment of the RFC 9457 problem `type`)."""

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


class DomainError(Exception):
    code: ClassVar[str] = "INTERNAL"
    problem: str = "error"
    title: str = "Error"

    def __init__(
        self,
        detail: str,
        *,
        problem: str | None = None,
        title: str | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # Seconds after which the same request may succeed (transient failures, limits).
        self.retry_after = retry_after
        if problem is not None:
            self.problem = problem
        if title is not None:
            self.title = title
        self.errors = errors or []
        self.extra = extra or {}


class NotFound(DomainError):
    code = "NOT_FOUND"
    problem = "not-found"
    title = "Not found"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    problem = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "FORBIDDEN"
    problem = "forbidden"
    title = "Forbidden"


class Conflict(DomainError):
    code = "CONFLICT"
    problem = "conflict"
    title = "Conflict"


class Invalid(DomainError):
    code = "BAD_USER_INPUT"
    problem = "validation-error"
    title = "Invalid input"


class UnsupportedMediaType(Invalid):
    problem = "unsupported-media-type"
    title = "Unsupported media type"


class PreconditionFailed(DomainError):
    code = "CONFLICT"
    problem = "precondition-failed"
    title = "Precondition failed"


class ServiceUnavailable(DomainError):
    """Nobody's mistake: the database (or another dependency) cannot serve the request
    now; the same request is worth retrying after `retry_after` seconds."""

    code = "SERVICE_UNAVAILABLE"
    problem = "service-unavailable"
    title = "Service unavailable"


class RateLimited(DomainError):
    """Too many requests (or failed logins) from one client; `retry_after` is in seconds."""

    code = "RATE_LIMITED"
    problem = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, problem: str | None = None) -> None:
        super().__init__(detail, problem=problem, retry_after=max(1, retry_after))


def invalid_field(field: str, message: str, code: str = "invalid") -> Invalid:
    return Invalid(message, errors=[FieldError(field, message, code)])


def shown(value: str, limit: int = 40) -> str:
    """A client's value as an error message may repeat it: at most `limit` characters,
    the unprintable ones replaced, so that an error never echoes a megabyte of input or
    a control character into a client's logs."""
    head = "".join(c if c.isprintable() else "?" for c in value[: limit + 1])
    return head if len(head) <= limit else head[:limit] + "…"
