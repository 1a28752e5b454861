"""The community view: a domain as a shared identity that people steward together.

Three parts, after Wenger-Trayner's three characteristics: the domain (what it is about
and how focused it is), the community (who takes part, how regularly, who leads) and the
practice (the repertoire it builds and how it is reused). Like the network view, it names
people (who moved inward, who drifted out), so it is for members only."""

import math
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.views import (
    DIRECTED_ORDER,
    CommunityFacet,
    CommunityView,
    CycleCount,
    DomainFacet,
    GatheringRhythm,
    LabelCount,
    Leadership,
    LevelCount,
    LevelMove,
    Movement,
    NinetyNineOne,
    ParticipationLevel,
    PracticeFacet,
    QuestionStats,
    RepertoireMonth,
    RetentionCohort,
    Window,
)
from app.services.actors import Actor
from app.services.views import cache, interactions
from app.services.views.interactions import VISIBLE, Query, gather_rows, members_at_query
from app.services.views.levels import HELD, RANK, LevelTable, level_queries, level_table_from
from app.services.views.network import member_domain
from app.services.views.params import LEVEL_WINDOW, MONTH, ViewParams

L = ParticipationLevel
REFERENCE = {L.core: (0.10, 0.15), L.active: (0.15, 0.20)}
TOPICAL = ("story", "lesson", "question", "resource", "success", "challenge", "practice")
REPERTOIRE = ("story", "lesson", "resource", "success", "challenge", "practice")
GROWTH = ("story", "lesson", "resource", "practice")
CYCLES = ("immediate", "potential", "applied", "realized", "reframing")
ANSWER_WITHIN = timedelta(days=30)

_IDS = sa.bindparam("domains", type_=ARRAY(sa.Uuid()))
_THEMES = sa.bindparam("themes", type_=ARRAY(sa.String()))


def _q(sql: str, *binds: Any) -> Any:
    return sa.text(sql).bindparams(_IDS, *binds)


_SECONDS = int(MONTH.total_seconds())
_IN_WINDOW = "c.domain_id = ANY(:domains) AND c.created_at >= :since AND c.created_at < :until"

_LABELS = _q(
    f"""
    SELECT label, count(*) FROM (
      SELECT DISTINCT c.id, lower(x) AS label
      FROM contributions c CROSS JOIN LATERAL unnest(c.themes || c.tags) AS x
      WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind IN {TOPICAL}
      UNION ALL
      SELECT g.id, lower(g.theme) FROM ({HELD}) h
      JOIN gatherings g ON g.id = h.id WHERE g.theme <> ''
    ) labels
    GROUP BY label
    """
)

_TOPICAL = _q(
    f"""
    SELECT count(*), count(*) FILTER (WHERE c.themes && :themes)
    FROM contributions c WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind IN {TOPICAL}
    """,
    _THEMES,
)

_ACTIVE = _q(
    f"""
    SELECT c.author_id FROM contributions c WHERE {_IN_WINDOW} AND {VISIBLE}
    UNION
    SELECT e.person_id FROM endorsements e JOIN contributions c ON c.id = e.contribution_id
    WHERE c.domain_id = ANY(:domains) AND e.created_at >= :since AND e.created_at < :until
    UNION
    SELECT a.person_id FROM attendance a
    JOIN ({HELD}) h ON h.id = a.gathering_id
    """
)

_GATHERINGS = _q(
    f"""
    SELECT h.id, h.start_at, h.host_ids,
           coalesce(array_agg(a.person_id) FILTER (WHERE a.person_id IS NOT NULL), '{{}}')
    FROM ({HELD}) h
    LEFT JOIN attendance a ON a.gathering_id = h.id
    GROUP BY h.id, h.start_at, h.host_ids
    ORDER BY h.start_at, h.id
    """
)

# Months with any activity, per person, up to the end of the window (for cohorts).
_ACTIVITY_MONTHS = _q(
    """
    SELECT person_id, date_trunc('month', at AT TIME ZONE 'UTC')::date AS month FROM (
      SELECT c.author_id AS person_id, c.created_at AS at FROM contributions c
      WHERE c.domain_id = ANY(:domains) AND c.status <> 'draft' AND c.hidden_at IS NULL
        AND c.author_id IS NOT NULL AND c.created_at < :until
      UNION ALL
      SELECT e.person_id, e.created_at FROM endorsements e
      JOIN contributions c ON c.id = e.contribution_id
      WHERE c.domain_id = ANY(:domains) AND e.created_at < :until
      UNION ALL
      SELECT a.person_id, g.start_at FROM attendance a JOIN gatherings g ON g.id = a.gathering_id
      WHERE g.domain_id = ANY(:domains) AND g.status <> 'cancelled'
        AND g.start_at < :until AND g.start_at <= now()
    ) activity
    GROUP BY 1, 2
    """
)

