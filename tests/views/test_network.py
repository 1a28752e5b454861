"""The network view against NetworkX: graphs recorded through the services, every figure
computed again here with NetworkX on the graph the test meant to record."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.views import Layer, NetworkView
from app.services.views import cache, network
from app.services.views.network_graph import Tuning
from app.services.views.params import view_params
from tests.factories import actor_of, add_member, auth, make_domain, make_person
from tests.support import API
from tests.views.support import Expected, World, close, nan_to_none

PAST = datetime.now(UTC) - timedelta(days=20)


def largest_component(graph: nx.Graph) -> set[str]:
    """The view's rule: the largest; among equal sizes, the one with the lowest id."""
    return max(nx.connected_components(graph), key=lambda c: (len(c), [-ord(x) for x in min(c)]))


def check_against_networkx(view: dict[str, Any], expected: Expected) -> None:
    u, d = expected.undirected, expected.directed
    n = u.number_of_nodes()
    metrics = view["metrics"]
    nodes = {node["id"]: node for node in view["nodes"]}
    assert set(nodes) == set(u.nodes)

    links = {(link["source"], link["target"]): link for link in view["links"]}
    assert set(links) == set(expected.weights)
    for key, layers in expected.weights.items():
        assert {lw["layer"]: lw["weight"] for lw in links[key]["layers"]} == layers
        assert links[key]["weight"] == sum(layers.values())

    assert metrics["node_count"] == n
    assert metrics["edge_count"] == u.number_of_edges()
    assert metrics["directed_edge_count"] == d.number_of_edges()
    assert close(metrics["density"], nx.density(u))
    assert close(metrics["transitivity"], nx.transitivity(u))
    assert close(metrics["average_clustering"], nx.average_clustering(u))
    assert metrics["components"] == nx.number_connected_components(u)
    lcc = largest_component(u)
    assert metrics["largest_component_size"] == len(lcc)
    assert close(metrics["largest_component_share"], len(lcc) / n)
    isolates = list(nx.isolates(u))
    assert metrics["isolates"] == len(isolates)
    assert close(metrics["isolates_share"], len(isolates) / n)
    degrees = dict(u.degree())
    dmax = max(degrees.values())
    centralization = sum(dmax - x for x in degrees.values()) / ((n - 1) * (n - 2))
    assert close(metrics["degree_centralization"], centralization)
    assert close(
        metrics["degree_assortativity"], nan_to_none(nx.degree_assortativity_coefficient(u))
    )
    sub = u.subgraph(lcc)
    assert metrics["diameter"] == nx.diameter(sub)
    assert close(metrics["average_shortest_path_length"], nx.average_shortest_path_length(sub))
    assert close(metrics["global_efficiency"], nx.global_efficiency(u))
    core = nx.core_number(u)
    kmax = max(core.values())
    assert metrics["main_core"]["k"] == kmax
    assert set(metrics["main_core"]["members"]) == set(nx.k_core(u).nodes)
    partition: dict[int, set[str]] = {}
    for node_id, node in nodes.items():
        partition.setdefault(node["community"], set()).add(node_id)
    assert metrics["communities"] == len(partition)
    modularity = nx.community.modularity(u, list(partition.values()), weight=None)
    assert close(metrics["modularity"], modularity)
    assert {tuple(sorted((b["source"], b["target"]))) for b in metrics["bridges"]} == {
        tuple(sorted(edge)) for edge in nx.bridges(u)
    }
    assert close(metrics["reciprocity"], nx.overall_reciprocity(d))
    assert metrics["estimated_from_sources"] is None

    betweenness = nx.betweenness_centrality(u)
    constraint = nx.constraint(u)
    effective = nx.effective_size(u)
    for node_id, node in nodes.items():
        assert node["degree"] == u.degree(node_id)
        assert node["in_degree"] == d.in_degree(node_id)
        assert node["out_degree"] == d.out_degree(node_id)
        assert node["weighted_degree"] == u.degree(node_id, weight="weight")
        assert close(node["betweenness"], betweenness[node_id])
        assert close(node["constraint"], nan_to_none(constraint[node_id]))
        assert close(node["effective_size"], nan_to_none(effective[node_id]))
        assert node["core_number"] == core[node_id]


