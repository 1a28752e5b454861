"""Recurrence rules (RFC 5545 RRULE), expanded in the gathering's own time zone so that
a wall-clock time stays put across daylight-saving changes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from app.errors import invalid_field

MAX_OCCURRENCES = 500
_ALLOWED_FREQ = {DAILY, WEEKLY, MONTHLY, YEARLY}


def local_start(start: datetime, tz: str) -> datetime:
    """A naive `start` is wall-clock time in `tz`; an aware one is converted to `tz`."""
    zone = ZoneInfo(tz)
    return start.replace(tzinfo=zone) if start.tzinfo is None else start.astimezone(zone)


def _parse(rule: str, dtstart: datetime) -> rrule:
    text = rule.removeprefix("RRULE:")
    if "\n" in text or "DTSTART" in text.upper():
        raise invalid_field("rrule", "Give one RRULE value, without DTSTART.")
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise invalid_field("rrule", f"Not a valid RRULE: {exc}", "rrule_syntax") from exc
    if not isinstance(parsed, rrule):
        raise invalid_field("rrule", "Give one RRULE value.", "rrule_syntax")
    return parsed


def expand(rule: str | None, dtstart_local: datetime) -> list[datetime]:
    """Occurrence starts (aware, in the local zone). One element for a one-off."""
    if rule is None:
        return [dtstart_local]
    parsed = _parse(rule, dtstart_local)
    if parsed._freq not in _ALLOWED_FREQ:
        raise invalid_field("rrule", "Gatherings repeat daily at most often.", "rrule_frequency")
    if parsed._count is None and parsed._until is None:
        raise invalid_field(
            "rrule", "Give COUNT or UNTIL, so the series has an end.", "rrule_unbounded"
        )
    starts: list[datetime] = []
    for occurrence in parsed:
        starts.append(occurrence)
        if len(starts) > MAX_OCCURRENCES:
            raise invalid_field(
                "rrule", f"A series holds at most {MAX_OCCURRENCES} occurrences.", "rrule_too_long"
            )
    if not starts:
        raise invalid_field("rrule", "This rule yields no occurrence.", "rrule_empty")
    return starts


def _parts(rule: str) -> list[tuple[str, str]]:
    out = []
    for part in rule.removeprefix("RRULE:").split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            out.append((key.upper(), value))
    return out


def _join(parts: list[tuple[str, str]]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts)


def truncate_before(rule: str, boundary: datetime) -> str:
    """The same rule ending just before `boundary`: the first half of a split series."""
    until = (boundary - timedelta(seconds=1)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = [(k, v) for k, v in _parts(rule) if k not in ("COUNT", "UNTIL")]
    return _join([*kept, ("UNTIL", until)])


def continue_with(rule: str, remaining: int) -> str:
    """The rule for the second half of a split: a COUNT becomes what is left of it."""
    parts = _parts(rule)
    if any(k == "COUNT" for k, _ in parts):
        parts = [(k, str(remaining) if k == "COUNT" else v) for k, v in parts]
    return _join(parts)