# Of the six 30-day months before `until`, how many each person was active in.
_STEADY = _q(
    f"""
    SELECT person_id, count(DISTINCT floor(extract(epoch FROM at - :lo) / {_SECONDS}))
    FROM (
      SELECT c.author_id AS person_id, c.created_at AS at FROM contributions c
      WHERE c.domain_id = ANY(:domains) AND {VISIBLE} AND c.author_id IS NOT NULL
        AND c.created_at >= :lo AND c.created_at < :hi
      UNION ALL
      SELECT e.person_id, e.created_at FROM endorsements e
      JOIN contributions c ON c.id = e.contribution_id
      WHERE c.domain_id = ANY(:domains) AND e.created_at >= :lo AND e.created_at < :hi
      UNION ALL
      SELECT a.person_id, h.start_at FROM attendance a JOIN ({HELD}) h ON h.id = a.gathering_id
    ) activity
    GROUP BY 1
    """
)

_CONTRIBUTORS = _q(
    f"""
    SELECT c.author_id, count(*) FROM contributions c
    WHERE {_IN_WINDOW} AND {VISIBLE} AND c.author_id IS NOT NULL
    GROUP BY 1
    """
)

_CONVENORS = _q(
    """
    SELECT m.person_id, m.status, m.roles, m.joined_at, m.created_at,
           coalesce(
             array_agg(ARRAY[e.at::text, e.status, array_to_string(e.roles, ',')]
                       ORDER BY e.at, e.id) FILTER (WHERE e.id IS NOT NULL),
             '{}')
    FROM memberships m LEFT JOIN membership_events e ON e.membership_id = m.id
    WHERE m.domain_id = ANY(:domains)
    GROUP BY m.id
    """
)

_GROWTH = _q(
    f"""
    SELECT date_trunc('month', c.created_at AT TIME ZONE 'UTC')::date, c.kind, count(*)
    FROM contributions c
    WHERE c.domain_id = ANY(:domains) AND {VISIBLE} AND c.kind IN {GROWTH}
      AND c.created_at < :until
    GROUP BY 1, 2
    """
)

_REPERTOIRE = _q(
    f"""
    SELECT count(*),
           count(*) FILTER (WHERE c.curated_at IS NOT NULL AND c.curated_at < :until),
           count(*) FILTER (WHERE EXISTS (
             SELECT 1 FROM endorsements e
             WHERE e.contribution_id = c.id AND e.kind = 'applied'
               AND e.person_id IS DISTINCT FROM c.author_id AND e.created_at < :until))
    FROM contributions c WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind IN {REPERTOIRE}
    """
)

_QUESTIONS = _q(
    f"""
    SELECT c.created_at,
           min(a.created_at) FILTER (WHERE a.author_id IS DISTINCT FROM c.author_id
                                     AND a.author_id IS NOT NULL),
           count(a.id)
    FROM contributions c
    LEFT JOIN contributions a ON a.parent_id = c.id AND a.kind = 'answer'
      AND a.status <> 'draft' AND a.hidden_at IS NULL AND a.created_at < :until
    WHERE {_IN_WINDOW} AND {VISIBLE} AND c.kind = 'question'
    GROUP BY c.id, c.created_at
    """
)

_VALUE_STORIES = _q(
    """
    SELECT v.cycle, count(*) FROM value_stories v
    WHERE v.domain_id = ANY(:domains) AND v.created_at >= :since AND v.created_at < :until
    GROUP BY 1
    """
)


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


def _overlaps(span: tuple[datetime, datetime | None], lo: datetime, hi: datetime) -> bool:
    start, end = span
    return start < hi and (end is None or end > lo)


@dataclass
class CommunityFigures:
    """Everything the community view and the comparison need, computed once."""

    view: CommunityView
    levels: LevelTable
    active_members: set[uuid.UUID]
    steady_share: float | None  # members active in at least 3 of the 6 months
    reciprocity: float | None
    contributions_by_person: dict[uuid.UUID, int]


async def community_figures(
    session: AsyncSession, domain: Domain, params: ViewParams
) -> CommunityFigures:
    """Cached until new activity, like the network."""
    return await cache.cached(
        session,
        ("community", domain.id, params.since, params.until),
        [domain.id],
        lambda: _community_figures(session, domain, params),
    )


