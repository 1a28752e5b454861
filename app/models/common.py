import inspect
from collections.abc import Callable
from enum import Enum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=Enum)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Opaque cursor for the next page, or null on the last page."
    )


class Input(BaseModel):
    """A request body: a field the model does not know is refused (422 naming it), as
    Stripe does, rather than silently ignored (`parent_id` for `parent_slug` would
    otherwise answer 200 and change nothing)."""

    model_config = ConfigDict(extra="forbid")


def descriptions_from(*sources: type[BaseModel]) -> Callable[[type[M]], type[M]]:
    """Class decorator: the fields this model shares with `sources` (an Update model with
    its Create model, say) take their descriptions where they have none of their own, so
    that each field's meaning is written once."""

    def apply(model: type[M]) -> type[M]:
        changed = False
        for name, field in model.model_fields.items():
            if field.description is not None:
                continue
            for source in sources:
                found = source.model_fields.get(name)
                if found is not None and found.description is not None:
                    field.description = found.description
                    changed = True
                    break
        if changed:
            model.model_rebuild(force=True)
        return model

    return apply


_MEANINGS: dict[type[Enum], tuple[str, dict[str, str]]] = {}


def described_values(**meanings: str) -> Callable[[type[E]], type[E]]:
    """Class decorator for an enum whose docstring says what it is: the meaning of each of
    its values, by member name. GraphQL shows each value's meaning; the docstring (OpenAPI's
    description of the enum) gains a list of them."""

    def apply(cls: type[E]) -> type[E]:
        names = set(cls.__members__)
        missing, unknown = sorted(names - set(meanings)), sorted(set(meanings) - names)
        if missing or unknown or not cls.__doc__:
            raise TypeError(
                f"{cls.__name__}: describe it in a docstring and each value once "
                f"(missing: {missing}, unknown: {unknown})"
            )
        summary = inspect.cleandoc(cls.__doc__)
        _MEANINGS[cls] = (summary, dict(meanings))
        values = "\n".join(f"- `{cls[name].value}`: {text}" for name, text in meanings.items())
        cls.__doc__ = f"{summary}\n\n{values}"
        return cls

    return apply


def enum_meanings(cls: type[Enum]) -> tuple[str, dict[str, str]]:
    """What `described_values` recorded: the enum's summary and its values' meanings."""
    if cls not in _MEANINGS:
        raise TypeError(f"{cls.__name__}: its values are not described (`described_values`)")
    return _MEANINGS[cls]
