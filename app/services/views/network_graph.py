"""The network built from recorded interactions: its people, the links of the undirected
projection by layer, and the figures computed on it."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.views import DIRECTED_LAYERS, Layer
from app.services.views import cache, compute, interactions
from app.services.views.graph_parts import GraphInput
from app.services.views.graphs import GraphFigures
from app.services.views.levels import LevelTable, level_table_from
from app.services.views.levels import level_queries as level_queries_for
from app.services.views.params import ViewParams

# layer -> [weight, a to b, b to a] for a link (a, b) with a < b
LinkLayers = dict[Layer, list[int]]


@dataclass
class Network:
    """A built network: the people (sorted by id, their index is their node), the links
    of the undirected projection, the figures computed on it, and the participation
    levels at the end of the window."""

    people: list[uuid.UUID]
    members: dict[uuid.UUID, set[uuid.UUID]]
    links: dict[tuple[int, int], LinkLayers]
    data: GraphInput
    figures: GraphFigures
    levels: LevelTable


@dataclass(frozen=True)
class Tuning:
    """Where exact computation gives way to estimates, and where it moves to worker
    processes (tests lower both to check every path)."""

    exact_limit: int = 5000
    sample_size: int = 200
    offload_above: int = compute.OFFLOAD_ABOVE


DEFAULT_TUNING = Tuning()


async def build_network(
    session: AsyncSession,
    domain_ids: Sequence[uuid.UUID],
    params: ViewParams,
    *,
    cross_domain: bool = False,
    with_brokers: bool = True,
    tuning: Tuning = DEFAULT_TUNING,
) -> Network:
    """The network of these domains in the window (cached until new activity). The
    cross-domain network is only ever shaped into its view, which is cached instead."""
    if cross_domain:
        return await _build_network(
            session,
            domain_ids,
            params,
            cross_domain=True,
            with_brokers=with_brokers,
            tuning=tuning,
        )
    key = ("network", tuple(domain_ids), params, cross_domain, with_brokers, tuning)
    return await cache.cached(
        session,
        key,
        domain_ids,
        lambda: _build_network(
            session,
            domain_ids,
            params,
            cross_domain=cross_domain,
            with_brokers=with_brokers,
            tuning=tuning,
        ),
    )


async def _build_network(
    session: AsyncSession,
    domain_ids: Sequence[uuid.UUID],
    params: ViewParams,
    *,
    cross_domain: bool,
    with_brokers: bool,
    tuning: Tuning,
) -> Network:
    tie_queries = interactions.tie_queries(domain_ids, params)
    level_queries = level_queries_for(domain_ids, params.until)
    results = await interactions.gather_rows(
        session,
        [
            interactions.members_during_query(domain_ids, params.since, params.until),
            *level_queries,
            *tie_queries,
        ],
    )
    members = interactions.by_person(results[0])
    levels = level_table_from(params.until, results[1 : 1 + len(level_queries)])
    ties = interactions.ties_from(params, results[1 + len(level_queries) :], members)

    # Plain UUIDs: the driver's own UUID type is not one that JSON writers know.
    people = [
        uuid.UUID(int=p.int)
        for p in sorted(set(members) | {t[0] for t in ties} | {t[1] for t in ties})
    ]
    index = {p: i for i, p in enumerate(people)}
    links: dict[tuple[int, int], LinkLayers] = {}
    totals: dict[tuple[int, int], int] = {}
    arcs: set[tuple[int, int]] = set()
    reached: list[set[uuid.UUID]] = [set() for _ in people] if cross_domain else []
    for a, b, layer, weight, domains in ties:  # hundreds of thousands in the cross view
        i, j = index[a], index[b]
        key, slot = ((i, j), 1) if i < j else ((j, i), 2)
        layers = links.get(key)
        if layers is None:
            layers = links[key] = {}
            totals[key] = 0
        entry = layers.get(layer)
        if entry is None:
            entry = layers[layer] = [0, 0, 0]
        entry[0] += weight
        totals[key] += weight
        if layer in DIRECTED_LAYERS:
            arcs.add((i, j))
            entry[slot] += weight
        if cross_domain:
            reached[i].update(domains)
            reached[j].update(domains)
    edges = sorted(links)
    domains_linked = [len(ds) for ds in reached] if cross_domain else None
    data = GraphInput(
        n=len(people),
        edges=edges,
        weights=[totals[key] for key in edges],
        arcs=sorted(arcs),
        exact_limit=tuning.exact_limit,
        sample_size=tuning.sample_size,
        with_brokers=with_brokers,
        domains_linked=domains_linked,
    )
    figures = await compute.figures(data, offload_above=tuning.offload_above)
    return Network(people, members, links, data, figures, levels)
