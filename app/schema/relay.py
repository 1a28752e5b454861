"""Relay-style connections over the services' keyset pages."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from app.errors import invalid_field
from app.schema.descriptions import described
from app.services.pagination import Page, PageParams

T = TypeVar("T")
MAX_FIRST = 100


@described()
@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page; paging forwards it is false, as "
        "Relay allows."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item, to pass as `after` for the next "
        "page; null for an empty page."
    )


@described()
@strawberry.type(description="An item of a page, with its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="The item's place in the list (opaque).")


@described()
@strawberry.type(
    description="A page of a list, Relay-style: its items with their cursors, and where it "
    "stands in the list."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The page's items, with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page stands in its list.")

    @strawberry.field(description="The nodes, without their edges.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def page_params(first: int | None, after: str | None, default: int = 20) -> PageParams:
    if first is not None and not 1 <= first <= MAX_FIRST:
        raise invalid_field("first", f"first must be between 1 and {MAX_FIRST}")
    return PageParams(limit=first or default, cursor=after)


def connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    edges = [
        Edge(node=convert(item), cursor=c) for item, c in zip(page.items, page.cursors, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=False,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
    )
