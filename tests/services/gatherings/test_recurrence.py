"""Recurrence rules: expansion in the gathering's own zone, and what a rule may not be."""

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.errors import Invalid
from app.services.gatherings import recurrence
from app.services.gatherings.recurrence import (
    MAX_OCCURRENCES,
    ending,
    expand,
    normalize,
    truncate_before,
)

AMS = ZoneInfo("Europe/Amsterdam")
NYC = ZoneInfo("America/New_York")


def utc_hours(starts: list[datetime]) -> list[str]:
    return [s.astimezone(UTC).strftime("%Y-%m-%d %H:%M") for s in starts]


def wall(starts: list[datetime]) -> list[str]:
    return [s.strftime("%Y-%m-%d %H:%M %a") for s in starts]


def code_of(rule: str, start: datetime) -> str:
    with pytest.raises(Invalid) as caught:
        expand(rule, start)
    [error] = caught.value.errors
    assert error.field == "rrule"
    return error.code


def test_weekly_stays_at_six_across_the_october_change_in_amsterdam() -> None:
    # Summer time ends on Sunday 31 October 2027.
    starts = expand("FREQ=WEEKLY;BYDAY=TH;COUNT=4", datetime(2027, 10, 21, 18, tzinfo=AMS))
    assert wall(starts) == [
        "2027-10-21 18:00 Thu",
        "2027-10-28 18:00 Thu",
        "2027-11-04 18:00 Thu",
        "2027-11-11 18:00 Thu",
    ]
    assert utc_hours(starts) == [
        "2027-10-21 16:00",
        "2027-10-28 16:00",
        "2027-11-04 17:00",
        "2027-11-11 17:00",
    ]


def test_weekly_stays_at_six_across_the_march_change_in_amsterdam() -> None:
    # Summer time starts on Sunday 28 March 2027: the UTC start moves an hour earlier.
    starts = expand("FREQ=WEEKLY;BYDAY=TH;COUNT=3", datetime(2027, 3, 18, 18, tzinfo=AMS))
    assert [s.strftime("%H:%M") for s in starts] == ["18:00"] * 3
    assert utc_hours(starts) == ["2027-03-18 17:00", "2027-03-25 17:00", "2027-04-01 16:00"]


def test_weekly_stays_at_six_across_the_november_change_in_new_york() -> None:
    # Daylight time ends on Sunday 7 November 2027.
    starts = expand("FREQ=WEEKLY;BYDAY=TH;COUNT=3", datetime(2027, 10, 28, 18, tzinfo=NYC))
    assert [s.strftime("%H:%M") for s in starts] == ["18:00"] * 3
    assert utc_hours(starts) == ["2027-10-28 22:00", "2027-11-04 22:00", "2027-11-11 23:00"]


def test_monthly_on_the_first_tuesday() -> None:
    starts = expand("FREQ=MONTHLY;BYDAY=1TU;COUNT=4", datetime(2027, 1, 5, 19, tzinfo=AMS))
    assert wall(starts) == [
        "2027-01-05 19:00 Tue",
        "2027-02-02 19:00 Tue",
        "2027-03-02 19:00 Tue",
        "2027-04-06 19:00 Tue",
    ]
    assert utc_hours(starts)[3] == "2027-04-06 17:00"


def test_quarterly_is_monthly_with_an_interval_of_three() -> None:
    starts = expand("FREQ=MONTHLY;INTERVAL=3;COUNT=4", datetime(2027, 1, 14, 10, tzinfo=AMS))
    assert [s.date().isoformat() for s in starts] == [
        "2027-01-14",
        "2027-04-14",
        "2027-07-14",
        "2027-10-14",
    ]


def test_a_start_the_rule_does_not_generate_is_not_an_occurrence() -> None:
    # 6 January 2027 is a Wednesday; the series is on Thursdays.
    starts = expand("FREQ=WEEKLY;BYDAY=TH;COUNT=2", datetime(2027, 1, 6, 18, tzinfo=AMS))
    assert wall(starts) == ["2027-01-07 18:00 Thu", "2027-01-14 18:00 Thu"]


@pytest.mark.parametrize(
    "until",
    [
        "20271111T170000Z",  # UTC, exactly the last start (inclusive)
        "20271111",  # a date: through the end of that day, in the gathering's zone
        "20271111T180000",  # a wall-clock time in the gathering's zone
        "20271111T235959Z",
    ],
)
def test_until_is_inclusive_in_every_form(until: str) -> None:
    start = datetime(2027, 10, 21, 18, tzinfo=AMS)
    starts = expand(f"FREQ=WEEKLY;BYDAY=TH;UNTIL={until}", start)
    assert len(starts) == 4 and starts[-1] == datetime(2027, 11, 11, 18, tzinfo=AMS)


def test_until_just_before_an_occurrence_excludes_it() -> None:
    start = datetime(2027, 10, 21, 18, tzinfo=AMS)
    assert len(expand("FREQ=WEEKLY;UNTIL=20271111T165959Z", start)) == 3


def test_normalize_gives_the_canonical_form() -> None:
    start = datetime(2027, 10, 21, 18, tzinfo=AMS)
    assert normalize("RRULE:byday=th;freq=weekly;until=20271111", start) == (
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20271111T225959Z"
    )
    assert normalize(" FREQ=MONTHLY ; BYDAY=1tu ; COUNT=3 ", start) == (
        "FREQ=MONTHLY;BYDAY=1TU;COUNT=3"
    )


def test_a_one_off_is_its_start() -> None:
    start = datetime(2027, 10, 21, 18, tzinfo=AMS)
    assert expand(None, start) == [start]


