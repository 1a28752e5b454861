"""The network view: the relationships among participants as nodes and links.

Who may see it: the network names people and who interacts with whom, so like a domain's
member list it is for the domain's active members (and platform admins and API keys);
anyone else who may see a public domain gets 403, and a domain they may not see is 404.
The cross-domain view covers the (not archived) domains the caller is an active member of;
platform admins and API keys see all of them."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.views import (
    DIRECTED_LAYERS,
    Bridge,
    Layer,
    MainCore,
    NetworkMetrics,
    NetworkView,
)
from app.services.access import domain_access, member_readable_domain_ids
from app.services.actors import Actor
from app.services.views import cache, compute, interactions
from app.services.views.graphs import GraphFigures, GraphInput
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
LAYER_ORDER = {layer: i for i, layer in enumerate(Layer)}


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


def _metrics(network: Network) -> NetworkMetrics:
    f, people = network.figures, network.people
    return NetworkMetrics(
        node_count=f.n,
        edge_count=f.m,
        directed_edge_count=f.arcs,
        density=f.density,
        transitivity=f.transitivity,
        average_clustering=f.average_clustering,
        components=f.components,
        largest_component_size=len(f.largest_component),
        largest_component_share=f.largest_component_share,
        isolates=f.isolates,
        isolates_share=f.isolates_share,
        degree_centralization=f.degree_centralization,
        degree_assortativity=f.degree_assortativity,
        diameter=f.diameter,
        average_shortest_path_length=f.average_shortest_path_length,
        global_efficiency=f.global_efficiency,
        main_core=MainCore(
            k=f.main_core_k, size=len(f.main_core), members=[people[v] for v in f.main_core]
        ),
        communities=f.communities,
        modularity=f.modularity,
        bridges=[Bridge(source=people[a], target=people[b]) for a, b in f.bridges],
        reciprocity=f.reciprocity,
        estimated_from_sources=f.sampled,
    )


def _link(network: Network, key: tuple[int, int], weight: int) -> dict[str, Any]:
    layers = network.links[key]
    ordered = layers.items() if len(layers) == 1 else sorted(layers.items(), key=_layer_order)
    return {
        "source": network.people[key[0]],
        "target": network.people[key[1]],
        "weight": weight,
        "layers": [
            {
                "layer": layer,
                "weight": e[0],
                "source_to_target": e[1] if layer in DIRECTED_LAYERS else None,
                "target_to_source": e[2] if layer in DIRECTED_LAYERS else None,
            }
            for layer, e in ordered
        ],
    }


def _layer_order(item: tuple[Layer, list[int]]) -> int:
    return LAYER_ORDER[item[0]]


async def shape_data(
    session: AsyncSession,
    network: Network,
    domains: Sequence[Domain],
    params: ViewParams,
    *,
    cross_domain: bool,
) -> dict[str, Any]:
    """The view as plain data, in the shape of `NetworkView`. A cross-domain network has
    hundreds of thousands of links: as dicts they are built, cached and written as JSON
    several times faster than as models (see `view_data` and `as_model`)."""
    f, people = network.figures, network.people
    names = await interactions.display_names(session, people)
    slugs = {d.id: d.slug for d in domains}
    nodes = [
        {
            "id": p,
            "display_name": names.get(p, ""),
            "participation_level": network.levels.highest(p),
            "degree": f.degree[v],
            "in_degree": f.in_degree[v],
            "out_degree": f.out_degree[v],
            "weighted_degree": f.weighted_degree[v],
            "betweenness": f.betweenness[v],
            "constraint": f.constraint[v],
            "effective_size": f.effective_size[v],
            "core_number": f.core_number[v],
            "community": f.community[v],
            "broker": v in f.brokers,
            "domains": sorted(slugs[d] for d in network.members.get(p, ()) if d in slugs),
        }
        for v, p in enumerate(people)
    ]
    brokers = [
        {
            "person_id": people[v],
            "display_name": names.get(people[v], ""),
            "reasons": reasons,
            "betweenness": f.betweenness[v],
            "constraint": f.constraint[v],
            "communities_linked": f.communities_linked[v],
            "domains_linked": network.data.domains_linked[v] if network.data.domains_linked else 1,
        }
        for v, reasons in sorted(f.brokers.items(), key=lambda i: (-f.betweenness[i[0]], i[0]))
    ]
    return {
        "domain": None if cross_domain else domains[0].slug,
        "domains": sorted(slugs.values()),
        "window": {"since": params.since, "until": params.until},
        "layers": [layer.value for layer in params.layers],
        "min_coattendance": params.min_coattendance,
        "min_shared_domains": params.min_shared_domains if cross_domain else None,
        "metrics": _metrics(network).model_dump(),
        "brokers": brokers,
        "nodes": nodes,
        "links": [
            _link(network, key, weight)
            for key, weight in zip(network.data.edges, network.data.weights, strict=True)
        ],
    }


async def member_domain(session: AsyncSession, actor: Actor, slug: str) -> Domain:
    """The domain, if the caller may read its members (404 if hidden, else 403)."""
    access = await domain_access(session, actor, slug)
    access.require_read_members()
    return access.domain


async def readable_domains(session: AsyncSession, actor: Actor) -> list[Domain]:
    actor.require_authenticated()
    stmt = select(Domain).where(col(Domain.archived_at).is_(None))
    if not actor.can_read_all:
        stmt = stmt.where(col(Domain.id).in_(member_readable_domain_ids(actor)))
    return list(await session.exec(stmt.order_by(col(Domain.slug))))


async def domain_network_data(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: ViewParams,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> dict[str, Any]:
    """A domain's network as plain data (what REST writes); `domain_network` as a model."""
    domain = await member_domain(session, actor, slug)
    return await view_data(session, [domain], params, cross_domain=False, tuning=tuning)


