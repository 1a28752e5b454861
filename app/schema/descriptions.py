"""Every GraphQL type, field, argument and enum value is described, and each meaning is
written once: a type that mirrors a REST model takes the model's docstring and field
descriptions (what OpenAPI shows), enums take the meanings written next to the Python
enum, and what only GraphQL has (connections, pagination arguments, resolvers) is
described where it is defined. A missing description fails at import, naming it."""

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from app.models.common import enum_meanings

T = TypeVar("T", bound=type)
E = TypeVar("E", bound=type[Enum])

# Arguments that mean the same on every field that takes them.
COMMON_ARGUMENTS = {
    "first": "Return at most this many items (1 to 100; default 20).",
    "after": "Return the items after this cursor (the `endCursor` of the previous page).",
    "last": "Return at most this many items (1 to 100), the last ones before `before` (or of "
    "the whole list); not with `first`.",
    "before": "Return the items before this cursor (the `startCursor` of the next page).",
    "slug": "The domain's slug.",
}


# Arguments several fields share, in one place each.
GATHERING_WINDOW = {
    "from_": "Gatherings that end after this time (default: now, or 90 days before `to`).",
    "to": "Gatherings that start before this time (default: 90 days after `from`; at most "
    "three years after it).",
}
VIEW_WINDOW = {
    "since": "Start of the window (default: 180 days before `until`), widened to a whole UTC hour.",
    "until": "End of the window (default: the next full hour: everything up to now), widened "
    "to a whole UTC hour.",
}
MIN_COATTENDANCE = "Shared gatherings that make a co-attendance tie (1 to 1000)."

# Every field described by a REST model's field, as (GraphQL type, field, model): the
# tests check that OpenAPI says the same of it.
BORROWED: list[tuple[str, StrawberryField, type[BaseModel]]] = []


def described(model: type[BaseModel] | None = None) -> Callable[[T], T]:
    """Class decorator, above `@strawberry.type` or `@strawberry.input`. Fills what the
    type does not describe itself: its description from `model`'s docstring, each field's
    from the field of the same name in `model`, arguments from `COMMON_ARGUMENTS`, and an
    argument named `input` from its input type. Raises if a field or argument is still
    undescribed."""

    def apply(cls: T) -> T:
        definition = get_object_definition(cls, strict=True)
        if definition.description is None and model is not None and model.__doc__:
            definition.description = inspect.cleandoc(model.__doc__)
        missing = []
        for field in definition.fields:
            if field.description is None and model is not None:
                source = model.model_fields.get(field.python_name)
                field.description = source.description if source else None
                if field.description is not None:
                    BORROWED.append((definition.name, field, model))
            if field.description is None:
                missing.append(field.python_name)
            for argument in field.arguments:
                if argument.description is None:
                    argument.description = COMMON_ARGUMENTS.get(argument.python_name)
                if argument.description is None and argument.python_name == "input":
                    argument.description = _input_description(argument.type)
                if argument.description is None:
                    missing.append(f"{field.python_name}({argument.python_name})")
        if missing:
            where = f" (nor in {model.__name__})" if model is not None else ""
            raise TypeError(f"{cls.__name__}: describe {', '.join(missing)}{where}")
        return cls

    return apply


def _input_description(type_: Any) -> str | None:
    """An `input` argument means what its input type is."""
    definition = get_object_definition(type_)
    return definition.description if definition is not None and definition.is_input else None


def arguments(
    *models: type[BaseModel], **descriptions: str
) -> Callable[[StrawberryField], StrawberryField]:
    """Field decorator, above `@strawberry.field` or `@strawberry.mutation`: descriptions of
    its arguments by their Python names, and for the others those of the fields of the same
    name in `models` (the REST request bodies the arguments mirror)."""

    def apply(field: StrawberryField) -> StrawberryField:
        found = {argument.python_name: argument for argument in field.arguments}
        unknown = sorted(set(descriptions) - set(found))
        if unknown:
            raise TypeError(f"{field.python_name} has no argument {', '.join(unknown)}")
        for name, argument in found.items():
            text = descriptions.get(name) or _from_models(models, name)
            if text is None:
                continue
            if argument.description is not None:
                raise TypeError(f"{field.python_name}({name}) is described twice")
            argument.description = text
        return field

    return apply


def _from_models(models: tuple[type[BaseModel], ...], name: str) -> str | None:
    for model in models:
        source = model.model_fields.get(name)
        if source is not None and source.description is not None:
            return source.description
    return None


def graphql_enum(cls: E, name: str | None = None) -> E:
    """The GraphQL enum of a Python enum, described by the meanings written next to it
    (see `app.models.common.described_values`)."""
    summary, values = enum_meanings(cls)
    strawberry.enum(cls, name=name or cls.__name__, description=summary)
    definition: Any = cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[value.name]
    return cls
