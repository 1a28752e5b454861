"""Relay-style connections over the services' keyset pages."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

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
