"""Validate plain data against the same pydantic models REST uses, raising Invalid.
GraphQL inputs go through here so that a rule is written once."""

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import FieldError, Invalid

M = TypeVar("M", bound=BaseModel)


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [
        FieldError(".".join(str(p) for p in e["loc"]) or "input", e["msg"], e["type"])
        for e in exc.errors()
    ]


def parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("The input is not valid; see fieldErrors.", errors=field_errors(exc)) from exc


def refuse_nulls(changes: dict[str, Any], fields: Iterable[str] | None = None) -> None:
    """An update may leave a field out, but may not set a required one to null. `fields`
    names the required ones (default: every field sent)."""
    names = changes.keys() if fields is None else [f for f in fields if f in changes]
    nulled = sorted(f for f in names if changes[f] is None)
    if nulled:
        raise Invalid(
            "These fields cannot be null.",
            errors=[FieldError(f, "may not be null", "null") for f in nulled],
        )


def bounded(value: str | None, field: str, limit: int) -> str | None:
    """A free-text argument (a search term, a filter) no longer than REST allows, for
    GraphQL callers too."""
    if value is not None and len(value) > limit:
        raise Invalid(
            f"'{field}' is longer than {limit} characters.",
            errors=[FieldError(field, f"at most {limit} characters", "string_too_long")],
        )
    return value