async def cross_domain_network_data(
    session: AsyncSession, actor: Actor, params: ViewParams, *, tuning: Tuning = DEFAULT_TUNING
) -> dict[str, Any]:
    domains = await readable_domains(session, actor)
    return await view_data(session, domains, params, cross_domain=True, tuning=tuning)


async def domain_network_graphml(
    session: AsyncSession, actor: Actor, slug: str, params: ViewParams
) -> str:
    domain = await member_domain(session, actor, slug)
    return await graphml_data(session, [domain], params, cross_domain=False)


async def cross_domain_network_graphml(
    session: AsyncSession, actor: Actor, params: ViewParams
) -> str:
    domains = await readable_domains(session, actor)
    return await graphml_data(session, domains, params, cross_domain=True)


async def graphml_data(
    session: AsyncSession, domains: Sequence[Domain], params: ViewParams, *, cross_domain: bool
) -> str:
    """GraphML takes as long to write as the network takes to compute: cached as well."""
    ids = [d.id for d in domains]

    async def build() -> str:
        data = await view_data(
            session, domains, params, cross_domain=cross_domain, tuning=DEFAULT_TUNING
        )
        return graphml(data)

    key = ("graphml", tuple(ids), params, cross_domain)
    return await cache.cached(session, key, ids, build)


async def domain_network(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: ViewParams,
    *,
    tuning: Tuning = DEFAULT_TUNING,
) -> NetworkView:
    return as_model(await domain_network_data(session, actor, slug, params, tuning=tuning))


async def cross_domain_network(
    session: AsyncSession, actor: Actor, params: ViewParams, *, tuning: Tuning = DEFAULT_TUNING
) -> NetworkView:
    return as_model(await cross_domain_network_data(session, actor, params, tuning=tuning))


def as_model(data: dict[str, Any]) -> NetworkView:
    return NetworkView.model_validate(data)


async def view_data(
    session: AsyncSession,
    domains: Sequence[Domain],
    params: ViewParams,
    *,
    cross_domain: bool,
    tuning: Tuning,
) -> dict[str, Any]:
    """Cached until new activity; callers must not change what they get."""
    ids = [d.id for d in domains]

    async def build() -> dict[str, Any]:
        network = await build_network(
            session, ids, params, cross_domain=cross_domain, tuning=tuning
        )
        return await shape_data(session, network, domains, params, cross_domain=cross_domain)

    key = ("network-view", tuple(ids), params, cross_domain, tuning)
    return await cache.cached(session, key, ids, build)


def graphml(view: dict[str, Any]) -> str:
    """GraphML for Gephi and friends; absent figures are left out rather than written."""
    graph = nx.Graph()
    for node in view["nodes"]:
        attributes = {
            "label": node["display_name"],
            "domains": ",".join(node["domains"]),
            **{key: node[key] for key in GRAPHML_FIGURES},
        }
        graph.add_node(
            str(node["id"]),
            **{
                key: str(value) if key == "participation_level" else value
                for key, value in attributes.items()
                if value is not None
            },
        )
    for link in view["links"]:
        graph.add_edge(
            str(link["source"]),
            str(link["target"]),
            weight=link["weight"],
            layers=",".join(str(layer["layer"]) for layer in link["layers"]),
        )
    return "\n".join(nx.generate_graphml(graph))


GRAPHML_FIGURES = (
    "participation_level",
    "degree",
    "in_degree",
    "out_degree",
    "weighted_degree",
    "betweenness",
    "constraint",
    "effective_size",
    "core_number",
    "community",
    "broker",
)
