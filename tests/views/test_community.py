"""Participation levels and community indicators on hand-built scenarios with known answers."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import Contribution, EndorsementKind, ValueStoryCreate
from app.models.memberships import MembershipUpdate, Role
from app.models.people import Person
from app.services.contributions import curation, endorsements
from app.services.memberships import lifecycle as memberships
from tests.factories import actor_of, auth
from tests.support import API
from tests.views.support import World, hour_after_now, month

DAY = timedelta(days=1)


async def test_levels_and_community_indicators(client: AsyncClient, session: AsyncSession) -> None:
    until = hour_after_now()
    names = ["core1", "core2", "act1", "act2", "occ1", "per1", "silent", "leaver"]
    world = await World.create(session, len(names), names=names, themes=["pain", "family"])
    core1, core2, act1, act2, occ1, per1, _silent, leaver = world.people
    conv = world.convenor

    for i in range(5):  # months 0-4
        await world.post(core1, themes=["pain"], at=month(until, i))
    for i in range(1, 6):  # months 1-5
        await world.post(core2, themes=["family"], at=month(until, i))
    for i in (0, 2, 4):
        await world.post(act1, tags=["night"], at=month(until, i))
    for i in (3, 5):
        await world.post(occ1, themes=["pain"], tags=["Night"], at=month(until, i, day=2))
    # The previous six months: occ1 was active, the leaver occasional.
    for i in range(5):
        await world.post(occ1, at=month(until - timedelta(days=180), i))
    await world.post(leaver, at=month(until - timedelta(days=180), 2))
    await (await session.connection()).execute(
        text("UPDATE memberships SET status = 'left', left_at = :at WHERE person_id = :p"),
        {"at": until - timedelta(days=30), "p": leaver.id},
    )
    await session.commit()

    # Questions: q1 answered by core1 within two days; q3 answered by its asker at once
    # (which does not count) and by act1 after 40 days; q2 too recent to judge.
    q1 = await world.post(act1, "question", at=month(until, 0))
    await world.post(core1, "answer", parent=q1, at=month(until, 0) + 2 * DAY)
    q3 = await world.post(core2, "question", at=month(until, 1))
    await world.post(core2, "answer", parent=q3, at=month(until, 1) + DAY)
    await world.post(act1, "answer", parent=q3, at=month(until, 1) + 40 * DAY)
    await world.post(occ1, "question", at=until - 10 * DAY)

    # Four gatherings 30, 30 and 45 days apart; core2 hosts one.
    starts = [month(until, 1, 5), month(until, 2, 5), month(until, 3, 5), month(until, 4, 20)]
    attendance: list[list[Person]] = [[core1, act2], [core1, act2, per1], [core1], [core2]]
    for i, (start, came) in enumerate(zip(starts, attendance, strict=True)):
        await world.gathering(
            start.replace(microsecond=0),
            came,
            hosts=[core2] if i == 3 else None,
            theme="Pain" if i == 0 else "",
        )

    pains = await _stories_of(session, core1.id)
    for contribution_id in pains[:2]:
        target = await _get(session, contribution_id)
        await world.endorse(act2, target, EndorsementKind.applied, at=month(until, 4))
    await world.appreciate(core1, act2, at=month(until, 4))
    for contribution_id in pains[2:5]:
        await curation.set_curated(session, actor_of(conv), contribution_id, True)
    await endorsements.create_value_story(
        session,
        actor_of(core1),
        world.domain.slug,
        ValueStoryCreate(cycle="realized", title="Fewer calls", story="It helped."),
    )
    slug = world.domain.slug
    for roles in ([Role.member, Role.convenor], [Role.member]):
        await memberships.update_membership(
            session, actor_of(conv), slug, core1.id, MembershipUpdate(roles=roles)
        )

    r = await client.get(
        f"{API}/domains/{slug}/views/community",
        params={"until": until.isoformat()},
        headers=auth(act1),
    )
    assert r.status_code == 200, r.text
    view = r.json()
    community = view["community"]

    levels = {lc["level"]: lc for lc in community["levels"]}
    assert {k: v["count"] for k, v in levels.items()} == {
        "core": 2,
        "active": 2,
        "occasional": 1,
        "peripheral": 3,
    }
    assert levels["core"]["share"] == pytest.approx(2 / 8)
    assert (levels["core"]["reference_low"], levels["core"]["reference_high"]) == (0.10, 0.15)
    assert community["members"] == 8
    assert community["no_recorded_activity"] == 1  # silent: the convenor hosted
    assert community["ninety_nine_one"]["no_contribution_share"] == pytest.approx(4 / 8)
    assert community["ninety_nine_one"]["occasional_contributor_share"] == pytest.approx(1 / 8)
    assert community["ninety_nine_one"]["steady_contributor_share"] == pytest.approx(3 / 8)

    movement = community["movement"]
    assert {m["display_name"] for m in movement["inward"]} == {"core1", "core2", "act1", "act2"}
    assert {(m["display_name"], m["previous"], m["current"]) for m in movement["outward"]} == {
        ("occ1", "active", "occasional"),
        ("leaver", "occasional", None),
    }
    assert (movement["newcomers"], movement["left"]) == (0, 1)

    rhythm = community["rhythm"]
    gaps = [30.0, 30.0, 45.0]
    mean = sum(gaps) / 3
    cv = math.sqrt(sum((g - mean) ** 2 for g in gaps) / 3) / mean
    assert rhythm["held"] == 4
    assert rhythm["mean_gap_days"] == pytest.approx(mean)
    assert rhythm["gap_cv"] == pytest.approx(cv)
    assert rhythm["average_attendance"] == pytest.approx(7 / 4)
    assert rhythm["attendance_rate"] == pytest.approx(7 / 4 / 8)
    assert rhythm["returning_share"] == pytest.approx(2 / 4)  # core1 and act2 came back

    assert community["leadership"] == {
        "distinct_hosts": 2,
        "top_host_share": 0.75,
        "distinct_convenors": 2,
        "current_convenors": 1,
    }
    # In the window: core1 7 (5 stories, an answer, an appreciation), core2 7, act1 5,
    # occ1 3: 22 in all, half of which two people make.
    assert community["contributions"] == 22
    assert community["contributors"] == 4
    assert community["contributor_absence_factor"] == 2
    # Arcs: core1 -> act1 (answer), act1 -> core2 (answer), act2 -> core1 (endorsed),
    # core1 -> act2 (appreciated): half of them returned.
    assert community["reciprocity"] == pytest.approx(0.5)

    domain = view["domain_facet"]
    counts = {"pain": 8, "family": 5, "night": 5}
    total = sum(counts.values())
    entropy = -sum(c / total * math.log(c / total) for c in counts.values())
    assert domain["topic_focus"] == pytest.approx(1 - entropy / math.log(3))
    assert {x["label"]: x["count"] for x in domain["top_labels"]} == counts
    assert domain["topical_items"] == 15 + 3 + 4  # stories, questions, gatherings
    assert domain["on_theme_share"] == pytest.approx(12 / 18)

    practice = view["practice"]
    assert practice["repertoire_items"] == 15
    assert practice["curated_share"] == pytest.approx(3 / 15)
    assert practice["reuse_rate"] == pytest.approx(2 / 15)
    assert sum(m["total"] for m in practice["repertoire"]) == 15
    assert practice["repertoire"][-1]["cumulative"] == 15 + 6
    questions = practice["questions"]
    assert (questions["asked"], questions["eligible"]) == (3, 2)
    assert questions["answered_within_30_days"] == 1
    assert questions["answered_rate"] == 0.5
    assert questions["answers_per_question"] == pytest.approx(3 / 3)
    assert questions["median_hours_to_first_answer"] == pytest.approx((48 + 960) / 2)
    assert questions["p90_hours_to_first_answer"] == pytest.approx(48 + 0.9 * (960 - 48))
    cycles = {c["cycle"]: c["count"] for c in practice["value_stories"]}
    assert cycles == {"immediate": 0, "potential": 0, "applied": 0, "realized": 1, "reframing": 0}

    r = await client.get(
        f"{API}/domains/{slug}/views/network",
        params={"until": until.isoformat()},
        headers=auth(act1),
    )
    levels_of = {n["display_name"]: n["participation_level"] for n in r.json()["nodes"]}
    assert levels_of == {
        "core1": "core",
        "core2": "core",
        "act1": "active",
        "act2": "active",
        "occ1": "occasional",
        "per1": "peripheral",
        "silent": "peripheral",
        "Convenor": "peripheral",
        "leaver": None,  # a member during the window, but not at its end
    }


async def _stories_of(session: AsyncSession, author_id: object) -> list[object]:
    result = await (await session.connection()).execute(
        text(
            "SELECT id FROM contributions WHERE author_id = :a AND kind = 'story' "
            "ORDER BY created_at"
        ),
        {"a": author_id},
    )
    return [row[0] for row in result]


async def _get(session: AsyncSession, contribution_id: object) -> Contribution:
    found = await session.get(Contribution, contribution_id)
    assert found is not None
    await session.refresh(found)
    return found


async def test_retention_cohorts(client: AsyncClient, session: AsyncSession) -> None:
    world = await World.create(session, 3, names=["x", "y", "z"])
    x, y, z = world.people
    for person, moment in [
        (x, datetime(2025, 3, 10, tzinfo=UTC)),
        (x, datetime(2025, 4, 5, tzinfo=UTC)),
        (x, datetime(2025, 6, 20, tzinfo=UTC)),
        (y, datetime(2025, 3, 15, tzinfo=UTC)),
        (y, datetime(2025, 9, 2, tzinfo=UTC)),
        (z, datetime(2025, 11, 3, tzinfo=UTC)),
    ]:
        await world.post(person, at=moment)
    r = await client.get(
        f"{API}/domains/{world.domain.slug}/views/community",
        params={"since": "2025-03-01T00:00:00Z", "until": "2025-12-01T00:00:00Z"},
        headers=auth(x),
    )
    cohorts = {c["month"]: c for c in r.json()["community"]["retention"]}
    assert list(cohorts) == [f"2025-{m:02d}-01" for m in range(3, 12)]
    march = cohorts["2025-03-01"]
    assert (march["size"], march["after_1_month"], march["after_3_months"]) == (2, 0.5, 0.5)
    assert march["after_6_months"] == 0.5
    assert cohorts["2025-04-01"]["size"] == 0 and cohorts["2025-04-01"]["after_1_month"] is None
    november = cohorts["2025-11-01"]
    assert november["size"] == 1 and november["after_1_month"] is None  # December not over


async def test_an_empty_and_a_one_person_community(
    client: AsyncClient, session: AsyncSession
) -> None:
    world = await World.create(session, 0)
    for path in ("network", "community", "comparison", "comparison/history"):
        r = await client.get(
            f"{API}/domains/{world.domain.slug}/views/{path}", headers=auth(world.convenor)
        )
        assert r.status_code == 200, r.text
        assert "NaN" not in r.text and "Infinity" not in r.text
    r = await client.get(
        f"{API}/domains/{world.domain.slug}/views/network", headers=auth(world.convenor)
    )
    metrics = r.json()["metrics"]
    assert metrics["node_count"] == 1 and metrics["edge_count"] == 0
    assert metrics["density"] == 0 and metrics["degree_centralization"] is None
    assert metrics["modularity"] is None and metrics["reciprocity"] is None
    assert metrics["diameter"] == 0 and metrics["average_shortest_path_length"] == 0
    r = await client.get(
        f"{API}/domains/{world.domain.slug}/views/community", headers=auth(world.convenor)
    )
    community = r.json()["community"]
    assert community["members"] == 1 and community["contributor_absence_factor"] is None
    assert r.json()["domain_facet"]["topic_focus"] is None
    assert r.json()["practice"]["questions"]["answered_rate"] is None
