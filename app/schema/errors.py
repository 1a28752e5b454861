"""Every GraphQL error carries a stable `extensions.code`; unexpected ones are masked."""

import logging
from typing import Any

from graphql import GraphQLError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors
from strawberry.utils.str_converters import to_camel_case

from app.errors import DomainError, FieldError, RateLimited
from app.problems import TRANSIENT_SQLSTATES, database_unavailable, problem_type
from app.services.validation import field_errors

log = logging.getLogger("cop_api")


def _camel(field: str) -> str:
    """Field errors name the GraphQL field (maxActiveMembers), not the model one."""
    return ".".join(to_camel_case(part) for part in field.split("."))


def _field_errors(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{**e.as_dict(), "field": _camel(e.field)} for e in errors]


def _classify(error: GraphQLError) -> tuple[str, str, dict[str, Any]]:
    orig = error.original_error
    if isinstance(orig, StrawberryInputCoercionError) or (
        error.path is None and error.message.startswith("Variable '$")
    ):
        # A variable that its scalar refuses (a malformed UUID or DateTime): the client's
        # mistake, found before execution; the message names the variable and the reason.
        return "BAD_USER_INPUT", error.message, {}
    if isinstance(orig, DomainError):
        extra: dict[str, Any] = {"problemType": problem_type(orig.problem)}
        if orig.errors:
            extra["fieldErrors"] = _field_errors(orig.errors)
        if isinstance(orig, RateLimited):
            extra["retryAfter"] = orig.retry_after
        return orig.code, orig.detail, extra
    if isinstance(orig, ValidationError):
        return (
            "BAD_USER_INPUT",
            "The input is not valid; see fieldErrors.",
            {"fieldErrors": _field_errors(field_errors(orig))},
        )
    if isinstance(orig, IntegrityError):
        return "CONFLICT", "The change conflicts with existing data.", {}
    if isinstance(orig, StaleDataError):
        return (
            "CONFLICT",
            "Another request changed the same data at the same moment; read it again and retry.",
            {"problemType": problem_type("concurrent-update")},
        )
    if isinstance(orig, DBAPIError) and str(getattr(orig.orig, "sqlstate", "")) in (
        TRANSIENT_SQLSTATES
    ):
        return (
            "CONFLICT",
            "A concurrent request changed the same data; retry.",
            {"problemType": problem_type("concurrent-update")},
        )
    if isinstance(orig, DBAPIError) and str(getattr(orig.orig, "sqlstate", "")).startswith("22"):
        return "BAD_USER_INPUT", "A value could not be stored.", {}
    if isinstance(orig, DBAPIError) and database_unavailable(orig):
        log.warning("database unavailable during a GraphQL request: %s", orig)
        return "SERVICE_UNAVAILABLE", "The database is unavailable; try again shortly.", {}
    if orig is None:
        message = error.message
        if message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", message, {}
        return "GRAPHQL_VALIDATION_FAILED", message, {}
    log.error("unexpected GraphQL error", exc_info=orig)
    return "INTERNAL_SERVER_ERROR", "Unexpected error.", {}


class ErrorCodes(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _: True)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        code, message, extra = _classify(error)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={**(error.extensions or {}), **extra, "code": code},
        )
