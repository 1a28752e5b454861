"""The parts of the graph figures: independent pieces, computed with igraph on a
`GraphInput`, that two worker processes can share out. Betweenness, the costliest, splits
by source, since the dependencies of different sources add up; the paths and the structure
run beside it. Each follows NetworkX's definitions (see `graphs`, which combines them).

This module does no I/O: its parts run in worker processes (see `compute`)."""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import igraph as ig

Part = tuple[str, list[int] | None]

# Mean distances and efficiency settle with far fewer sources than betweenness needs.
PATH_SOURCES = 100


@dataclass(frozen=True)
class GraphInput:
    n: int
    edges: Sequence[tuple[int, int]]  # undirected, simple, i < j
    weights: Sequence[int]
    arcs: Sequence[tuple[int, int]]  # directed, unique, no self-loops
    exact_limit: int = 5000
    sample_size: int = 200
    seed: int = 0
    with_brokers: bool = True  # and betweenness: False leaves it at zero
    domains_linked: Sequence[int] | None = None


def _finite(value: float | None) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return float(value)


def _graph(data: GraphInput) -> ig.Graph:
    return ig.Graph(n=data.n, edges=list(data.edges), directed=False)


def largest_component(graph: ig.Graph) -> list[int]:
    """The largest component; among equal sizes, the one holding the lowest index."""
    if graph.vcount() == 0:
        return []
    parts = graph.connected_components()
    best = max(parts, key=lambda part: (len(part), -min(part)))
    return sorted(best)


def sample(data: GraphInput) -> list[int] | None:
    """The sampled sources (as NetworkX's `k` and `seed` pick them), or None when exact."""
    if data.n <= data.exact_limit:
        return None
    return random.Random(data.seed).sample(range(data.n), min(data.sample_size, data.n))


def part_betweenness(data: GraphInput, sources: list[int]) -> list[float]:
    """Raw igraph betweenness over the shortest paths from `sources`."""
    if not sources or data.n <= 2:
        return [0.0] * data.n
    return list(_graph(data).betweenness(directed=False, sources=sources))


@dataclass
class Paths:
    lcc: list[int]
    diameter: int | None
    aspl: float | None
    efficiency: float


def part_paths(data: GraphInput) -> Paths:
    graph = _graph(data)
    lcc = largest_component(graph)
    if data.n == 0:
        return Paths(lcc, None, None, 0.0)
    chosen = sample(data)
    if chosen is None:
        return _exact_paths(graph, lcc)
    return _sampled_paths(graph, lcc, chosen[:PATH_SOURCES])


def _exact_paths(graph: ig.Graph, lcc: list[int]) -> Paths:
    """Diameter and average shortest path length of the largest component, and global
    efficiency of the whole graph, from one all-pairs breadth-first pass."""
    n = graph.vcount()
    inside = set(lcc)
    rest = [v for v in range(n) if v not in inside]
    hist = graph.induced_subgraph(lcc).path_length_hist(directed=False)
    bins = [(int(lo), count) for lo, _, count in hist.bins() if count]
    pairs = sum(count for _, count in bins)
    diameter = max((d for d, _ in bins), default=0)
    aspl = sum(d * count for d, count in bins) / pairs if pairs else 0.0
    inverse = sum(count / d for d, count in bins)
    if rest:
        rest_hist = graph.induced_subgraph(rest).path_length_hist(directed=False)
        inverse += sum(count / int(lo) for lo, _, count in rest_hist.bins() if count)
    efficiency = 2 * inverse / (n * (n - 1)) if n > 1 else 0.0
    return Paths(lcc, diameter, aspl, efficiency)


