"""The community view: a domain as a shared identity that people steward together.

Three parts, after Wenger-Trayner's three characteristics: the domain (what it is about
and how focused it is), the community (who takes part, how regularly, who leads) and the
practice (the repertoire it builds and how it is reused). Like the network view, it names
people (who moved inward, who drifted out), so it is for members only."""

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

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
    Window,
)
from app.services.actors import Actor
from app.services.views import cache, interactions
from app.services.views import community_queries as sql
from app.services.views.interactions import Query, gather_rows, members_at_query
from app.services.views.levels import RANK, LevelTable, level_queries, level_table_from
from app.services.views.measures import (
    absence_factor,
    coefficient_of_variation,
    convenor_intervals,
    overlaps,
    question_stats,
    repertoire_growth,
    retention,
    share,
    topic_focus,
)
from app.services.views.network import member_domain
from app.services.views.params import LEVEL_WINDOW, ViewParams

L = ParticipationLevel
REFERENCE = {L.core: (0.10, 0.15), L.active: (0.15, 0.20)}
CYCLES = ("immediate", "potential", "applied", "realized", "reframing")


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
        (sql.LABELS, window),
        (sql.TOPICAL, {**window, "themes": list(domain.themes)}),
        (sql.ACTIVE, window),
        (sql.GATHERINGS, window),
        (sql.ACTIVITY_MONTHS, window),
        (sql.CONTRIBUTORS, window),
        (sql.CONVENORS, {"domains": ids}),
        (sql.GROWTH, window),
        (sql.REPERTOIRE, window),
        (sql.QUESTIONS, window),
        (sql.VALUE_STORIES, window),
        (sql.STEADY, {"domains": ids, "lo": params.until - LEVEL_WINDOW, "hi": params.until}),
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
            1 for c in spans if any(overlaps(s, params.since, params.until) for s in c.intervals)
        ),
        current_convenors=sum(
            1
            for c in spans
            if any(
                overlaps(s, params.until, params.until + timedelta(microseconds=1))
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
            (sql.LABELS, window),
            (sql.REPERTOIRE, window),
            (sql.QUESTIONS, window),
            (sql.ACTIVE, window),
            (sql.STEADY, {"domains": ids, "lo": params.until - LEVEL_WINDOW, "hi": params.until}),
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


async def community_view(
    session: AsyncSession, actor: Actor, slug: str, params: ViewParams
) -> CommunityView:
    domain = await member_domain(session, actor, slug)
    return (await community_figures(session, domain, params)).view