async def test_a_known_graph_matches_networkx(client: AsyncClient, session: AsyncSession) -> None:
    world = await World.create(session, 8, names=list("ABCDEFGH"))
    a, b, c, d, e, f, g, h = world.people
    expected = Expected.of([world.convenor.id, *(p.id for p in world.people)])

    for u, v in [(a, b), (a, b), (b, c), (c, d), (d, e), (f, d)]:
        await world.reply(u, v, at=PAST)
        expected.add(u.id, v.id, "reply")
    for u, v in [(b, a), (e, f)]:
        await world.appreciate(u, v, at=PAST)
        expected.add(u.id, v.id, "appreciation")
    for u, v in [(a, c), (e, d)]:
        await world.endorse(u, await world.topic(v), at=PAST)
        expected.add(u.id, v.id, "endorsement")
    await world.reply(a, a, at=PAST)  # a self-loop: dropped
    start = PAST.replace(microsecond=0)
    await world.gathering(start, [g, h, d])
    await world.gathering(start + timedelta(days=7), [g, h])
    expected.add(g.id, h.id, "coattendance", 2)  # d and g share one gathering only

    r = await client.get(f"{API}/domains/{world.domain.slug}/views/network", headers=auth(a))
    assert r.status_code == 200, r.text
    view = r.json()
    check_against_networkx(view, expected)

    # The partition is NetworkX's greedy modularity partition on this graph.
    greedy = {frozenset(c) for c in nx.community.greedy_modularity_communities(expected.undirected)}
    found: dict[int, set[str]] = {}
    for node in view["nodes"]:
        found.setdefault(node["community"], set()).add(node["id"])
    assert {frozenset(c) for c in found.values()} == greedy
    sizes = [len(found[i]) for i in sorted(found)]
    assert sizes == sorted(sizes, reverse=True)

    by_name = {n["display_name"]: n for n in view["nodes"]}
    assert by_name["D"]["broker"] and by_name["C"]["broker"]  # the bridge between clusters
    reasons = {b["display_name"]: set(b["reasons"]) for b in view["brokers"]}
    assert {"highest_betweenness", "links_clusters"} <= reasons["C"]
    ab = next(
        link for link in view["links"] if {link["source"], link["target"]} == {str(a.id), str(b.id)}
    )
    directions = {lw["layer"]: lw for lw in ab["layers"]}
    forward = "source_to_target" if ab["source"] == str(a.id) else "target_to_source"
    backward = "target_to_source" if forward == "source_to_target" else "source_to_target"
    assert directions["reply"][forward] == 2 and directions["reply"][backward] == 0
    assert directions["appreciation"][backward] == 1
    assert by_name["Convenor"]["degree"] == 0 and by_name["Convenor"]["constraint"] is None


async def random_world(session: AsyncSession, seed: int, count: int) -> tuple[World, Expected]:
    rng = random.Random(seed)
    world = await World.create(session, count)
    people = world.people
    expected = Expected.of([world.convenor.id, *(p.id for p in people)])
    for _ in range(count * 3):
        u, v = rng.sample(people, 2)
        layer = rng.choice(["reply", "reply", "appreciation", "endorsement"])
        if layer == "reply":
            await world.reply(u, v, at=PAST)
        elif layer == "appreciation":
            await world.appreciate(u, v, at=PAST)
        else:
            await world.endorse(u, await world.post(v, at=PAST), at=PAST)
        expected.add(u.id, v.id, layer)
    return world, expected


async def test_a_random_graph_matches_networkx(client: AsyncClient, session: AsyncSession) -> None:
    world, expected = await random_world(session, 7, 24)
    r = await client.get(
        f"{API}/domains/{world.domain.slug}/views/network", headers=auth(world.convenor)
    )
    assert r.status_code == 200, r.text
    check_against_networkx(r.json(), expected)


async def test_worker_processes_and_sampling(session: AsyncSession) -> None:
    """The same figures from two worker processes; and above the exact limit, betweenness
    estimated exactly as NetworkX's k-sample estimate with the same seed."""
    world, expected = await random_world(session, 11, 16)
    actor = actor_of(world.convenor)
    params = view_params()
    inline = await network.domain_network(session, actor, world.domain.slug, params)
    cache.clear()
    pooled = await network.domain_network(
        session, actor, world.domain.slug, params, tuning=Tuning(offload_above=0)
    )
    for x, y in zip(inline.nodes, pooled.nodes, strict=True):
        assert x.id == y.id and close(x.betweenness, y.betweenness, 1e-12)
        assert x.community == y.community
    for name, value in inline.metrics.model_dump().items():
        other = pooled.metrics.model_dump()[name]
        assert close(value, other) if isinstance(value, float) else value == other, name

    cache.clear()
    sampled = await network.domain_network(
        session, actor, world.domain.slug, params, tuning=Tuning(exact_limit=5, sample_size=6)
    )
    assert sampled.metrics.estimated_from_sources == 6
    estimate = nx.betweenness_centrality(expected.undirected, k=6, seed=0)
    for node in sampled.nodes:
        assert close(node.betweenness, estimate[str(node.id)])
    lcc = expected.undirected.subgraph(largest_component(expected.undirected))
    assert sampled.metrics.diameter is not None and sampled.metrics.diameter <= nx.diameter(lcc)
    assert sampled.metrics.modularity is not None


