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
from the first `graph_parts.PATH_SOURCES` of them), and communities
come from the Louvain method with a fixed seed (greedy merging takes half a minute on
200,000 links).

No I/O here: the parts (`graph_parts`) run in worker processes (see `compute`) and are
combined here."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import igraph as ig

from app.services.views.graph_parts import (
    GraphInput,
    Paths,
    Structure,
    largest_component,
    plan,
    run_parts,
    sample,
)


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
