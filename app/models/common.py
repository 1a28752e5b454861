from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


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
