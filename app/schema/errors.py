"""Every GraphQL error carries a stable `extensions.code`; unexpected ones are masked."""

import logging
import re
from typing import Any

from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors
from strawberry.utils.str_converters import to_camel_case

from app import dberrors
from app.errors import DomainError, FieldError
from app.problems import problem_type
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
    if orig is not None and not isinstance(orig, DomainError):
        orig = dberrors.translate(orig) or orig
    if isinstance(orig, DomainError):
        extra: dict[str, Any] = {"problemType": problem_type(orig.problem)}
        if orig.errors:
            extra["fieldErrors"] = _field_errors(orig.errors)
        if orig.retry_after is not None:
            extra["retryAfter"] = orig.retry_after
        extra.update({_camel(key): value for key, value in orig.extra.items()})
        return orig.code, orig.detail, extra
    if isinstance(orig, ValidationError):
        return (
            "BAD_USER_INPUT",
            "The input is not valid; see fieldErrors.",
            {"fieldErrors": _field_errors(field_errors(orig))},
        )
    if orig is None:
        message = error.message
        if message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", message, {}
        return "GRAPHQL_VALIDATION_FAILED", message, {}
    log.error("unexpected GraphQL error", exc_info=orig)
    return "INTERNAL_SERVER_ERROR", "Unexpected error.", {}


# graphql-core's hints ("Did you mean 'email'?") name fields a client has not been told of.
_SUGGESTION = re.compile(r"\s*Did you mean .*\?$", re.DOTALL)


class ErrorCodes(MaskErrors):
    def __init__(self, suggestions: bool = True) -> None:
        super().__init__(should_mask_error=lambda _: True)
        self.suggestions = suggestions

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        code, message, extra = _classify(error)
        if not self.suggestions:
            message = _SUGGESTION.sub("", message)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={**(error.extensions or {}), **extra, "code": code},
        )
