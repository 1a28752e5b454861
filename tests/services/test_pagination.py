"""Cursor handling: whatever a client sends as a cursor is either one we gave out or a
field error, never an exception that becomes a 500."""

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Invalid
from app.models.domains import Domain
from app.services.pagination import (
    Keyset,
    PageParams,
    SortKey,
    decode_cursor,
    decode_keys,
    encode_cursor,
    encode_keys,
    paginate,
)
from tests.factories import make_domain, make_person


def raw(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def test_a_cursor_round_trips() -> None:
    moment = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    ident = uuid.uuid4()
    decoded = decode_cursor(encode_cursor(moment, ident))
    assert decoded == (moment, ident)
    assert decoded[0].tzinfo == UTC


UUID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "é",
        raw(None),
        raw([]),
        raw([1, 2]),
        raw({"at": "2024-01-01T00:00:00+00:00", "id": UUID}),
        raw(["2024-01-01T00:00:00+00:00", 5]),
        raw([5, UUID]),
        raw(["2024-01-01T00:00:00", UUID]),
        raw(["yesterday", UUID]),
        raw(["2024-01-01T00:00:00+00:00", "nope"]),
        raw(["0001-01-01T00:00:00+14:00", UUID]),
        raw(["9999-12-31T23:59:59-14:00", UUID]),
    ],
)
def test_anything_else_is_a_cursor_field_error(cursor: str) -> None:
    with pytest.raises(Invalid) as caught:
        decode_cursor(cursor)
    assert [e.field for e in caught.value.errors] == ["cursor"]


KEYS = [SortKey(column=None, kind="time"), SortKey(column=None, kind="uuid")]


def test_sort_keys_round_trip() -> None:
    values = [datetime(2025, 1, 1, tzinfo=UTC), uuid.uuid4()]
    assert decode_keys(encode_keys(values), KEYS) == values


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-01T00:00:00+00:00", 5],
        ["2024-01-01T00:00:00+00:00", None],
        ["0001-01-01T00:00:00+14:00", UUID],
        ["2024-01-01T00:00:00+00:00"],
        "not a list",
    ],
)
def test_sort_keys_refuse_what_they_did_not_encode(values: Any) -> None:
    with pytest.raises(Invalid):
        decode_keys(raw(values), KEYS)


def test_a_page_knows_whether_there_is_more() -> None:
    class Row:
        def __init__(self, n: int) -> None:
            self.created_at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=n)
            self.id = uuid.uuid4()

    def values(row: Row) -> list[Any]:
        return [row.created_at, row.id]

    rows = [Row(n) for n in range(4)]
    keyset = Keyset(KEYS)
    forwards = PageParams(limit=3)
    full = keyset.page(rows, forwards, values)
    assert full.items == rows[:3]
    assert full.next_cursor == full.cursors[-1] == encode_cursor(rows[2].created_at, rows[2].id)
    assert not full.has_previous
    last = keyset.page(rows[:3], forwards, values)
    assert last.next_cursor is None and not last.has_next
    assert keyset.page([], forwards, values).next_cursor is None

    # Backwards, the rows come newest first from the database; the page lists them in
    # the list's order, each with the cursor it has going forwards.
    backwards = PageParams(limit=3, backward=True)
    tail = keyset.page(list(reversed(rows)), backwards, values)
    assert tail.items == rows[1:]
    assert tail.cursors == [encode_cursor(r.created_at, r.id) for r in rows[1:]]
    assert tail.has_previous and not tail.has_next
    # Rows beyond the `before` cursor mean a next page, even when this one is empty.
    empty = keyset.page(
        [], PageParams(limit=3, before=full.cursors[0], backward=True), values, beyond=True
    )
    assert empty.items == [] and empty.has_next and empty.next_cursor is None


async def test_only_a_relay_page_looks_beyond_its_cursor(
    session: AsyncSession, count_statements: Any
) -> None:
    """A REST page reads its rows in one statement; a Relay page that starts at a cursor
    takes one more, to learn whether rows lie behind it (hasPreviousPage)."""
    convenor = await make_person(session)
    for i in range(3):
        await make_domain(session, convenor, name=f"Circle {i}")
    columns = {"created_col": col(Domain.created_at), "id_col": col(Domain.id)}
    first = await paginate(session, select(Domain), params=PageParams(limit=1), **columns)
    assert not first.has_previous

    count_statements.reset()
    rest = PageParams(limit=1, cursor=first.next_cursor)
    second = await paginate(session, select(Domain), params=rest, **columns)
    assert count_statements.count == 1
    assert second.has_next and not second.has_previous  # REST does not ask

    count_statements.reset()
    relay = PageParams(limit=1, cursor=first.next_cursor, look_beyond=True)
    second = await paginate(session, select(Domain), params=relay, **columns)
    assert count_statements.count == 2
    assert second.has_next and second.has_previous