def test_the_maximum_number_of_occurrences_is_allowed() -> None:
    start = datetime(2027, 1, 1, 9, tzinfo=AMS)
    assert len(expand(f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}", start)) == MAX_OCCURRENCES


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("every thursday", "rrule_syntax"),
        ("FREQ=WEEKLY;;COUNT=2", "rrule_syntax"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=2", "rrule_syntax"),
        ("FREQ=FORTNIGHTLY;COUNT=2", "rrule_syntax"),
        ("BYDAY=TH;COUNT=2", "rrule_syntax"),
        ("FREQ=WEEKLY;COUNT=2;COUNT=3", "rrule_syntax"),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=3", "rrule_syntax"),
        ("FREQ=WEEKLY;COUNT=0", "rrule_syntax"),
        ("FREQ=WEEKLY;COUNT=-1", "rrule_syntax"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231T000000Z", "rrule_syntax"),
        ("FREQ=WEEKLY;UNTIL=2027-12-31", "rrule_syntax"),
        ("FREQ=WEEKLY;UNTIL=20271341", "rrule_syntax"),
        ("FREQ=MONTHLY;BYMONTHDAY=40;COUNT=2", "rrule_syntax"),
        ("FREQ=MONTHLY;BYMONTH=13;COUNT=2", "rrule_syntax"),
        ("FREQ=MONTHLY;BYDAY=6MO;COUNT=2", "rrule_syntax"),
        ("FREQ=WEEKLY;BYDAY=1MO;COUNT=2", "rrule_syntax"),
        ("FREQ=WEEKLY;BYMONTHDAY=3;COUNT=2", "rrule_syntax"),
        ("FREQ=MONTHLY;BYSETPOS=0;BYDAY=MO;COUNT=2", "rrule_syntax"),
        ("FREQ=WEEKLY;COUNT=2\nRRULE:FREQ=DAILY;COUNT=2", "rrule_syntax"),
        ("DTSTART:20270101T000000Z;FREQ=WEEKLY;COUNT=2", "rrule_syntax"),
        ("FREQ=WEEKLY;BYDAY=TH", "rrule_unbounded"),
        ("FREQ=HOURLY;COUNT=5", "rrule_frequency"),
        ("FREQ=MINUTELY;COUNT=5", "rrule_frequency"),
        ("FREQ=DAILY;BYHOUR=9,17;COUNT=5", "rrule_unsupported"),
        ("FREQ=YEARLY;BYWEEKNO=20;COUNT=5", "rrule_unsupported"),
        ("FREQ=WEEKLY;X-NAME=1;COUNT=5", "rrule_unsupported"),
        (f"FREQ=DAILY;COUNT={MAX_OCCURRENCES + 1}", "rrule_too_long"),
        ("FREQ=WEEKLY;COUNT=99999999999999999999", "rrule_too_long"),
        ("FREQ=DAILY;UNTIL=20991231T000000Z", "rrule_too_long"),
        ("FREQ=YEARLY;COUNT=150", "rrule_too_long"),
        ("FREQ=WEEKLY;UNTIL=20200101T000000Z", "rrule_empty"),
    ],
)
def test_bad_rules_are_refused_with_a_code(rule: str, code: str) -> None:
    assert code_of(rule, datetime(2027, 1, 7, 18, tzinfo=AMS)) == code


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=2",
        "FREQ=WEEKLY;BYMONTH=4;BYDAY=MO;BYSETPOS=9;COUNT=2",
        "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31;COUNT=2",
    ],
)
def test_rules_that_never_match_are_refused_quickly(rule: str) -> None:
    # dateutil alone searches day by day up to the year 9999 (5 s for the first one).
    began = time.perf_counter()
    assert code_of(rule, datetime(2027, 6, 7, 18, tzinfo=AMS)) == "rrule_empty"
    assert time.perf_counter() - began < 1.5


def test_a_rare_but_possible_rule_is_found() -> None:
    # 29 February on a Monday: 2044, then 2072.
    starts = expand(
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=2",
        datetime(2027, 1, 1, 18, tzinfo=AMS),
    )
    assert [s.date().isoformat() for s in starts] == ["2044-02-29", "2072-02-29"]


def test_truncating_a_rule_ends_it_one_second_before_the_boundary() -> None:
    boundary = datetime(2027, 11, 4, 18, tzinfo=AMS)
    rule = truncate_before("FREQ=WEEKLY;BYDAY=TH;COUNT=10", boundary)
    assert rule == "FREQ=WEEKLY;BYDAY=TH;UNTIL=20271104T165959Z"
    starts = expand(rule, datetime(2027, 10, 21, 18, tzinfo=AMS))
    assert len(starts) == 2


def test_ending_keeps_the_kind_of_end() -> None:
    last = datetime(2027, 12, 2, 19, tzinfo=AMS)
    assert ending("FREQ=WEEKLY;BYDAY=TH;COUNT=10", 4, last) == "FREQ=WEEKLY;BYDAY=TH;COUNT=4"
    assert ending("FREQ=WEEKLY;UNTIL=20271125T170000Z", 4, last) == (
        "FREQ=WEEKLY;UNTIL=20271202T180000Z"
    )


def test_local_start_reads_naive_times_as_wall_clock() -> None:
    naive = recurrence.local_start(datetime(2027, 7, 1, 18), "Europe/Amsterdam")
    assert naive.utcoffset() is not None and naive.hour == 18
    aware = recurrence.local_start(datetime(2027, 7, 1, 18, tzinfo=UTC), "Europe/Amsterdam")
    assert aware.hour == 20
