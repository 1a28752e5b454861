"""The diagnosis behind the comparison: the network and the community scored side by side,
never merged.

Two scores in [0, 1], each the mean of its components (those that could be computed), so a
convenor sees why: the network score measures reach and flow, the community score
persistence and shared ownership. A score at or above 0.5 counts as strong; the quadrant
follows from the two."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.views import (
    DOMAIN_LAYERS,
    ParticipationLevel,
    Quadrant,
    Score,
    ScoreComponent,
)
from app.services.views import cache, interactions
from app.services.views.community import (
    CommunityFigures,
    community_figures,
    community_scores,
    scores_of,
)
from app.services.views.interactions import VISIBLE, gather_rows
from app.services.views.measures import share
from app.services.views.network_graph import Network, build_network
from app.services.views.params import ViewParams

STRONG = 0.5

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
