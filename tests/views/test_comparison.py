"""The diagnosis: two separate scores with their components, hub dependence, the quadrant,
recommendations that name their figure, and the history."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import EndorsementKind
from app.models.views import HistoryInterval, Quadrant
from app.services.views.comparison import periods
from app.services.views.diagnosis import quadrant
from app.services.views.hubs import HUB_FIGURES
from app.services.views.recommendations import HUB_RULE, RULES
from tests.factories import auth
from tests.support import API
from tests.views.support import World

PAST = datetime.now(UTC) - timedelta(days=20)

NETWORK = {
    "largest_component_share",
    "global_efficiency",
    "mean_effective_size_over_degree",
    "bridging_share",
    "links_to_other_domains",
}
COMMUNITY = {
    "edge_persistence",
    "active_3_of_6_months",
    "reciprocity",
    "main_core_over_active_members",
    "topic_focus",
    "reuse_rate",
    "answered_question_rate",
}


async def test_a_hub_dependent_star(client: AsyncClient, session: AsyncSession) -> None:
    """Eight people who each reply to one hub: the network hangs on one person."""
    world = await World.create(session, 9)
    hub, *spokes = world.people
    for spoke in spokes:
        await world.reply(spoke, hub, at=PAST)
    r = await client.get(f"{API}/domains/{world.domain.slug}/views/comparison", headers=auth(hub))
    assert r.status_code == 200, r.text
    view = r.json()
    network = {c["name"]: c["value"] for c in view["network_score"]["components"]}
    community = {c["name"]: c["value"] for c in view["community_score"]["components"]}
    assert set(network) == NETWORK and set(community) == COMMUNITY
    values = [v for v in network.values() if v is not None]
    assert view["network_score"]["value"] == pytest.approx(sum(values) / len(values))
    assert network["largest_component_share"] == pytest.approx(9 / 10)  # the convenor is apart
    assert network["bridging_share"] == 0  # one community
    assert network["mean_effective_size_over_degree"] == pytest.approx(1.0)  # no triangles
    assert community["edge_persistence"] is None  # nothing in the previous window
    assert community["reciprocity"] == 0

    hub_check = view["hub_dependence"]
    assert hub_check["hub_dependent"] is True
    assert hub_check["removed"][0] == str(hub.id)
    assert hub_check["largest_component_before"] == 9
    assert hub_check["largest_component_after"] == 1
    assert hub_check["largest_component_shrink"] == pytest.approx(1 - 1 / 9)
    n = 10
    assert hub_check["degree_centralization"] == pytest.approx(
        ((8 - 8) + 8 * (8 - 1) + (8 - 0)) / ((n - 1) * (n - 2))
    )
    assert {"degree_centralization", "largest_component_shrink"} <= set(hub_check["reasons"])
    first = view["recommendations"][0]
    assert first["code"] == "share_leadership"
    assert first["figure"] in hub_check["reasons"]
    for recommendation in view["recommendations"]:
        assert recommendation["figure"] and recommendation["source"]
        assert recommendation["measured"] and recommendation["why"] and recommendation["advice"]
    # The hub rule says what it measured with the figure's own value, as a person reads it.
    unit = HUB_FIGURES[first["figure"]].unit
    value = first["value"]
    shown = {"share": f"{value:.0%}", "scale": f"{value:.2f}", "count": f"{value:.0f}"}[unit]
    assert shown in first["measured"]
    codes = {r["code"] for r in view["recommendations"]}
    assert "appreciation" in codes  # reciprocity 0 is below 0.2
    assert view["quadrant"] in {q.value for q in Quadrant}


def test_quadrants_and_rules() -> None:
    assert quadrant(0.7, 0.7) == Quadrant.both
    assert quadrant(0.7, 0.2) == Quadrant.network
    assert quadrant(0.2, 0.5) == Quadrant.community
    assert quadrant(0.1, 0.1) == Quadrant.fragmented
    assert quadrant(None, 0.9) is None
    assert all(rule.source and rule.advice and rule.why and rule.measured for rule in RULES)


def test_recommendations_speak_plainly_and_cite_sources_by_title() -> None:
    """What was measured (with the value filled in), why it matters, what to try; the
    sources by their titles, never by an internal number."""
    for rule in RULES:
        said = rule.says(rule.threshold / 2 if rule.below else rule.threshold * 2)
        assert "{" not in said and "_" not in said, said  # no internal names
        assert "seed" not in rule.source.lower() and "“" in rule.source, rule.source
        assert not any(ch.isdigit() for ch in rule.source.split(",")[0]), rule.source
    share = next(r for r in RULES if r.figure == "reciprocity")
    assert share.says(0.16).startswith("16% of the replies")
    count = next(r for r in RULES if r.figure == "gatherings_held")
    assert count.says(2).startswith("2 gatherings took place")
    assert "seed" not in HUB_RULE[3].lower()
    for figure, hub in HUB_FIGURES.items():
        assert "{value}" in hub.measured and figure not in hub.measured and "_" not in hub.measured


def test_periods_are_calendar_months_clipped_to_the_window() -> None:
    since = datetime(2025, 1, 15, tzinfo=UTC)
    until = datetime(2025, 4, 10, tzinfo=UTC)
    months = periods(since, until, HistoryInterval.month)
    assert months[0] == (since, datetime(2025, 2, 1, tzinfo=UTC))
    assert months[-1] == (datetime(2025, 4, 1, tzinfo=UTC), until)
    assert len(months) == 4
    quarters = periods(since, until, HistoryInterval.quarter)
    assert quarters == [
        (since, datetime(2025, 4, 1, tzinfo=UTC)),
        (datetime(2025, 4, 1, tzinfo=UTC), until),
    ]


async def test_history_moves_from_network_toward_community(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await World.create(session, 4, themes=["care"])
    a, b, c, d = world.people
    now = datetime.now(UTC)
    start = (now - timedelta(days=100)).replace(microsecond=0)
    for i in range(3):
        moment = start + timedelta(days=30 * i + 1)
        for u, v in [(a, b), (b, a), (c, d), (d, c), (a, c)]:
            await world.reply(u, v, at=moment)
    r = await client.get(
        f"{API}/domains/{world.domain.slug}/views/comparison/history",
        params={"since": start.isoformat(), "interval": "month"},
        headers=auth(a),
    )
    assert r.status_code == 200, r.text
    history = r.json()
    points = history["points"]
    assert len(points) == len(
        periods(start, datetime.fromisoformat(history["window"]["until"]), HistoryInterval.month)
    )
    assert points[0]["since"] == history["window"]["since"]
    for earlier, later in pairwise(points):
        assert earlier["until"] == later["since"]
    with_ties = [p for p in points if p["network_score"]["value"] is not None]
    assert with_ties
    persistence = [
        next(
            c["value"]
            for c in p["community_score"]["components"]
            if c["name"] == "edge_persistence"
        )
        for p in points
    ]
    assert 1.0 in persistence  # the same ties month after month


async def test_history_points_score_like_the_comparison(
    client: AsyncClient, session: AsyncSession
) -> None:
    """The history's light computation gives each window the scores the full one gives."""
    world = await World.create(session, 4, themes=["care"])
    a, b, c, d = world.people
    q = await world.post(a, "question", themes=["care"], at=PAST - timedelta(days=40))
    await world.post(b, "answer", parent=q, at=PAST - timedelta(days=39))
    await world.endorse(c, await world.post(d, "lesson", at=PAST), EndorsementKind.applied)
    for u, v in [(a, b), (b, a), (c, d), (a, c)]:
        await world.reply(u, v, at=PAST)
    since = (PAST - timedelta(days=60)).replace(microsecond=0)
    until = (PAST + timedelta(days=5)).replace(microsecond=0)
    window = {"since": since.isoformat(), "until": until.isoformat()}
    base = f"{API}/domains/{world.domain.slug}/views/comparison"
    history = (
        await client.get(
            f"{base}/history", params={**window, "interval": "quarter"}, headers=auth(a)
        )
    ).json()
    for point in history["points"]:
        full = (
            await client.get(
                base, params={"since": point["since"], "until": point["until"]}, headers=auth(a)
            )
        ).json()
        assert point["network_score"] == full["network_score"]
        assert point["community_score"] == full["community_score"]
        assert point["quadrant"] == full["quadrant"]
