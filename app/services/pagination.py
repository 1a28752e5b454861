"""Keyset pagination with opaque cursors, forwards and backwards.

A cursor encodes the sort key of a row, so a page never repeats or skips rows that
existed when the first page was read, whatever is inserted meanwhile. A page is read
forwards (`limit` rows after `cursor`) or backwards (`limit` rows before `before`, as a
Relay `last`/`before` asks); either way its rows come in the list's order and each row's
cursor is the same, so a client may turn round at any page. Everything that pages (the
plain lists here and the windowed batches of the GraphQL loaders) goes through `Keyset`,
so the rules live in one place."""

import base64
import binascii
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import ColumnElement, func, not_, select, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import select as sql_select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import invalid_field

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class PageParams:
    limit: int = 20
    cursor: str | None = None
    """Rows after this one (Relay's `after`)."""
    updated_since: datetime | None = None
    """For keeping a copy in step: only rows changed at or after this time, oldest change
    first. A row changed again while a client pages moves behind the cursor and is seen
    again, so a sync never misses an update; removals come through the change feed."""
    before: str | None = None
    """Rows before this one (Relay's `before`)."""
    backward: bool = False
    """Take the `limit` rows nearest the end of the range (Relay's `last`) instead of the
    first ones; the page still lists them in the list's order."""
    look_beyond: bool = False
    """Also learn whether rows lie beyond the cursor the page starts from (one more
    statement): what Relay's `hasPreviousPage` (forwards) and `hasNextPage` (backwards)
    say. REST lists, which only link to the next page, do without."""


@dataclass(frozen=True)
class _Stamp:
    created_at: datetime
    id: uuid.UUID


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    next_cursor: str | None
    has_previous: bool = False
    """Rows come before this page (Relay's `hasPreviousPage`)."""
    has_next: bool = False
    """Rows come after this page (Relay's `hasNextPage`); always true with a `next_cursor`."""

    def __post_init__(self) -> None:
        if self.next_cursor is not None:
            self.has_next = True

    def with_items(self, items: list[U]) -> "Page[U]":
        """The same page holding other items (one for each of these, in order)."""
        return Page(
            items=items,
            cursors=self.cursors,
            next_cursor=self.next_cursor,
            has_previous=self.has_previous,
            has_next=self.has_next,
        )


def encode_cursor(created_at: datetime, id_: uuid.UUID) -> str:
    return encode_keys([created_at, id_])


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    moment, ident = decode_keys(cursor, _CREATED_KEYS)
    return moment, ident


def cursor_of(row: Any) -> str:
    return encode_cursor(row.created_at, row.id)


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset ordering and how its cursor value is read back."""

    column: Any
    kind: str  # "time", "int", "float" or "uuid"


_CREATED_KEYS = (SortKey(None, "time"), SortKey(None, "uuid"))


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(kind: str, value: Any) -> Any:
    if kind == "time":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        # In UTC, so that a time the database cannot hold fails here, not in the query.
        return moment.astimezone(UTC)
    if kind == "uuid":
        if not isinstance(value, str):
            raise TypeError("not a uuid")
        return uuid.UUID(value)
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not an integer")
        return value
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError("not a number")
    return float(value)


def encode_keys(values: Sequence[Any]) -> str:
    raw = orjson.dumps([_encode_value(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_keys(cursor: str, keys: Sequence[SortKey], field: str = "cursor") -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong shape")
        return [_decode_value(k.kind, v) for k, v in zip(keys, values, strict=True)]
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise invalid_field(field, "This cursor is not one this API gave out.") from exc


@dataclass(frozen=True)
class Keyset:
    """A keyset ordering (all its columns ascending, or all descending) and how a page of
    it is read: which rows a page may hold, in which order to fetch them, and how the
    fetched rows become a page."""

    keys: Sequence[SortKey]
    descending: bool = False

    @property
    def _row(self) -> Any:
        return tuple_(*[k.column for k in self.keys])

    def _bound(self, cursor: str, field: str) -> Any:
        return tuple_(*decode_keys(cursor, self.keys, field))

    def _after(self, cursor: str, field: str) -> ColumnElement[bool]:
        """Rows strictly after the cursor's row, in the list's order."""
        bound = self._bound(cursor, field)
        after: ColumnElement[bool] = self._row < bound if self.descending else self._row > bound
        return after

    def _before(self, cursor: str, field: str) -> ColumnElement[bool]:
        bound = self._bound(cursor, field)
        before: ColumnElement[bool] = self._row > bound if self.descending else self._row < bound
        return before

    def conditions(self, params: PageParams) -> list[ColumnElement[bool]]:
        """The range the page is taken from: after `cursor` and before `before`."""
        found = []
        if params.cursor is not None:
            found.append(self._after(params.cursor, "cursor"))
        if params.before is not None:
            found.append(self._before(params.before, "before"))
        return found

    def order(self, params: PageParams) -> list[Any]:
        """The order to fetch rows in: the list's, or its reverse for a backward page."""
        reverse = self.descending != params.backward
        return [k.column.desc() if reverse else k.column.asc() for k in self.keys]

    def beyond(self, params: PageParams) -> ColumnElement[bool] | None:
        """Rows on the far side of the cursor a page starts from (at or before `after`
        going forwards, at or after `before` going backwards), or None if it starts at an
        end, or the caller does not ask. They are what `hasPreviousPage` (forwards) or
        `hasNextPage` (backwards) asks about beyond the page itself."""
        if not params.look_beyond:
            return None
        if params.backward:
            return None if params.before is None else not_(self._before(params.before, "before"))
        return None if params.cursor is None else not_(self._after(params.cursor, "cursor"))

    def page(
        self,
        rows: Sequence[Any],
        params: PageParams,
        values_of: Callable[[Any], Sequence[Any]],
        item_of: Callable[[Any], Any] | None = None,
        *,
        beyond: bool = False,
    ) -> Page[Any]:
        """`rows` were fetched in `order(params)` with `limit + 1`: the extra row only
        says there is more. `beyond`: rows exist on the far side of the starting cursor."""
        kept = list(rows[: params.limit])
        more = len(rows) > params.limit
        if params.backward:
            kept.reverse()
        cursors = [encode_keys(values_of(r)) for r in kept]
        items = [item_of(r) for r in kept] if item_of else kept
        has_next, has_previous = (beyond, more) if params.backward else (more, beyond)
        return Page(
            items=items,
            cursors=cursors,
            next_cursor=cursors[-1] if has_next and cursors else None,
            has_previous=has_previous,
            has_next=has_next,
        )


