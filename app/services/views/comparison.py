"""The diagnosis: the network and the community side by side, never merged.

Two scores in [0, 1], each the mean of its components (those that could be computed), so a
convenor sees why: the network score measures reach and flow, the community score
persistence and shared ownership. A score at or above 0.5 counts as strong; the quadrant
follows from the two. Recommendations come from the source texts (cited by their titles);
each says in plain words what was measured and the line it crossed, why that matters for a
community of practice, and what to try, and names the figure that triggered it."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Invalid
from app.models.domains import Domain
from app.models.views import (
    DOMAIN_LAYERS,
    ComparisonHistory,
    ComparisonPoint,
    ComparisonView,
    HistoryInterval,
    HubDependence,
    ParticipationLevel,
    Quadrant,
    Recommendation,
    Score,
    ScoreComponent,
    Window,
)
from app.services.actors import Actor
from app.services.views import cache, interactions
from app.services.views.community import (
    CommunityFigures,
    add_months,
    community_figures,
    community_scores,
    month_start,
    scores_of,
    share,
)
from app.services.views.graphs import component_after_removal
from app.services.views.interactions import VISIBLE, gather_rows
from app.services.views.network import Network, build_network, member_domain
from app.services.views.params import ViewParams, view_window

STRONG = 0.5
MAX_POINTS = 60
HISTORY_CONCURRENCY = 2

_OTHER_DOMAINS = sa.text(
    f"""
    SELECT c.author_id FROM contributions c
    WHERE c.domain_id <> :domain AND c.author_id = ANY(:people) AND {VISIBLE}
      AND c.created_at >= :since AND c.created_at < :until
    UNION
    SELECT e.person_id FROM endorsements e
    WHERE e.person_id = ANY(:people) AND e.created_at >= :since AND e.created_at < :until
      AND EXISTS (SELECT 1 FROM contributions c
                  WHERE c.id = e.contribution_id AND c.domain_id <> :domain)
    UNION
    SELECT a.person_id FROM attendance a JOIN gatherings g ON g.id = a.gathering_id
    WHERE a.person_id = ANY(:people) AND g.domain_id <> :domain AND g.status <> 'cancelled'
      AND g.start_at >= :since AND g.start_at < :until AND g.start_at <= now()
    """
).bindparams(sa.bindparam("people", type_=ARRAY(sa.Uuid())))


@dataclass
class Diagnosis:
    network: Network
    community: CommunityFigures | None
    network_score: Score
    community_score: Score
    quadrant: Quadrant | None
    figures: dict[str, float | None]


def _component(name: str, value: float | None, meaning: str) -> ScoreComponent:
    return ScoreComponent(name=name, value=value, meaning=meaning)


def _score(components: list[ScoreComponent]) -> Score:
    values = [c.value for c in components if c.value is not None]
    return Score(value=sum(values) / len(values) if values else None, components=components)


def quadrant(network: float | None, community: float | None) -> Quadrant | None:
    if network is None or community is None:
        return None
    if network >= STRONG and community >= STRONG:
        return Quadrant.both
    if network >= STRONG:
        return Quadrant.network
    if community >= STRONG:
        return Quadrant.community
    return Quadrant.fragmented


async def diagnose(
    session: AsyncSession, domain: Domain, params: ViewParams, *, with_brokers: bool = True
) -> Diagnosis:
    """Both scores for a window, on the default layers (cached until new activity)."""
    params = ViewParams(params.since, params.until, DOMAIN_LAYERS)
    return await cache.cached(
        session,
        ("diagnosis", domain.id, params, with_brokers),
        [domain.id],
        lambda: _diagnose(session, domain, params, with_brokers=with_brokers),
    )


async def _diagnose(
    session: AsyncSession, domain: Domain, params: ViewParams, *, with_brokers: bool
) -> Diagnosis:
    """`with_brokers` False is the light form for the history: no betweenness, no brokers,
    and only the community figures the score needs."""
    network = await build_network(session, [domain.id], params, with_brokers=with_brokers)
    community: CommunityFigures | None = None
    if with_brokers:
        community = await community_figures(session, domain, params)
        scores = scores_of(community, domain.id)
    else:
        scores = await community_scores(session, domain, params)
    members = scores.members
    before = params.previous
    results = await gather_rows(
        session,
        [
            (
                _OTHER_DOMAINS,
                {
                    "domain": domain.id,
                    "people": members,
                    "since": params.since,
                    "until": params.until,
                },
            ),
            *interactions.tie_queries([domain.id], before),
        ],
    )
    outward = {row[0] for row in results[0]}
    previous_ties = interactions.ties_from(before, results[1:])
    previous_pairs = {(a, b) if a < b else (b, a) for a, b, *_ in previous_ties}
    people = network.people
    current_pairs = {(people[i], people[j]) for i, j in network.data.edges}

    f = network.figures
    active = len(scores.active_members)
    core_share = (
        min(1.0, len(f.main_core) / active)
        if active and f.main_core_k > 0
        else 0.0
        if active
        else None
    )
    network_components = [
        _component(
            "largest_component_share",
            f.largest_component_share,
            "Share of people in the largest connected group",
        ),
        _component(
            "global_efficiency",
            f.global_efficiency if f.n > 1 else None,
            "How easily anything can flow between any two people",
        ),
        _component(
            "mean_effective_size_over_degree",
            f.mean_efficiency,
            "How little people's contacts overlap (non-redundant ties)",
        ),
        _component("bridging_share", f.bridging_share, "Share of ties between different clusters"),
        _component(
            "links_to_other_domains",
            share(len(outward & set(members)), len(members)),
            "Share of members also active in another domain",
        ),
    ]
    community_components = [
        _component(
            "edge_persistence",
            share(len(previous_pairs & current_pairs), len(previous_pairs)),
            "Share of the previous window's ties still there",
        ),
        _component(
            "active_3_of_6_months",
            scores.steady_share,
            "Share of members active in at least 3 of the last 6 months",
        ),
        _component("reciprocity", scores.reciprocity, "Share of interactions returned"),
        _component(
            "main_core_over_active_members",
            core_share,
            "Size of the most tightly knit group over the active members",
        ),
        _component("topic_focus", scores.topic_focus, "How focused on shared topics"),
        _component("reuse_rate", scores.reuse_rate, "Share of the repertoire applied by others"),
        _component(
            "answered_question_rate",
            scores.answered_rate,
            "Share of questions answered by someone else within 30 days",
        ),
    ]
    network_score = _score(network_components)
    community_score = _score(community_components)
    figures: dict[str, float | None] = {
        c.name: c.value for c in network_components + community_components
    }
    if community is not None:
        view = community.view
        levels = {lc.level: lc for lc in view.community.levels}
        figures.update(
            {
                "gatherings_held": view.community.rhythm.held,
                "gathering_gap_cv": view.community.rhythm.gap_cv,
                "core_share": levels[ParticipationLevel.core].share,
                "on_theme_share": view.domain_facet.on_theme_share,
                "curated_share": view.practice.curated_share,
                "members": view.community.members,
                "value_stories": sum(c.count for c in view.practice.value_stories),
                "degree_centralization": f.degree_centralization,
            }
        )
    return Diagnosis(
        network,
        community,
        network_score,
        community_score,
        quadrant(network_score.value, community_score.value),
        figures,
    )


def hub_dependence(diagnosis: Diagnosis) -> HubDependence:
    f = diagnosis.network.figures
    assert diagnosis.community is not None
    view = diagnosis.community.view
    removed, after = component_after_removal(diagnosis.network.data, f)
    before = len(f.largest_component)
    shrink = 1 - after / before if before else None
    removed_inside = len(set(removed) & set(f.largest_component))
    rest = before - removed_inside
    reasons = []
    if f.degree_centralization is not None and f.degree_centralization >= 0.5:
        reasons.append("degree_centralization")
    factor = view.community.contributor_absence_factor
    if factor is not None and factor <= 2 and view.community.contributors >= 5:
        reasons.append("contributor_absence_factor")
    if rest >= 5 and after < 0.8 * rest:
        reasons.append("largest_component_shrink")
    rhythm, leadership = view.community.rhythm, view.community.leadership
    top_host = leadership.top_host_share
    if rhythm.held >= 3 and top_host is not None and top_host >= 0.75:
        reasons.append("top_host_share")
    return HubDependence(
        degree_centralization=f.degree_centralization,
        contributor_absence_factor=factor,
        contributors=view.community.contributors,
        removed=[diagnosis.network.people[v] for v in removed],
        largest_component_before=before,
        largest_component_after=after,
        largest_component_shrink=shrink,
        hub_dependent=bool(reasons),
        reasons=reasons,
    )


# The source texts, by their titles.
TIPS = "“Communities of Practice: Knowing We Are Not Alone”"
WHAT_IS = "“Communities of Practice” (What is a community of practice?)"
BEYOND = "“Beyond the network: on becoming a community”"
VALUE = (
    "Wenger, Trayner and de Laat (2011), “Promoting and assessing value creation in "
    "communities and networks: a conceptual framework”"
)


def _shown(value: float, unit: str) -> str:
    """A figure as a person reads it: shares in per cent, counts as whole numbers."""
    if unit == "share":
        return f"{value:.0%}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


@dataclass(frozen=True)
class Rule:
    code: str
    figure: str
    threshold: float
    below: bool  # fires when the figure is below the threshold (else above)
    quadrants: frozenset[Quadrant | None]
    measured: str  # what was measured, in plain words: {value} and {threshold} filled in
    why: str  # why it matters for a community of practice
    advice: str  # what to try
    source: str  # where the advice comes from, by title
    unit: str = "share"  # how {value} and {threshold} are written: share, count or scale

    def says(self, value: float) -> str:
        return self.measured.format(
            value=_shown(value, self.unit), threshold=_shown(self.threshold, self.unit)
        )


NOT_YET = frozenset({Quadrant.network, Quadrant.fragmented, None})
EVERYWHERE = frozenset({*Quadrant, None})

RULES = [
    Rule(
        "regular_rhythm",
        "gatherings_held",
        3,
        True,
        NOT_YET,
        "{value} gatherings took place in this period (we look for at least {threshold}).",
        "Members learn from each other by meeting regularly; a rhythm they can expect is "
        "what brings them back and lets them look forward to the next time.",
        "Schedule regular gatherings with a cadence people can expect and remember.",
        f"{TIPS}, tip 4: schedule regular gatherings",
        unit="count",
    ),
    Rule(
        "regular_rhythm",
        "gathering_gap_cv",
        0.5,
        False,
        NOT_YET,
        "The gatherings came at irregular intervals: the gaps between them typically "
        "differ from the usual gap by {value} (we flag more than {threshold}).",
        "Members learn from each other by meeting regularly; a rhythm they can expect is "
        "what brings them back and lets them look forward to the next time.",
        "Keep gatherings to a steady rhythm: the same week of the month, the same time.",
        f"{TIPS}, tip 4: a regular cadence and expected rhythm",
    ),
    Rule(
        "clearer_domain",
        "topic_focus",
        0.4,
        True,
        NOT_YET,
        "Contributions and gatherings are spread over many topics: their focus is {value} "
        "on a scale from 0 (every topic as often as any other) to 1 (all on one topic); "
        "we flag below {threshold}.",
        "A community of practice grows around a shared domain; when every conversation is "
        "about something else, members find less in common and nothing builds up.",
        "Clarify the purpose and value of the community with the members, and work on "
        "themes that come from them.",
        f"{TIPS}, tips 2 and 10 (clarify the purpose and value; work thematically); "
        f"{WHAT_IS}, on the domain",
        unit="scale",
    ),
    Rule(
        "clearer_domain",
        "on_theme_share",
        0.5,
        True,
        NOT_YET,
        "{value} of the contributions are filed under the domain's declared themes "
        "(we look for at least {threshold}).",
        "The declared themes tell newcomers what the community is about; when most of the "
        "conversation happens elsewhere, either the themes or the conversation have "
        "drifted from the domain.",
        "Revisit the themes with the members, or steer conversations back to them.",
        f"{TIPS}, tip 10: work thematically",
    ),
    Rule(
        "core_group",
        "core_share",
        0.1,
        True,
        NOT_YET,
        "{value} of the members are in the core (they contribute almost every month and "
        "come to most gatherings, or host them); communities usually have 10 to 15%.",
        "A community does not run itself: a dedicated few design how it works, host it and "
        "keep it going between gatherings.",
        "Engage a small, dedicated core group to design how the community runs.",
        f"{WHAT_IS}, the third step: a dedicated core group",
    ),
    Rule(
        "invite_the_same_people",
        "edge_persistence",
        0.3,
        True,
        NOT_YET,
        "{value} of the connections between people in the previous period are still "
        "there in this one (we look for at least {threshold}).",
        "Trust grows between people who meet again and again, and with trust comes the "
        "deep sharing and the hard questions a practice needs.",
        "Invite the same individuals each time, so that trust can build.",
        f"{TIPS}, tip 5: invite the same individuals",
    ),
    Rule(
        "start_small",
        "largest_component_share",
        0.5,
        True,
        frozenset({Quadrant.fragmented, None}),
        "The largest connected group holds only {value} of the people; the others are in "
        "small groups or on their own (we look for at least {threshold}).",
        "A community forms from people who already talk to each other; scattered members "
        "rarely become one by themselves.",
        "Start small: talk with potential members about their challenges and find a few "
        "who will invest in the community.",
        f"{WHAT_IS}, the first steps; {BEYOND}: start small and be patient",
    ),
    Rule(
        "affinity_groups",
        "members",
        150,
        False,
        frozenset({Quadrant.network, Quadrant.fragmented}),
        "The domain has {value} members (we flag more than {threshold}).",
        "In a large group most people never get to speak; small groups are easier to "
        "sustain and let everyone take part.",
        "Keep it small: form affinity groups within the larger community, and convene the "
        "whole group from time to time.",
        f"{TIPS}, tip 9: keep it small",
        unit="count",
    ),
    Rule(
        "link_outward",
        "links_to_other_domains",
        0.2,
        True,
        frozenset({Quadrant.community}),
        "{value} of the members also take part in another domain (we look for at "
        "least {threshold}).",
        "A close community can stop learning from outside; new perspectives keep its "
        "practice from going stale.",
        "Connect outward: invite another community from time to time, visit, and bring in "
        "an outside perspective.",
        f"{TIPS}, on learning and tip 5; {WHAT_IS}, on visits",
    ),
    Rule(
        "link_outward",
        "bridging_share",
        0.1,
        True,
        frozenset({Quadrant.community}),
        "{value} of the connections run between the clusters within the domain (we "
        "look for at least {threshold}).",
        "When people only ever talk within their own cluster, what one group learns never "
        "reaches the others.",
        "Mix people across groups in gatherings: breakouts across clusters, pairs who "
        "have not met.",
        f"{BEYOND}: connect people who might not otherwise interact",
    ),
    Rule(
        "appreciation",
        "reciprocity",
        0.2,
        True,
        EVERYWHERE,
        "{value} of the replies, thanks and endorsements were returned (we look for "
        "at least {threshold}).",
        "Being answered and thanked is what makes it safe to share struggles as well as "
        "successes; one-way traffic tells people nobody is listening.",
        "Encourage affirmation and appreciation: start by sharing stories of success, and "
        "thank people by name.",
        f"{TIPS}, tip 6: encourage affirmation and appreciation",
    ),
    Rule(
        "answer_questions",
        "answered_question_rate",
        0.5,
        True,
        EVERYWHERE,
        "{value} of the questions got an answer from someone else within 30 days (we "
        "look for at least {threshold}).",
        "Solving each other's problems and answering requests for information is how a "
        "practice grows; an unanswered question teaches people not to ask.",
        "Make sure questions get answered: go through the unanswered ones at each "
        "gathering, or ask someone to watch for them.",
        f"{WHAT_IS}, on the activities that develop a practice",
    ),
    Rule(
        "knowledge_broker",
        "curated_share",
        0.1,
        True,
        EVERYWHERE,
        "{value} of the shared repertoire has been curated (we look for at least {threshold}).",
        "Members want to know where things are; without someone keeping the library in "
        "order, good stories and resources get lost.",
        "Name a knowledge broker who keeps the shared space organised and findable, and "
        "arranges the best of it into collections.",
        f"{TIPS}, tip 7: a dedicated knowledge broker",
    ),
    Rule(
        "record_value",
        "value_stories",
        1,
        True,
        frozenset({Quadrant.both, Quadrant.community}),
        "No value stories were recorded in this period.",
        "Stories of what changed make the value of the community visible, to its members "
        "and to those who give them time to take part.",
        "Record value stories: what was useful, what changed in practice, what followed.",
        f"{VALUE}: cycles of value creation",
        unit="count",
    ),
]


@dataclass(frozen=True)
class HubRule:
    threshold: float
    measured: str
    unit: str


HUB_RULE = (
    "share_leadership",
    "A community that relies on one person is fragile: when they step back, it stalls. "
    "Leadership that is shared and rotates spreads the work and the ownership.",
    "Share leadership and rotate it: a small team, and hosts taking turns, so that the "
    "group does not rely on one person.",
    f"{TIPS}, tip 1: share leadership; {BEYOND}: without making the network reliant on you",
)
HUB_FIGURES = {
    "degree_centralization": HubRule(
        0.5,
        "The network revolves around one person: its centralization is {value} on a scale "
        "from 0 (everyone equally connected) to 1 (everyone linked only to one person); "
        "we flag {threshold} or more.",
        "scale",
    ),
    "contributor_absence_factor": HubRule(
        2,
        "Just {value} people made half of all contributions (we flag {threshold} or fewer).",
        "count",
    ),
    "largest_component_shrink": HubRule(
        0.2,
        "Without its three most central people, the largest connected group would shrink "
        "by {value} (we flag {threshold} or more).",
        "share",
    ),
    "top_host_share": HubRule(
        0.75, "One person hosted {value} of the gatherings (we flag {threshold} or more).", "share"
    ),
}
HUB_THRESHOLDS = {name: rule.threshold for name, rule in HUB_FIGURES.items()}


def recommendations(diagnosis: Diagnosis, hub: HubDependence) -> list[Recommendation]:
    found: list[Recommendation] = []
    seen: set[str] = set()
    for rule in RULES:
        value = diagnosis.figures.get(rule.figure)
        if value is None or diagnosis.quadrant not in rule.quadrants or rule.code in seen:
            continue
        fires = value < rule.threshold if rule.below else value > rule.threshold
        if fires:
            seen.add(rule.code)
            found.append(
                Recommendation(
                    code=rule.code,
                    measured=rule.says(value),
                    why=rule.why,
                    advice=rule.advice,
                    figure=rule.figure,
                    value=value,
                    threshold=rule.threshold,
                    source=rule.source,
                )
            )
    if hub.reasons and diagnosis.community is not None:
        top_host_share = diagnosis.community.view.community.leadership.top_host_share
        figure = hub.reasons[0]
        values: dict[str, float | None] = {
            "degree_centralization": hub.degree_centralization,
            "contributor_absence_factor": hub.contributor_absence_factor,
            "largest_component_shrink": hub.largest_component_shrink,
            "top_host_share": top_host_share,
        }
        code, why, advice, source = HUB_RULE
        shown = HUB_FIGURES[figure]
        value = values[figure]
        found.insert(
            0,
            Recommendation(
                code=code,
                measured=shown.measured.format(
                    value=_shown(value, shown.unit) if value is not None else "unknown",
                    threshold=_shown(shown.threshold, shown.unit),
                ),
                why=why,
                advice=advice,
                figure=figure,
                value=value,
                threshold=shown.threshold,
                source=source,
            ),
        )
    return found


async def comparison_view(
    session: AsyncSession, actor: Actor, slug: str, params: ViewParams
) -> ComparisonView:
    domain = await member_domain(session, actor, slug)
    diagnosis = await diagnose(session, domain, params)
    hub = hub_dependence(diagnosis)
    return ComparisonView(
        domain=domain.slug,
        window=Window(since=params.since, until=params.until),
        threshold=STRONG,
        network_score=diagnosis.network_score,
        community_score=diagnosis.community_score,
        quadrant=diagnosis.quadrant,
        hub_dependence=hub,
        recommendations=recommendations(diagnosis, hub),
    )


def periods(
    since: datetime, until: datetime, interval: HistoryInterval
) -> list[tuple[datetime, datetime]]:
    """Calendar months (or quarters) in UTC touching the window, clipped to it."""
    step = 1 if interval == HistoryInterval.month else 3
    start = since.astimezone(UTC).date().replace(day=1)
    if step == 3:
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    found = []
    while month_start(start) < until:
        following = add_months(start, step)
        found.append((max(since, month_start(start)), min(until, month_start(following))))
        start = following
    return found


async def comparison_history(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    since: datetime | None,
    until: datetime | None,
    interval: HistoryInterval,
) -> ComparisonHistory:
    lo, hi = view_window(since, until, default=timedelta(days=365))
    domain = await member_domain(session, actor, slug)
    spans = periods(lo, hi, interval)
    if len(spans) > MAX_POINTS:
        raise Invalid(
            f"That is {len(spans)} points; at most {MAX_POINTS}. Shorten the window or "
            "choose a longer interval.",
            errors=[FieldError("since", "too many points", "too_many_points")],
        )
    # Two windows at a time: one's queries run while the other's figures are computed.
    # Each window reads on connections of its own; the session serves the fingerprint only,
    # which is taken here first.
    await cache.fingerprint(session, [domain.id])
    gate = asyncio.Semaphore(HISTORY_CONCURRENCY)

    async def point(a: datetime, b: datetime) -> ComparisonPoint:
        async with gate:
            diagnosis = await diagnose(
                session, domain, ViewParams(a, b, DOMAIN_LAYERS), with_brokers=False
            )
        return ComparisonPoint(
            since=a,
            until=b,
            network_score=diagnosis.network_score,
            community_score=diagnosis.community_score,
            quadrant=diagnosis.quadrant,
        )

    points = list(await asyncio.gather(*(point(a, b) for a, b in spans)))
    return ComparisonHistory(
        domain=domain.slug, interval=interval, window=Window(since=lo, until=hi), points=points
    )
