"""GraphQL types for the network, community and comparison views, generated from the
same pydantic models REST returns, so the two cannot drift apart."""

import enum
import inspect
from typing import Any

from pydantic import BaseModel
from strawberry.experimental.pydantic import type as pydantic_type

from app.models import views as models
from app.schema.descriptions import described, graphql_enum

# The enums the package's modules define, as it re-exports them. HistoryInterval is
# registered in `enums` already: an argument of `Domain` needs it first.
for _name, _enum in inspect.getmembers(models, inspect.isclass):
    if (
        issubclass(_enum, enum.Enum)
        and _enum.__module__.startswith(f"{models.__name__}.")
        and not hasattr(_enum, "__strawberry_definition__")
    ):
        graphql_enum(_enum, name=_name)


def _convert(model: type[BaseModel], done: dict[type[BaseModel], Any]) -> Any:
    """A Strawberry type for `model`, converting the models it refers to first."""
    if model in done:
        return done[model]
    for field in model.model_fields.values():
        for inner in _nested(field.annotation):
            _convert(inner, done)
    shell = type(model.__name__, (), {})
    converted = pydantic_type(
        model=model, all_fields=True, name=model.__name__, description=_doc(model)
    )(shell)
    done[model] = described(model)(converted)
    return done[model]


def _doc(model: type[BaseModel]) -> str | None:
    return inspect.cleandoc(model.__doc__) if model.__doc__ else None


def _nested(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _nested(arg)]


_TYPES: dict[type[BaseModel], Any] = {}
NetworkViewType = _convert(models.NetworkView, _TYPES)
CommunityViewType = _convert(models.CommunityView, _TYPES)
ComparisonViewType = _convert(models.ComparisonView, _TYPES)
ComparisonHistoryType = _convert(models.ComparisonHistory, _TYPES)

# Names the lazy references in other modules resolve to.
NetworkView = NetworkViewType
CommunityView = CommunityViewType
ComparisonView = ComparisonViewType
ComparisonHistory = ComparisonHistoryType
