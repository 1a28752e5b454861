"""Recurrence rules (RFC 5545 RRULE), expanded in the gathering's own time zone so that
a wall-clock time stays put across daylight-saving changes."""

import re
from collections.abc import Iterator
from datetime import MAXYEAR, MINYEAR, UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

from app.errors import invalid_field, shown

MAX_OCCURRENCES = 500
HORIZON_YEARS = 100
_ALLOWED_FREQ = {DAILY, WEEKLY, MONTHLY, YEARLY}
_FREQ_NAMES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# The time of day comes from the gathering's start; the parts that set it (BYHOUR...) and
# the rarely meaningful ones for meetings (BYYEARDAY, BYWEEKNO) are not accepted.
SUPPORTED_PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH",
                   "BYSETPOS", "WKST")  # fmt: skip
_BY_PARTS = ("BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS")
_UNTIL_RE = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
_WEEKDAY_RE = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def local_start(start: datetime, tz: str) -> datetime:
    """A naive `start` is wall-clock time in `tz`; an aware one is converted to `tz`."""
    zone = ZoneInfo(tz)
    return start.replace(tzinfo=zone) if start.tzinfo is None else start.astimezone(zone)


def _syntax(message: str) -> Exception:
    return invalid_field("rrule", message, "rrule_syntax")


def _parts(rule: str) -> list[tuple[str, str]]:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    out: list[tuple[str, str]] = []
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise _syntax(f"Not a valid RRULE: '{shown(part)}' is not NAME=VALUE.")
        out.append((key.strip().upper(), value.strip().upper()))
    return out


def _join(parts: list[tuple[str, str]]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts)


def _utc_text(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}{utc:%m%dT%H%M%S}Z"  # %Y leaves years before 1000 unpadded


def _until(value: str, zone: tzinfo) -> str:
    """UNTIL in UTC, as RFC 5545 wants with a zoned DTSTART. A date means the end of that
    day and a time without `Z` a wall-clock time, both in the gathering's zone."""
    match = _UNTIL_RE.match(value)
    if match is None:
        raise _syntax("UNTIL is a date (20271231) or a UTC date-time (20271231T170000Z).")
    day, clock, utc = match.groups()
    try:
        date = datetime.strptime(day, "%Y%m%d").date()
        moment = time(23, 59, 59) if clock is None else datetime.strptime(clock, "%H%M%S").time()
    except ValueError as exc:
        raise _syntax(f"UNTIL is not a real date or time: {value}.") from exc
    combined = datetime.combine(date, moment)
    try:
        return _utc_text(combined.replace(tzinfo=UTC if utc else zone))
    except OverflowError as exc:  # in UTC it falls before the year 1 or after 9999
        if date.year > MINYEAR:
            raise invalid_field(
                "rrule", f"A series ends within {HORIZON_YEARS} years.", "rrule_too_long"
            ) from exc
        raise invalid_field("rrule", "This rule yields no occurrence.", "rrule_empty") from exc