def _sampled_paths(graph: ig.Graph, lcc: list[int], sources: list[int]) -> Paths:
    """Estimates from the sampled sources: the mean distance in the largest component, the
    mean harmonic centrality (global efficiency), and for the diameter the largest
    eccentricity found, sharpened by a double sweep from the farthest person."""
    harmonic = graph.harmonic_centrality(vertices=sources, mode="all", normalized=True)
    efficiency = sum(harmonic) / len(sources)
    if len(lcc) <= 1:
        return Paths(lcc, 0, 0.0, efficiency)
    sub = graph.induced_subgraph(lcc)
    position = {v: i for i, v in enumerate(lcc)}
    inside = [position[s] for s in sources if s in position] or [0]
    closeness = sub.closeness(vertices=inside, mode="all")
    aspl = sum(1 / c for c in closeness) / len(inside)
    eccentricity = sub.eccentricity(vertices=inside)
    far = inside[max(range(len(inside)), key=lambda i: eccentricity[i])]
    diameter = int(max(eccentricity))
    for _ in range(2):
        dist = sub.distances(source=[far])[0]
        far = max(range(len(dist)), key=dist.__getitem__)
        diameter = max(diameter, int(dist[far]))
    return Paths(lcc, diameter, aspl, efficiency)


@dataclass
class Structure:
    components: int
    local_clustering: list[float]
    transitivity: float
    constraint: list[float | None]
    core: list[int]
    community: list[int]
    communities: int
    modularity: float | None
    assortativity: float | None
    bridges: list[tuple[int, int]]
    articulation_points: list[int]
    neighbour_communities: list[int]


def _communities(
    graph: ig.Graph, *, louvain: bool, seed: int
) -> tuple[list[int], int, float | None]:
    """Communities indexed by size (0 the largest), then by lowest member."""
    n = graph.vcount()
    if graph.ecount() == 0:
        return list(range(n)), n, None
    if louvain:
        ig.set_random_number_generator(random.Random(seed))
        try:
            membership = graph.community_multilevel().membership
        finally:
            ig.set_random_number_generator(random)
    else:
        membership = graph.community_fastgreedy().as_clustering().membership
    groups: dict[int, list[int]] = {}
    for v, c in enumerate(membership):
        groups.setdefault(c, []).append(v)
    order = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
    index = [0] * n
    for i, members in enumerate(order):
        for v in members:
            index[v] = i
    return index, len(order), _finite(graph.modularity(index))


def part_structure(data: GraphInput) -> Structure:
    graph = _graph(data)
    if data.n == 0:
        return Structure(0, [], 0.0, [], [], [], 0, None, None, [], [], [])
    community, count, modularity = _communities(
        graph, louvain=data.n > data.exact_limit, seed=data.seed
    )
    bridges = sorted((min(t), max(t)) for t in (graph.es[e].tuple for e in graph.bridges()))
    return Structure(
        components=len(graph.connected_components()),
        local_clustering=graph.transitivity_local_undirected(mode="zero"),
        transitivity=_finite(graph.transitivity_undirected()) or 0.0,
        constraint=[_finite(c) for c in graph.constraint()],
        core=graph.coreness(),
        community=community,
        communities=count,
        modularity=modularity,
        assortativity=_finite(graph.assortativity_degree(directed=False)) if data.edges else None,
        bridges=bridges,
        articulation_points=sorted(graph.articulation_points()),
        neighbour_communities=[len({community[u] for u in near}) for near in graph.get_adjlist()],
    )


def run_parts(data: GraphInput, parts: list[Part]) -> list[object]:
    """What one worker does: the named parts, in order."""
    results: list[object] = []
    for name, sources in parts:
        if name == "betweenness":
            results.append(part_betweenness(data, sources or []))
        elif name == "paths":
            results.append(part_paths(data))
        else:
            results.append(part_structure(data))
    return results


def plan(data: GraphInput, workers: int) -> list[list[Part]]:
    """The parts for each worker: betweenness sources dealt out, paths and structure beside."""
    chosen = sample(data)
    sources = chosen if chosen is not None else list(range(data.n))
    if not data.with_brokers:  # no betweenness either: the scores do not need it
        if workers <= 1:
            return [[("paths", None), ("structure", None)]]
        return [[("paths", None)], [("structure", None)]]
    if workers <= 1:
        return [[("betweenness", sources), ("paths", None), ("structure", None)]]
    if chosen is not None:  # sampled: the paths are cheap, betweenness is half the work
        return [[("betweenness", sources)], [("paths", None), ("structure", None)]]
    return [
        [("betweenness", sources[0::2]), ("paths", None)],
        [("betweenness", sources[1::2]), ("structure", None)],
    ]
