"""Time windows a client asks for, read one way for every list and view that takes one.

A window's kind says which way it looks from now (an agenda forward, a history backward),
how long it is when the client gives no bound, how long it may be, and how its refusals
are worded (the field names and texts its operations document). The reading itself is
`parse_window`: times without an offset are UTC, a missing bound is filled in, and a
window that ends before it starts, runs too long or leaves the calendar is refused."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.errors import FieldError, Invalid
from app.models.base import utcnow


@dataclass(frozen=True)
class Refusal:
    """How a kind of window words one refusal: the field blamed, the problem's detail,
    and the field's own message (the detail again when not given)."""

    field: str
    detail: str
    reason: str | None = None

    def error(self, code: str) -> Invalid:
        return Invalid(
            self.detail, errors=[FieldError(self.field, self.reason or self.detail, code)]
        )


@dataclass(frozen=True)
class WindowKind:
    """`forward`: a missing start is now (or `span` before the end), a missing end `span`
    after the start. Backward: a missing end is now, a missing start `span` before the end.
    `clock` tells what now is."""

    forward: bool
    span: timedelta
    longest: timedelta
    outside: Refusal
    order: Refusal
    too_long: Refusal
    clock: Callable[[], datetime] = utcnow

    def outside_calendar(self) -> Invalid:
        return self.outside.error("window")


def aware(moment: datetime | None) -> datetime | None:
    """A time without an offset is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def parse_window(
    start: datetime | None,
    end: datetime | None,
    kind: WindowKind,
    *,
    span: timedelta | None = None,
) -> tuple[datetime, datetime]:
    """The window from `start` to `end` as `kind` reads it; `span` replaces the kind's
    default length."""
    lo, hi = aware(start), aware(end)
    length = span or kind.span
    try:
        if kind.forward:
            lo = lo or (hi - length if hi is not None else kind.clock())
            hi = hi or lo + length
        else:
            hi = hi or kind.clock()
            lo = lo or hi - length
    except OverflowError as exc:
        raise kind.outside_calendar() from exc
    if lo >= hi:
        raise kind.order.error("window_order")
    if hi - lo > kind.longest:
        raise kind.too_long.error("window_too_long")
    return lo, hi