def _positive(key: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise _syntax(f"{key} is a whole number of at least 1.")
    return int(value)


def _numbers(key: str, value: str, low: int, high: int, *, signed: bool) -> None:
    for item in value.split(","):
        text = item.removeprefix("+").removeprefix("-") if signed else item
        if not text.isdigit() or not low <= int(text) <= high:
            sign = "±" if signed else ""
            raise _syntax(
                f"{key} takes numbers from {sign}{low} to {sign}{high}, not '{shown(item)}'."
            )


def _check_by_parts(freq: str, values: dict[str, str]) -> None:
    """Ranges dateutil lets through but that could never match (BYMONTHDAY=40)."""
    if "BYMONTHDAY" in values:
        if freq == "WEEKLY":
            raise _syntax("BYMONTHDAY does not go with FREQ=WEEKLY.")
        _numbers("BYMONTHDAY", values["BYMONTHDAY"], 1, 31, signed=True)
    if "BYMONTH" in values:
        _numbers("BYMONTH", values["BYMONTH"], 1, 12, signed=False)
    for day in values.get("BYDAY", "").split(",") if "BYDAY" in values else []:
        match = _WEEKDAY_RE.match(day)
        if match is None or (match.group(1) and not match.group(2)):
            raise _syntax(f"BYDAY takes weekdays such as TH or 1TU, not '{shown(day)}'.")
        if match.group(2) is not None:
            limit = {"MONTHLY": 5, "YEARLY": 53}.get(freq)
            if limit is None:
                raise _syntax("A numbered BYDAY (1TU) goes with FREQ=MONTHLY or YEARLY.")
            if not 1 <= int(match.group(2)) <= limit:
                raise _syntax(f"With FREQ={freq}, BYDAY numbers go from ±1 to ±{limit}.")


def normalize(rule: str, dtstart_local: datetime) -> str:
    """The canonical form of a rule: upper case, supported parts only, FREQ first, and an
    UNTIL in UTC. Everything a client could get wrong is a 422 on `rrule`."""
    parts = _parts(rule)
    keys = [k for k, _ in parts]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise _syntax(f"Each part appears once; repeated: {', '.join(repeated)}.")
    unsupported = [k for k in keys if k not in SUPPORTED_PARTS]
    if unsupported:
        raise invalid_field(
            "rrule",
            f"Not supported for gatherings: {shown(', '.join(unsupported))} "
            f"(the start gives the time of day). Use {', '.join(SUPPORTED_PARTS)}.",
            "rrule_unsupported",
        )
    values = dict(parts)
    freq = values.get("FREQ")
    if freq is None:
        raise _syntax("Not a valid RRULE: FREQ is required.")
    if freq in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise invalid_field("rrule", "Gatherings repeat daily at most often.", "rrule_frequency")
    if freq not in _FREQ_NAMES:
        raise _syntax(f"FREQ is one of {', '.join(_FREQ_NAMES)}.")
    if "COUNT" in values and "UNTIL" in values:
        raise _syntax("Give COUNT or UNTIL, not both.")
    if "COUNT" not in values and "UNTIL" not in values:
        raise invalid_field(
            "rrule", "Give COUNT or UNTIL, so the series has an end.", "rrule_unbounded"
        )
    for key in ("COUNT", "INTERVAL"):
        if key in values:
            _positive(key, values[key])
    _check_by_parts(freq, values)
    if "UNTIL" in values:
        assert dtstart_local.tzinfo is not None
        values["UNTIL"] = _until(values["UNTIL"], dtstart_local.tzinfo)
    return _join([("FREQ", freq), *((k, values[k]) for k in keys if k != "FREQ")])


def _parse(rule: str, dtstart: datetime) -> rrule:
    text = rule.removeprefix("RRULE:")
    if "\n" in text or "DTSTART" in text.upper():
        raise invalid_field("rrule", "Give one RRULE value, without DTSTART.", "rrule_syntax")
    try:
        parsed = rrulestr(text, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        message = f"Not a valid RRULE: {shown(str(exc), 80)}"
        raise invalid_field("rrule", message, "rrule_syntax") from exc
    if not isinstance(parsed, rrule):
        raise invalid_field("rrule", "Give one RRULE value.", "rrule_syntax")
    return parsed


def _bounded(parsed: rrule, dtstart: datetime) -> Iterator[datetime]:
    """The rule's occurrences, scanning a bounded stretch of years. dateutil looks for a
    match day by day until the year 9999, so a rule that can never match (30 February)
    would hold the event loop for seconds. The Gregorian calendar repeats every 400
    years, weekdays included, so the same rule started 400·k years later behaves the
    same, and from there the scan stops at the year 9999 after a few hundred years."""
    shift = max(0, (MAXYEAR - HORIZON_YEARS - dtstart.year) // 400 * 400)
    probe = parsed.replace(dtstart=dtstart.replace(year=dtstart.year + shift), until=None)
    for occurrence in probe:
        yield occurrence.replace(year=occurrence.year - shift)


def expand(rule: str | None, dtstart_local: datetime) -> list[datetime]:
    """Occurrence starts (aware, in the local zone). One element for a one-off."""
    if rule is None:
        return [dtstart_local]
    normalized = normalize(rule, dtstart_local)
    parsed = _parse(normalized, dtstart_local)
    if parsed._freq not in _ALLOWED_FREQ:
        raise invalid_field("rrule", "Gatherings repeat daily at most often.", "rrule_frequency")
    until: datetime | None = parsed._until
    count: int | None = parsed._count
    horizon = dtstart_local + timedelta(days=round(365.2425 * HORIZON_YEARS))
    too_far = invalid_field(
        "rrule", f"A series ends within {HORIZON_YEARS} years.", "rrule_too_long"
    )
    starts: list[datetime] = []
    for occurrence in _bounded(parsed, dtstart_local):
        if until is not None and occurrence > until:
            break
        if occurrence > horizon:
            raise too_far
        starts.append(occurrence)
        if len(starts) > MAX_OCCURRENCES:
            raise invalid_field(
                "rrule", f"A series holds at most {MAX_OCCURRENCES} occurrences.", "rrule_too_long"
            )
    if not starts:
        raise invalid_field("rrule", "This rule yields no occurrence.", "rrule_empty")
    if count is not None and len(starts) < count:
        raise too_far
    return starts


def frequency(rule: str) -> str:
    return dict(_parts(rule)).get("FREQ", "")


def has_by_parts(rule: str) -> bool:
    return any(k in _BY_PARTS for k, _ in _parts(rule))


def truncate_before(rule: str, boundary: datetime) -> str:
    """The same rule ending just before `boundary`: the first half of a split series."""
    kept = [(k, v) for k, v in _parts(rule) if k not in ("COUNT", "UNTIL")]
    return _join([*kept, ("UNTIL", _utc_text(boundary - timedelta(seconds=1)))])


def ending(rule: str, count: int, last: datetime) -> str:
    """The same rule ending after `count` occurrences, the last at `last`: a COUNT stays
    a COUNT, an UNTIL becomes `last` (so moving a series later does not lose its end)."""
    parts = _parts(rule)
    if any(k == "COUNT" for k, _ in parts):
        return _join([(k, str(count) if k == "COUNT" else v) for k, v in parts])
    return _join([(k, _utc_text(last) if k == "UNTIL" else v) for k, v in parts])
