"""One reading of a time window: an agenda's looks forward, a view's backward, and each
keeps the field names and wording its operations document."""

from datetime import UTC, datetime, timedelta

import pytest

from app.errors import FieldError, Invalid
from app.services.gatherings.listing import GATHERING_WINDOW
from app.services.views.params import view_window
from app.services.windows import parse_window

DAY = timedelta(days=1)
JAN = datetime(2025, 1, 1, tzinfo=UTC)


def refusal(start: datetime | None, end: datetime | None) -> tuple[str, FieldError]:
    with pytest.raises(Invalid) as caught:
        parse_window(start, end, GATHERING_WINDOW)
    [error] = caught.value.errors
    return caught.value.detail, error


def view_refusal(since: datetime | None, until: datetime | None) -> tuple[str, FieldError]:
    with pytest.raises(Invalid) as caught:
        view_window(since, until, default=180 * DAY)
    [error] = caught.value.errors
    return caught.value.detail, error


def test_an_agenda_looks_forward_ninety_days() -> None:
    assert parse_window(JAN, None, GATHERING_WINDOW) == (JAN, JAN + 90 * DAY)
    assert parse_window(None, JAN, GATHERING_WINDOW) == (JAN - 90 * DAY, JAN)
    lo, hi = parse_window(None, None, GATHERING_WINDOW)
    assert abs(lo - datetime.now(UTC)) < timedelta(minutes=1) and hi - lo == 90 * DAY
    naive = datetime(2025, 1, 1, 12)
    assert parse_window(naive, None, GATHERING_WINDOW)[0] == naive.replace(tzinfo=UTC)


def test_an_agenda_refuses_in_its_own_words() -> None:
    assert refusal(JAN, JAN) == (
        "`to` must be after `from`.",
        FieldError("to", "`to` must be after `from`.", "window_order"),
    )
    assert refusal(JAN, JAN + 3 * 366 * DAY + timedelta(seconds=1)) == (
        "A window spans at most three years.",
        FieldError("to", "A window spans at most three years.", "window_too_long"),
    )
    assert parse_window(JAN, JAN + 3 * 366 * DAY, GATHERING_WINDOW)[1] == JAN + 3 * 366 * DAY
    assert refusal(None, datetime(1, 1, 2, tzinfo=UTC)) == (
        "The window falls outside the calendar.",
        FieldError("from", "The window falls outside the calendar.", "window"),
    )


def test_a_view_looks_back_and_keeps_whole_hours() -> None:
    until = datetime(2025, 1, 1, 10, 30, tzinfo=UTC)
    assert view_window(None, until, default=DAY) == (
        datetime(2024, 12, 31, 10, tzinfo=UTC),
        datetime(2025, 1, 1, 11, tzinfo=UTC),
    )
    lo, hi = view_window(None, None, default=DAY)
    assert hi > datetime.now(UTC) >= hi - timedelta(hours=1) and hi - lo == DAY


def test_a_view_refuses_in_its_own_words() -> None:
    assert view_refusal(JAN, JAN) == (
        "`since` must be before `until`.",
        FieldError("since", "must be before `until`", "window_order"),
    )
    assert view_refusal(JAN - 3654 * DAY, JAN) == (
        "A window spans at most 10 years.",
        FieldError("since", "the window spans more than 10 years", "window_too_long"),
    )
    outside = (
        "The window falls outside the calendar.",
        FieldError("since", "outside the calendar", "window"),
    )
    assert view_refusal(None, datetime(1, 1, 2, tzinfo=UTC)) == outside
    # Within the calendar, but the window before it is not.
    assert view_refusal(datetime(1, 2, 1, tzinfo=UTC), datetime(1, 3, 1, tzinfo=UTC)) == outside
