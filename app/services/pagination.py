"""Keyset pagination with opaque cursors.

A cursor encodes the sort key of the last row seen, so a page never repeats or skips
rows that existed when the first page was read, whatever is inserted meanwhile."""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, uuid.UUID(ident)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
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
    condition = after_cursor(created_col, id_col, params.cursor)
    if condition is not None:
        stmt = stmt.where(condition)
    stmt = stmt.order_by(created_col, id_col).limit(params.limit + 1)
    rows = (await session.exec(stmt)).all()
    return build_page(rows, params.limit, key)