async def _community_figures(
    session: AsyncSession, domain: Domain, params: ViewParams
) -> CommunityFigures:
    ids = [domain.id]
    window = {
        "domains": ids,
        "since": params.since,
        "until": params.until,
        "lo": params.since,
        "hi": params.until,
    }
    previous_until = params.until - LEVEL_WINDOW
    directed = ViewParams(params.since, params.until, DIRECTED_ORDER)
    queries: list[Query] = [
        (_LABELS, window),
        (_TOPICAL, {**window, "themes": list(domain.themes)}),
        (_ACTIVE, window),
        (_GATHERINGS, window),
        (_ACTIVITY_MONTHS, window),
        (_CONTRIBUTORS, window),
        (_CONVENORS, {"domains": ids}),
        (_GROWTH, window),
        (_REPERTOIRE, window),
        (_QUESTIONS, window),
        (_VALUE_STORIES, window),
        (_STEADY, {"domains": ids, "lo": params.until - LEVEL_WINDOW, "hi": params.until}),
        *level_queries(ids, params.until),
        *level_queries(ids, previous_until),
        *interactions.tie_queries(ids, directed),
    ]
    results = await gather_rows(session, queries)
    (
        labels,
        topical,
        active,
        gatherings,
        activity,
        contributors,
        convenors,
        growth,
        repertoire,
        questions,
        stories,
        steady_rows,
    ) = results[:12]
    levels = level_table_from(params.until, results[12:16])
    previous = level_table_from(previous_until, results[16:20])
    ties = interactions.ties_from(directed, results[20:])

    members = {p for p, ds in levels.members.items() if domain.id in ds}
    active_members = {row[0] for row in active} & members
    label_counts = Counter({label: int(count) for label, count in labels})
    topical_total, on_theme = topical[0]
    held_count = len(gatherings)

    domain_facet = DomainFacet(
        purpose=domain.purpose,
        themes=list(domain.themes),
        topical_items=int(topical_total) + held_count,
        topic_focus=topic_focus(label_counts),
        top_labels=[
            LabelCount(label=label, count=count)
            for label, count in sorted(label_counts.items(), key=lambda i: (-i[1], i[0]))[:10]
        ],
        on_theme_share=share(on_theme, topical_total),
    )

    current = levels.by_person(domain.id)
    before = previous.by_person(domain.id)
    counts = Counter(current.values())
    level_counts = [
        LevelCount(
            level=level,
            count=counts.get(level, 0),
            share=share(counts.get(level, 0), len(current)),
            reference_low=REFERENCE.get(level, (None, None))[0],
            reference_high=REFERENCE.get(level, (None, None))[1],
        )
        for level in (L.core, L.active, L.occasional, L.peripheral)
    ]
    months_of = {p: levels.activity.get((domain.id, p)) for p in current}
    contributed = [a.months if a else 0 for a in months_of.values()]
    silent = sum(
        1
        for a in months_of.values()
        if a is None or (a.months == 0 and a.attended == 0 and not a.hosted)
    )
    ninety = NinetyNineOne(
        no_contribution_share=share(sum(1 for m in contributed if m == 0), len(contributed)),
        occasional_contributor_share=share(
            sum(1 for m in contributed if 1 <= m <= 2), len(contributed)
        ),
        steady_contributor_share=share(sum(1 for m in contributed if m >= 3), len(contributed)),
    )

    names = await interactions.display_names(session, sorted(set(current) | set(before)))
    inward, outward, newcomers = [], [], 0
    for person in sorted(set(current) | set(before), key=lambda p: (names.get(p, ""), p)):
        now_level, then_level = current.get(person), before.get(person)
        move = LevelMove(
            person_id=person,
            display_name=names.get(person, ""),
            previous=then_level,
            current=now_level,
        )
        if then_level is None:
            newcomers += 1
        elif now_level is None or RANK[now_level] < RANK[then_level]:
            outward.append(move)
        elif RANK[now_level] > RANK[then_level]:
            inward.append(move)
    movement = Movement(
        previous_window=Window(since=previous.since, until=previous.until),
        moved_inward=len(inward),
        drifted_out=len(outward),
        newcomers=newcomers,
        left=sum(1 for p in before if p not in current),
        inward=inward,
        outward=outward,
    )

    starts = [row[1] for row in gatherings]
    gaps = [(b - a).total_seconds() / 86400 for a, b in pairwise(starts)]
    attendance = [list(row[3]) for row in gatherings]
    came = Counter(p for attendees in attendance for p in set(attendees))
    average = share(sum(len(a) for a in attendance), held_count)
    rhythm = GatheringRhythm(
        held=held_count,
        mean_gap_days=sum(gaps) / len(gaps) if gaps else None,
        gap_cv=coefficient_of_variation(gaps),
        average_attendance=average,
        attendance_rate=average / len(members) if average is not None and members else None,
        returning_share=share(sum(1 for c in came.values() if c >= 2), len(came)),
    )

    hosts = Counter(h for row in gatherings for h in set(row[2]))
    spans = [convenor_intervals(row) for row in convenors]
    leadership = Leadership(
        distinct_hosts=len(hosts),
        top_host_share=share(max(hosts.values(), default=0), held_count),
        distinct_convenors=sum(
            1 for c in spans if any(_overlaps(s, params.since, params.until) for s in c.intervals)
        ),
        current_convenors=sum(
            1
            for c in spans
            if any(
                _overlaps(s, params.until, params.until + timedelta(microseconds=1))
                for s in c.intervals
            )
        ),
    )

    by_person = {person: int(count) for person, count in contributors}
    arcs = {(a, b) for a, b, *_ in ties}
    reciprocity = share(sum(1 for a, b in arcs if (b, a) in arcs), len(arcs))
    community = CommunityFacet(
        members=len(members),
        active_members=len(active_members),
        level_window=Window(since=levels.since, until=levels.until),
        levels=level_counts,
        no_recorded_activity=silent,
        ninety_nine_one=ninety,
        movement=movement,
        rhythm=rhythm,
        retention=retention(activity, params),
        reciprocity=reciprocity,
        leadership=leadership,
        contributions=sum(by_person.values()),
        contributors=len(by_person),
        contributor_absence_factor=absence_factor(list(by_person.values())),
    )

    practice = PracticeFacet(
        repertoire=repertoire_growth(growth, params),
        repertoire_items=int(repertoire[0][0]),
        curated_share=share(repertoire[0][1], repertoire[0][0]),
        reuse_rate=share(repertoire[0][2], repertoire[0][0]),
        questions=question_stats(questions, params.until),
        value_stories=[
            CycleCount(cycle=cycle, count=dict(stories).get(cycle, 0)) for cycle in CYCLES
        ],
    )
    view = CommunityView(
        domain=domain.slug,
        window=Window(since=params.since, until=params.until),
        domain_facet=domain_facet,
        community=community,
        practice=practice,
    )
    steady = {person for person, months in steady_rows if months >= 3} & members
    return CommunityFigures(
        view=view,
        levels=levels,
        active_members=active_members,
        steady_share=share(len(steady), len(members)),
        reciprocity=reciprocity,
        contributions_by_person=by_person,
    )


