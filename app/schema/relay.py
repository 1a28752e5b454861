"""Relay-style connections over the services' keyset pages."""

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from app.errors import invalid_field
from app.services.pagination import Page, PageParams

T = TypeVar("T")
MAX_FIRST = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The nodes, without their edges.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page backwards: the last `last` items (1 to {MAX_FIRST}) before "
        "`before`, or at the end; not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Only items before this cursor (a `startCursor`)."),
]


def page_params(
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    default: int = 20,
) -> PageParams:
    """Relay's cursor arguments as a service page: `first` reads forwards from `after`,
    `last` backwards from `before`; both cursors may bound the range."""
    if first is not None and last is not None:
        raise invalid_field(
            "last", "Pass `first` or `last`, not both: a page reads one way.", "first_and_last"
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 1 <= value <= MAX_FIRST:
            raise invalid_field(name, f"{name} must be between 1 and {MAX_FIRST}")
    return PageParams(
        limit=first or last or default, cursor=after, before=before, backward=last is not None
    )


def connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    edges = [
        Edge(node=convert(item), cursor=c) for item, c in zip(page.items, page.cursors, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )
