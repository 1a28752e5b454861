"""Graph figures, computed with igraph (C) and defined as NetworkX defines them.

NetworkX is the reference: every figure here equals the NetworkX function of the same
name on the same graph (the tests check it to 1e-9). NetworkX itself is too slow for a
dashboard on a community of thousands (betweenness alone takes about 20 s on 2,000 people),
so the algorithms run in igraph and are rescaled to NetworkX's conventions:

- betweenness: NetworkX counts ordered pairs and normalizes by (n-1)(n-2); igraph counts
  unordered pairs, hence the factor 2.
- communities: greedy modularity maximisation (Clauset-Newman-Moore), the algorithm of
  `networkx.community.greedy_modularity_communities`; ties between equal merges may be
  broken differently, so the partition can differ on graphs with symmetric structure, but
  `modularity` is always NetworkX's modularity of the partition reported.
- constraint, effective size, clustering, transitivity, core numbers, assortativity,
  diameter, average shortest path length, global efficiency: the same definitions.

Above `exact_limit` people the exact figures would take minutes, so betweenness, the
average shortest path length, global efficiency and the diameter are estimated from
`sample_size` sampled people (betweenness exactly as NetworkX's
`betweenness_centrality(G, k=sample_size, seed=seed)` samples and scales; path figures
from the first `PATH_SOURCES` of them), and communities
come from the Louvain method with a fixed seed (greedy merging takes half a minute on
200,000 links).

This module does no I/O: its parts run in worker processes (see `compute`)."""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

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


@dataclass
class GraphFigures:
    n: int
    m: int
    arcs: int
    degree: list[int]
    in_degree: list[int]
    out_degree: list[int]
    weighted_degree: list[int]
    betweenness: list[float]
    constraint: list[float | None]
    effective_size: list[float | None]
    core_number: list[int]
    community: list[int]
    density: float
    transitivity: float
    average_clustering: float | None
    components: int
    largest_component: list[int]
    isolates: int
    degree_centralization: float | None
    degree_assortativity: float | None
    diameter: int | None
    average_shortest_path_length: float | None
    global_efficiency: float
    main_core_k: int
    main_core: list[int]
    communities: int
    modularity: float | None
    bridges: list[tuple[int, int]]
    reciprocity: float | None
    sampled: int | None
    between_community_edges: int
    communities_linked: list[int]
    brokers: dict[int, list[str]] = field(default_factory=dict)

    @property
    def largest_component_share(self) -> float | None:
        return len(self.largest_component) / self.n if self.n else None

    @property
    def isolates_share(self) -> float | None:
        return self.isolates / self.n if self.n else None

    @property
    def mean_efficiency(self) -> float | None:
        """Mean of Burt's efficiency (effective size over degree) over linked people."""
        values = [
            e / d for e, d in zip(self.effective_size, self.degree, strict=True) if e is not None
        ]
        return sum(values) / len(values) if values else None

    @property
    def bridging_share(self) -> float | None:
        """Links that join two different detected communities."""
        return self.between_community_edges / self.m if self.m else None


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


# Parts: independent pieces that two worker processes can share out. Betweenness, the
# costliest, splits by source, since the dependencies of different sources add up.


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


def analyse(data: GraphInput) -> GraphFigures:
    """Everything in this process, one part after another."""
    return combine(data, run_parts(data, plan(data, 1)[0]))


def _scale_betweenness(raw: list[float], n: int, chosen: list[int] | None) -> list[float]:
    """igraph's raw values to NetworkX's normalized betweenness (see the module docstring)."""
    if n <= 2:
        return [0.0] * n
    if chosen is None:
        scale = 2 / ((n - 1) * (n - 2))
        return [b * scale for b in raw]
    k = len(chosen)
    picked = set(chosen)
    source_scale = 2 / ((k - 1) * (n - 2)) if k > 1 else 0.0
    other_scale = 2 / (k * (n - 2))
    return [b * (source_scale if v in picked else other_scale) for v, b in enumerate(raw)]


def combine(data: GraphInput, results: Sequence[object]) -> GraphFigures:
    n, m = data.n, len(data.edges)
    raw = [0.0] * n
    paths: Paths | None = None
    structure: Structure | None = None
    for result in results:
        if isinstance(result, Paths):
            paths = result
        elif isinstance(result, Structure):
            structure = result
        elif isinstance(result, list):
            raw = [a + b for a, b in zip(raw, result, strict=True)]
    assert paths is not None and structure is not None
    chosen = sample(data)

    degree = [0] * n
    weighted = [0] * n
    for (a, b), w in zip(data.edges, data.weights, strict=True):
        degree[a] += 1
        degree[b] += 1
        weighted[a] += w
        weighted[b] += w
    in_degree, out_degree = [0] * n, [0] * n
    arcs = set(data.arcs)
    for a, b in arcs:
        out_degree[a] += 1
        in_degree[b] += 1
    reciprocated = sum(1 for a, b in arcs if (b, a) in arcs)

    effective: list[float | None] = []
    for v in range(n):
        k = degree[v]
        if k == 0:
            effective.append(None)
            continue
        among = round(structure.local_clustering[v] * k * (k - 1) / 2)
        effective.append(k - 2 * among / k)

    kmax = max(structure.core, default=0)
    dmax = max(degree, default=0)
    community = structure.community
    figures = GraphFigures(
        n=n,
        m=m,
        arcs=len(arcs),
        degree=degree,
        in_degree=in_degree,
        out_degree=out_degree,
        weighted_degree=weighted,
        betweenness=_scale_betweenness(raw, n, chosen),
        constraint=structure.constraint,
        effective_size=effective,
        core_number=structure.core,
        community=community,
        density=2 * m / (n * (n - 1)) if n > 1 else 0.0,
        transitivity=structure.transitivity,
        average_clustering=sum(structure.local_clustering) / n if n else None,
        components=structure.components,
        largest_component=paths.lcc,
        isolates=sum(1 for d in degree if d == 0),
        degree_centralization=(
            sum(dmax - d for d in degree) / ((n - 1) * (n - 2)) if n > 2 else None
        ),
        degree_assortativity=structure.assortativity,
        diameter=paths.diameter,
        average_shortest_path_length=paths.aspl,
        global_efficiency=paths.efficiency,
        main_core_k=kmax,
        main_core=[v for v in range(n) if structure.core[v] == kmax],
        communities=structure.communities,
        modularity=structure.modularity,
        bridges=structure.bridges,
        reciprocity=reciprocated / len(arcs) if arcs else None,
        sampled=len(chosen) if chosen is not None else None,
        between_community_edges=sum(1 for a, b in data.edges if community[a] != community[b]),
        communities_linked=structure.neighbour_communities,
    )
    if data.with_brokers:
        figures.brokers = brokers(figures, structure.articulation_points, data.domains_linked)
    return figures


def broker_count(n: int) -> int:
    """How many people a ranking names: three, or 1% of a large network (50 at most)."""
    return min(50, max(3, math.ceil(0.01 * n)))


def brokers(
    figures: GraphFigures, articulation_points: list[int], domains_linked: Sequence[int] | None
) -> dict[int, list[str]]:
    """index -> reasons. The highest betweenness (above zero) and the lowest constraint
    (among people with two links or more) each name `broker_count(n)` people; people whose
    removal would disconnect the graph and whose neighbours sit in two or more detected
    communities link otherwise separate clusters; in the cross-domain view, people whose
    links come from two or more domains link domains."""
    n = figures.n
    top = broker_count(n)
    found: dict[int, list[str]] = {}

    def add(v: int, reason: str) -> None:
        found.setdefault(v, []).append(reason)

    by_betweenness = sorted(
        (v for v in range(n) if figures.betweenness[v] > 0),
        key=lambda v: (-figures.betweenness[v], v),
    )
    for v in by_betweenness[:top]:
        add(v, "highest_betweenness")
    constrained = [
        (c, v) for v, c in enumerate(figures.constraint) if figures.degree[v] >= 2 and c is not None
    ]
    for _, v in sorted(constrained)[:top]:
        add(v, "lowest_constraint")
    for v in articulation_points:
        if figures.communities_linked[v] >= 2:
            add(v, "links_clusters")
    if domains_linked is not None:
        for v in range(n):
            if domains_linked[v] >= 2:
                add(v, "links_domains")
    return found


def component_after_removal(
    data: GraphInput, figures: GraphFigures, count: int = 3
) -> tuple[list[int], int]:
    """The `count` highest-betweenness people and the largest component's size without them."""
    ranked = sorted(range(figures.n), key=lambda v: (-figures.betweenness[v], v))[:count]
    removed = set(ranked)
    keep = [v for v in range(figures.n) if v not in removed]
    position = {v: i for i, v in enumerate(keep)}
    edges = [
        (position[a], position[b]) for a, b in data.edges if a not in removed and b not in removed
    ]
    rest = ig.Graph(n=len(keep), edges=edges, directed=False)
    return ranked, len(largest_component(rest))