async def test_layers_thresholds_and_graphml(client: AsyncClient, session: AsyncSession) -> None:
    world = await World.create(session, 3)
    a, b, c = world.people
    await world.reply(a, b, at=PAST)
    start = PAST.replace(microsecond=0)
    for i in range(3):
        await world.gathering(start + timedelta(days=i), [a, b, c] if i < 2 else [b, c])
    base = f"{API}/domains/{world.domain.slug}/views/network"

    r = await client.get(
        base, params={"layers": "coattendance", "min_coattendance": 3}, headers=auth(a)
    )
    view = r.json()
    assert view["layers"] == ["coattendance"]
    assert [(sorted([x["source"], x["target"]]), x["weight"]) for x in view["links"]] == [
        (sorted([str(b.id), str(c.id)]), 3)
    ]
    r = await client.get(
        base, params=[("layers", "reply"), ("layers", "coattendance")], headers=auth(a)
    )
    assert r.json()["layers"] == ["reply", "coattendance"]
    assert r.json()["metrics"]["edge_count"] == 3  # a-b (reply and 2 gatherings), a-c, b-c

    r = await client.get(base, params={"format": "graphml"}, headers=auth(a))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/graphml+xml")
    graph = nx.parse_graphml(r.text)
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() == 3
    assert graph.nodes[str(a.id)]["label"] == a.display_name

    since = (start + timedelta(hours=12)).isoformat()
    r = await client.get(base, params={"since": since}, headers=auth(a))
    assert r.json()["metrics"]["edge_count"] == 1  # only b-c share two gatherings since then


async def test_new_activity_shows_at_once(client: AsyncClient, session: AsyncSession) -> None:
    world = await World.create(session, 2)
    a, b = world.people
    url = f"{API}/domains/{world.domain.slug}/views/network"
    assert (await client.get(url, headers=auth(a))).json()["metrics"]["edge_count"] == 0
    await world.reply(a, b)
    assert (await client.get(url, headers=auth(a))).json()["metrics"]["edge_count"] == 1


async def test_cross_domain_network(client: AsyncClient, session: AsyncSession) -> None:
    first = await World.create(session, 3, themes=["x"])
    a, b, c = first.people
    second_convenor = await make_person(session)
    second = await make_domain(session, second_convenor)
    hidden = await make_domain(session, second_convenor, visibility="private")
    for person in (a, c):
        await add_member(session, second, person)
    outsider = await make_person(session)
    await add_member(session, hidden, outsider)
    await first.reply(a, b, at=PAST)
    other = World(session, second, second_convenor, [a, c])
    await other.reply(a, c, at=PAST)
    await other.reply(c, a, at=PAST)

    r = await client.get(f"{API}/views/network", headers=auth(a))
    view = r.json()
    assert view["domain"] is None
    assert view["domains"] == sorted([first.domain.slug, second.slug])
    ids = {n["id"] for n in view["nodes"]}
    assert str(outsider.id) not in ids  # a member of a domain a does not belong to
    nodes = {n["id"]: n for n in view["nodes"]}
    assert nodes[str(a.id)]["domains"] == sorted([first.domain.slug, second.slug])
    assert (
        "links_domains"
        in next(x for x in view["brokers"] if x["person_id"] == str(a.id))["reasons"]
    )
    assert view["metrics"]["reciprocity"] == pytest.approx(2 / 3)

    r = await client.get(f"{API}/views/network", params={"layers": "membership"}, headers=auth(a))
    links = r.json()["links"]
    assert [(sorted([x["source"], x["target"]]), x["weight"]) for x in links] == [
        (sorted([str(a.id), str(c.id)]), 2)
    ]
    r = await client.get(
        f"{API}/views/network",
        params={"layers": "membership", "min_shared_domains": 1},
        headers=auth(a),
    )
    # Every pair in the first domain (its convenor, a, b, c) and in the second (its
    # convenor, a, c): 6 + 2 new pairs.
    assert len(r.json()["links"]) == 8
    assert {lw["layer"] for x in r.json()["links"] for lw in x["layers"]} == {Layer.membership}


async def test_rest_writes_the_service_model(client: AsyncClient, session: AsyncSession) -> None:
    """REST writes the plain data the service caches; it is exactly the public model."""
    world, _ = await random_world(session, 3, 6)
    r = await client.get(
        f"{API}/domains/{world.domain.slug}/views/network", headers=auth(world.convenor)
    )
    model = await network.domain_network(
        session, actor_of(world.convenor), world.domain.slug, view_params()
    )
    assert NetworkView.model_validate(r.json()) == model
    assert r.json() == model.model_dump(mode="json")