@dataclass
class CommunityScores:
    """What the community score needs, and no more (for the history's many windows)."""

    members: list[uuid.UUID]
    active_members: set[uuid.UUID]
    steady_share: float | None
    reciprocity: float | None
    topic_focus: float | None
    reuse_rate: float | None
    answered_rate: float | None


def scores_of(figures: CommunityFigures, domain_id: uuid.UUID) -> CommunityScores:
    view = figures.view
    return CommunityScores(
        members=sorted(p for p, ds in figures.levels.members.items() if domain_id in ds),
        active_members=figures.active_members,
        steady_share=figures.steady_share,
        reciprocity=figures.reciprocity,
        topic_focus=view.domain_facet.topic_focus,
        reuse_rate=view.practice.reuse_rate,
        answered_rate=view.practice.questions.answered_rate,
    )


async def community_scores(
    session: AsyncSession, domain: Domain, params: ViewParams
) -> CommunityScores:
    ids = [domain.id]
    window = {
        "domains": ids,
        "since": params.since,
        "until": params.until,
        "lo": params.since,
        "hi": params.until,
    }
    directed = ViewParams(params.since, params.until, DIRECTED_ORDER)
    results = await gather_rows(
        session,
        [
            (_LABELS, window),
            (_REPERTOIRE, window),
            (_QUESTIONS, window),
            (_ACTIVE, window),
            (_STEADY, {"domains": ids, "lo": params.until - LEVEL_WINDOW, "hi": params.until}),
            members_at_query(ids, params.until),
            *interactions.tie_queries(ids, directed),
        ],
    )
    labels, repertoire, questions, active, steady_rows, member_rows = results[:6]
    members = {p for p, _ in member_rows}
    arcs = {(a, b) for a, b, *_ in interactions.ties_from(directed, results[6:])}
    steady = {person for person, months in steady_rows if months >= 3} & members
    return CommunityScores(
        members=sorted(members),
        active_members={row[0] for row in active} & members,
        steady_share=share(len(steady), len(members)),
        reciprocity=share(sum(1 for a, b in arcs if (b, a) in arcs), len(arcs)),
        topic_focus=topic_focus(Counter({label: int(count) for label, count in labels})),
        reuse_rate=share(repertoire[0][2], repertoire[0][0]),
        answered_rate=question_stats(questions, params.until).answered_rate,
    )


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


async def community_view(
    session: AsyncSession, actor: Actor, slug: str, params: ViewParams
) -> CommunityView:
    domain = await member_domain(session, actor, slug)
    return (await community_figures(session, domain, params)).view
