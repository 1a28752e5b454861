"""Relay: global object identification (the `Node` interface, global ids) and
connections over the services' keyset pages."""

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay

from app.errors import Invalid, invalid_field, shown
from app.schema.descriptions import described
from app.services.pagination import Page, PageParams

T = TypeVar("T")
MAX_FIRST = 100


@strawberry.type
class UuidNode(relay.Node):
    """What every object with an identity shares: `id`, its global id (Strawberry's
    `GlobalID`: base64 of `Type:uuid`), and `uuid`, the id that mutation arguments and
    the REST API take. Never in the schema itself; its subclasses are."""

    id: relay.NodeID[uuid.UUID]

    @strawberry.field(
        name="uuid",
        description="This object's UUID: what arguments naming an object take (its global "
        "`id` works there too), and what the REST API calls its `id`.",
    )
    def uuid_(self) -> uuid.UUID:
        return self.id


def global_id(type_name: str, ident: uuid.UUID) -> str:
    """The global id of the object of this GraphQL type with this UUID."""
    return str(relay.GlobalID(type_name=type_name, node_id=str(ident)))


def parse_global_id(value: str, field: str = "id") -> tuple[str, uuid.UUID]:
    """The type name and UUID in a global id, if it is exactly one this API gives out
    (canonical base64, a type name, a lower-case UUID); else a field error, never an
    exception a client could turn into a 500. Whether the type is one with ids is the
    caller's question."""
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
        type_name, colon, ident = raw.partition(":")
        parsed = uuid.UUID(ident) if colon and type_name.isidentifier() else None
        if parsed is None or global_id(type_name, parsed) != value:
            raise ValueError("not canonical")
    except (ValueError, binascii.Error) as exc:
        raise not_an_id(value, field) from exc
    return type_name, parsed


def not_an_id(value: str, field: str = "id") -> Invalid:
    return invalid_field(
        field, f"'{shown(value)}' is not an id this API gave out.", "invalid_global_id"
    )


@described()
@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page: paging backwards, beyond its `last` "
        "items; paging forwards, at or before `after`."
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
        limit=first or last or default,
        cursor=after,
        before=before,
        backward=last is not None,
        look_beyond=True,
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
