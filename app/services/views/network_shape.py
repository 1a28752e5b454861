"""The network as plain data in the shape of `NetworkView`, and as GraphML."""

from collections.abc import Sequence
from typing import Any

import networkx as nx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.views import (
    DIRECTED_LAYERS,
    Bridge,
    Layer,
    MainCore,
    NetworkMetrics,
)
from app.services.views import interactions
from app.services.views.network_graph import Network
from app.services.views.params import ViewParams

LAYER_ORDER = {layer: i for i, layer in enumerate(Layer)}


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
    several times faster than as models (see `network.view_data` and `network.as_model`)."""
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
