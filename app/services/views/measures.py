"""Community figures computed from rows already read: shares, calendar months, focus,
dependence on a few contributors, regularity, cohorts and answered questions. No I/O."""

import math
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.models.views import QuestionStats, RepertoireMonth, RetentionCohort
from app.services.views.params import ViewParams

ANSWER_WITHIN = timedelta(days=30)


def share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def months_between(since: datetime, until: datetime) -> list[date]:
    """The calendar months (UTC) that the window touches."""
    first = since.astimezone(UTC).date().replace(day=1)
    months = []
    while datetime(first.year, first.month, 1, tzinfo=UTC) < until:
        months.append(first)
        first = add_months(first, 1)
    return months


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def topic_focus(counts: Counter[str]) -> float | None:
    """1 - Shannon entropy / log(number of labels): 1 when everything is on one label,
    0 when labels are used evenly; null when nothing carries a label."""
    total = sum(counts.values())
    if not total:
        return None
    if len(counts) == 1:
        return 1.0
    entropy = -sum(c / total * math.log(c / total) for c in counts.values())
    return 1 - entropy / math.log(len(counts))


def absence_factor(counts: Sequence[int]) -> int | None:
    """The fewest people who together made at least half of all contributions."""
    total = sum(counts)
    if not total:
        return None
    running = 0
    for people, count in enumerate(sorted(counts, reverse=True), start=1):
        running += count
        if 2 * running >= total:
            return people
    return len(counts)


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """Population standard deviation over the mean; null for fewer than one gap."""
    if not values:
        return None
    mean = sum(values) / len(values)
    if mean == 0:
        return None
    return statistics.pstdev(values) / mean


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (NumPy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Convenorship:
    person_id: uuid.UUID
    intervals: list[tuple[datetime, datetime | None]]


def convenor_intervals(row: Sequence[Any]) -> Convenorship:
    """When a membership held the convenor role while active, from its history."""
    person, status, roles, joined_at, created_at, events = row
    spans: list[tuple[datetime, datetime | None]] = []
    if not events:
        if status == "active" and "convenor" in roles:
            spans.append((joined_at or created_at, None))
        return Convenorship(person, spans)
    started: datetime | None = None
    for at_text, event_status, event_roles in events:
        at = datetime.fromisoformat(at_text)
        holds = event_status == "active" and "convenor" in event_roles.split(",")
        if holds and started is None:
            started = at
        elif not holds and started is not None:
            spans.append((started, at))
            started = None
    if started is not None:
        spans.append((started, None))
    return Convenorship(person, spans)


def overlaps(span: tuple[datetime, datetime | None], lo: datetime, hi: datetime) -> bool:
    start, end = span
    return start < hi and (end is None or end > lo)


def retention(activity: Sequence[Any], params: ViewParams) -> list[RetentionCohort]:
    """Cohorts by the month of first recorded activity; the share of each cohort active
    again 1, 3 and 6 months later (null until that month is over)."""
    months: dict[uuid.UUID, set[date]] = defaultdict(set)
    for person, month in activity:
        months[person].add(month)
    cohorts: dict[date, list[uuid.UUID]] = defaultdict(list)
    for person, seen in months.items():
        cohorts[min(seen)].append(person)
    found = []
    for month in months_between(params.since, params.until):
        people = cohorts.get(month, [])

        def again(
            offset: int, month: date = month, people: list[uuid.UUID] = people
        ) -> float | None:
            later = add_months(month, offset)
            if not people or month_start(add_months(later, 1)) > params.until:
                return None
            return sum(1 for p in people if later in months[p]) / len(people)

        found.append(
            RetentionCohort(
                month=month,
                size=len(people),
                after_1_month=again(1),
                after_3_months=again(3),
                after_6_months=again(6),
            )
        )
    return found


def repertoire_growth(rows: Sequence[Any], params: ViewParams) -> list[RepertoireMonth]:
    per_month: dict[date, Counter[str]] = defaultdict(Counter)
    for month, kind, count in rows:
        per_month[month][kind] += int(count)
    window = months_between(params.since, params.until)
    running = sum(sum(c.values()) for month, c in per_month.items() if window and month < window[0])
    found = []
    for month in window:
        c = per_month.get(month, Counter())
        total = sum(c.values())
        running += total
        found.append(
            RepertoireMonth(
                month=month,
                stories=c["story"],
                lessons=c["lesson"],
                resources=c["resource"],
                practices=c["practice"],
                total=total,
                cumulative=running,
            )
        )
    return found


def question_stats(rows: Sequence[Any], until: datetime) -> QuestionStats:
    """Answered: by someone other than the asker within 30 days. Only questions asked at
    least 30 days before `until` can be judged, so only they count for the rate."""
    eligible = [r for r in rows if r[0] + ANSWER_WITHIN <= until]
    answered = [r for r in eligible if r[1] is not None and r[1] - r[0] <= ANSWER_WITHIN]
    waits = [(r[1] - r[0]).total_seconds() / 3600 for r in rows if r[1] is not None]
    return QuestionStats(
        asked=len(rows),
        eligible=len(eligible),
        answered_within_30_days=len(answered),
        answered_rate=share(len(answered), len(eligible)),
        answers_per_question=share(sum(int(r[2]) for r in rows), len(rows)),
        median_hours_to_first_answer=statistics.median(waits) if waits else None,
        p90_hours_to_first_answer=percentile(waits, 0.9),
    )