async def keyset_page(
    session: AsyncSession,
    stmt: Any,
    keyset: Keyset,
    params: PageParams,
    values_of: Callable[[Any], Sequence[Any]],
    item_of: Callable[[Any], Any] | None = None,
) -> Page[Any]:
    """One page of `stmt` (a select with its filters): two statements at most, the second
    only to learn whether rows lie beyond the cursor the page starts from."""
    ranged = stmt.where(*keyset.conditions(params)).order_by(*keyset.order(params))
    rows = (await session.exec(ranged.limit(params.limit + 1))).all()
    far = keyset.beyond(params)
    beyond = False
    if far is not None:
        beyond = bool(await session.scalar(select(stmt.where(far).exists())))
    return keyset.page(rows, params, values_of, item_of, beyond=beyond)


async def windowed_pages(
    session: AsyncSession,
    stmt: Any,
    model: Any,
    partition: Any,
    keyset: Keyset,
    params: PageParams,
    partitions: Sequence[Any],
    values_of: Callable[[Any], Sequence[Any]],
) -> dict[Any, Page[Any]]:
    """A page for each of many parents in two statements at most, whatever their number
    (the GraphQL loaders' batches): `stmt` selects `model` with every filter but the
    page's range, and `partition` says which parent a row belongs to."""
    rank = (
        func.row_number().over(partition_by=partition, order_by=keyset.order(params)).label("rank")
    )
    labelled = stmt.add_columns(partition.label("partition"))
    inner = labelled.add_columns(rank).where(*keyset.conditions(params)).subquery()
    ranked = aliased(model, inner)
    found = await session.exec(
        sql_select(ranked, inner.c.partition)
        .where(inner.c.rank <= params.limit + 1)
        .order_by(inner.c.partition, inner.c.rank)
    )
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row, part in found:
        grouped[part].append(row)
    beyond: set[Any] = set()
    far = keyset.beyond(params)
    if far is not None:
        behind = labelled.where(far).subquery()
        beyond = set((await session.exec(sql_select(behind.c.partition).distinct())).all())
    return {
        p: keyset.page(grouped.get(p, []), params, values_of, beyond=p in beyond)
        for p in partitions
    }


async def paginate(
    session: AsyncSession,
    stmt: Any,
    *,
    created_col: Any,
    id_col: Any,
    params: PageParams,
    key: Any = None,
) -> Page[Any]:
    """Oldest first, by `created_col` (any timestamp column) then `id_col`. `key(row)`
    gives an object whose `created_at` and `id` are the row's sort values."""
    keyed = key or (lambda r: r)
    if params.updated_since is not None:
        created_col, keyed = _update_order(id_col)
        stmt = stmt.where(created_col >= params.updated_since)
    keyset = Keyset([SortKey(created_col, "time"), SortKey(id_col, "uuid")])

    def values_of(row: Any) -> list[Any]:
        stamp = keyed(row)
        return [stamp.created_at, stamp.id]

    return await keyset_page(session, stmt, keyset, params, values_of)


def _update_order(id_col: Any) -> tuple[Any, Any]:
    """The column that says when a row last changed (its creation, for rows that never
    change), and how to read it back for the cursor."""
    model = id_col.class_
    changed = getattr(model, "updated_at", None) or model.created_at
    name = changed.key
    return changed, lambda row: _Stamp(getattr(row, name), row.id)


async def paginate_keys(
    session: AsyncSession,
    stmt: Any,
    keys: Sequence[SortKey],
    params: PageParams,
    *,
    descending: bool,
    values_of: Any,
    item_of: Any = None,
) -> Page[Any]:
    """Keyset pagination over any uniform ordering (all ascending or all descending).
    `values_of(row)` gives the row's sort values; `item_of(row)` what the page holds."""
    return await keyset_page(session, stmt, Keyset(keys, descending), params, values_of, item_of)
