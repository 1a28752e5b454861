"""Keyset pagination with opaque cursors.

A cursor encodes the sort key of the last row seen, so a page never repeats or skips
rows that existed when the first page was read, whatever is inserted meanwhile."""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import ColumnElement, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import invalid_field

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int = 20
    cursor: str | None = None
    updated_since: datetime | None = None
    """For keeping a copy in step: only rows changed at or after this time, oldest change
    first. A row changed again while a client pages moves behind the cursor and is seen
    again, so a sync never misses an update; removals come through the change feed."""


@dataclass(frozen=True)
class _Stamp:
    created_at: datetime
    id: uuid.UUID


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def encode_cursor(created_at: datetime, id_: uuid.UUID) -> str:
    raw = orjson.dumps([created_at.isoformat(), str(id_)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, ident = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not (isinstance(stamp, str) and isinstance(ident, str)):
            raise TypeError("a cursor holds two strings")
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        # In UTC, so that a time the database cannot hold fails here, not in the query.
        return moment.astimezone(UTC), uuid.UUID(ident)
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise invalid_field("cursor", "This cursor is not one this API gave out.") from exc


def after_cursor(created_col: Any, id_col: Any, cursor: str | None) -> ColumnElement[bool] | None:
    if cursor is None:
        return None
    moment, ident = decode_cursor(cursor)
    return tuple_(created_col, id_col) > tuple_(moment, ident)


def cursor_of(row: Any) -> str:
    return encode_cursor(row.created_at, row.id)


def build_page(rows: Sequence[T], limit: int, key: Any = None) -> Page[T]:
    """`rows` was fetched with `limit + 1`; the extra row only says there is more."""
    keyed = key or (lambda r: r)
    items = list(rows[:limit])
    cursors = [cursor_of(keyed(r)) for r in items]
    more = len(rows) > limit
    return Page(items=items, cursors=cursors, next_cursor=cursors[-1] if more and items else None)


async def paginate(
    session: AsyncSession,
    stmt: Any,
    *,
    created_col: Any,
    id_col: Any,
    params: PageParams,
    key: Any = None,
) -> Page[Any]:
    if params.updated_since is not None:
        created_col, key = _update_order(id_col)
        stmt = stmt.where(created_col >= params.updated_since)
    condition = after_cursor(created_col, id_col, params.cursor)
    if condition is not None:
        stmt = stmt.where(condition)
    stmt = stmt.order_by(created_col, id_col).limit(params.limit + 1)
    rows = (await session.exec(stmt)).all()
    return build_page(rows, params.limit, key)


def _update_order(id_col: Any) -> tuple[Any, Any]:
    """The column that says when a row last changed (its creation, for rows that never
    change), and how to read it back for the cursor."""
    model = id_col.class_
    changed = getattr(model, "updated_at", None) or model.created_at
    name = changed.key
    return changed, lambda row: _Stamp(getattr(row, name), row.id)


@dataclass(frozen=True)
class SortKey:
    """One column of a keyset ordering and how its cursor value is read back."""

    column: Any
    kind: str  # "time", "int", "float" or "uuid"


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


def decode_keys(cursor: str, keys: Sequence[SortKey]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("wrong shape")
        return [_decode_value(k.kind, v) for k, v in zip(keys, values, strict=True)]
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise invalid_field("cursor", "This cursor is not one this API gave out.") from exc


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
    columns = [k.column for k in keys]
    if params.cursor is not None:
        after = decode_keys(params.cursor, keys)
        row_key, bound = tuple_(*columns), tuple_(*after)
        stmt = stmt.where(row_key < bound if descending else row_key > bound)
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = (await session.exec(stmt.order_by(*order).limit(params.limit + 1))).all()
    kept = list(rows[: params.limit])
    cursors = [encode_keys(values_of(r)) for r in kept]
    more = len(rows) > params.limit
    items = [item_of(r) for r in kept] if item_of else kept
    return Page(items=items, cursors=cursors, next_cursor=cursors[-1] if more and kept else None)
