"""GraphQL object types and inputs generated from the pydantic models the REST API answers
and reads, so that each field is declared once: its name, type, nullability, order and
description come from the model. A GraphQL class body holds only what GraphQL adds:
relations and computed fields (resolvers), a field it types or describes differently (an
override, declared where the model has it), and `strawberry.auto` for a field a resolver
reads (so that type checkers know it; the type still comes from the model)."""

import functools
import inspect
import operator
import types
import typing
from collections.abc import Callable
from typing import Any, Self, TypeVar

import strawberry
from pydantic import AnyUrl, BaseModel, EmailStr
from strawberry import relay
from strawberry.types.auto import StrawberryAuto
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from app.schema import enums as _enums  # noqa: F401  (registers the enums the models use)
from app.schema.descriptions import described

T = TypeVar("T", bound=type)

# Each public model's GraphQL type, for the models that nest it.
_TYPES: dict[type[BaseModel], type["FromModel"]] = {}


def graphql_hint(annotation: Any) -> Any:
    """The annotation Strawberry reads for a model field's annotation: validation metadata
    dropped, URLs and email addresses as strings, nested models as their generated types."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return graphql_hint(typing.get_args(annotation)[0])
    if origin in (types.UnionType, typing.Union):
        return functools.reduce(
            operator.or_, (graphql_hint(a) for a in typing.get_args(annotation))
        )
    if origin is list:
        return list[graphql_hint(typing.get_args(annotation)[0])]  # type: ignore[misc]
    if annotation is EmailStr or (isinstance(annotation, type) and issubclass(annotation, AnyUrl)):
        return str
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in _TYPES:
            raise TypeError(f"generate the GraphQL type of {annotation.__name__} first")
        return _TYPES[annotation]
    return annotation


def _own(cls: type) -> dict[str, Any]:
    return dict(inspect.get_annotations(cls))


def _resolved(cls: type) -> set[str]:
    """The fields the class resolves itself: a model field of that name is left to the
    resolver (its type, and its place among the fields)."""
    return {
        name
        for name, value in vars(cls).items()
        if isinstance(value, StrawberryField) and value.base_resolver is not None
    }


def _is_auto(hint: Any) -> bool:
    if isinstance(hint, str):
        return hint in ("auto", "strawberry.auto")
    return any(isinstance(m, StrawberryAuto) for m in getattr(hint, "__metadata__", ()))


class FromModel:
    """What generated object types share: `from_model`, from a table row or a public model."""

    __model__: type[BaseModel]
    __model_fields__: tuple[str, ...]

    @classmethod
    def from_model(cls, obj: Any) -> Self:
        public = (
            obj
            if isinstance(obj, cls.__model__)
            else cls.__model__.model_validate(obj, from_attributes=True)
        )
        return cls(**{name: _value(getattr(public, name)) for name in cls.__model_fields__})


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, BaseModel) and type(value) in _TYPES:
        return _TYPES[type(value)].from_model(value)
    if isinstance(value, AnyUrl):
        return str(value)
    return value


def object_type(
    model: type[BaseModel], *, name: str, description: str | None = None
) -> Callable[[T], T]:
    """Class decorator in place of `@strawberry.type` for a type that shows `model`. The
    class should subclass `FromModel` (and `UuidNode` if it has an id)."""

    def apply(cls: T) -> T:
        own = _own(cls)
        resolved = _resolved(cls)
        annotations: dict[str, Any] = {}
        for field_name, field in model.model_fields.items():
            if field_name == "id" and issubclass(cls, relay.Node):
                continue  # the node's own `id`, a global id
            if field_name in resolved:
                continue
            hint = own.pop(field_name, None)
            annotations[field_name] = (
                graphql_hint(field.annotation) if hint is None or _is_auto(hint) else hint
            )
        cls.__annotations__ = annotations | own
        cls.__model__ = model  # type: ignore[attr-defined]
        cls.__model_fields__ = tuple(  # type: ignore[attr-defined]
            name for name in model.model_fields if name not in resolved
        )
        result = strawberry.type(cls, name=name, description=description)
        _TYPES[model] = typing.cast(type[FromModel], result)
        return described(model)(result)

    return apply


def input_type(
    model: type[BaseModel], *, name: str, description: str | None = None, defaults: bool = False
) -> Callable[[T], T]:
    """Class decorator in place of `@strawberry.input` for an input that mirrors `model`:
    the fields the model requires are required; the others may be left out (UNSET), so
    that `create_data` and `input_data` pass on only what the client sent and the model
    applies its own defaults. With `defaults`, the others show the model's defaults
    instead (for a filter, where a condition left out and its default mean the same)."""

    def apply(cls: T) -> T:
        own = _own(cls)
        annotations: dict[str, Any] = {}
        for field_name, field in model.model_fields.items():
            hint = own.pop(field_name, None)
            if hint is not None and not _is_auto(hint):
                annotations[field_name] = hint
                continue
            annotations[field_name] = graphql_hint(field.annotation)
            if defaults and not field.is_required():
                setattr(cls, field_name, field.get_default(call_default_factory=True))
            elif not field.is_required():
                annotations[field_name] = annotations[field_name] | None
                setattr(cls, field_name, UNSET)
        cls.__annotations__ = annotations | own
        return described(model)(strawberry.input(cls, name=name, description=description))

    return apply
