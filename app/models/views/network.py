"""The network view: people, the links between them by layer, brokers and whole-graph
figures."""

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from app.models.common import described_values
from app.models.views.common import ParticipationLevel, Window


@described_values(
    reply="Replies and answers to the other's contributions (directed).",
    appreciation="Appreciations that thank the other (directed).",
    endorsement="Endorsements of the other's contributions (directed).",
    coattendance="Gatherings both attended, from the minimum asked for (default 2).",
    membership="Domains both are members of, from the minimum asked for (default 2); the "
    "cross-domain view only.",
)
class Layer(StrEnum):
    """A kind of tie between two people in the network."""

    reply = "reply"
    appreciation = "appreciation"
    endorsement = "endorsement"
    coattendance = "coattendance"
    membership = "membership"


DIRECTED_ORDER = (Layer.reply, Layer.appreciation, Layer.endorsement)
DIRECTED_LAYERS = frozenset(DIRECTED_ORDER)
DOMAIN_LAYERS = (Layer.reply, Layer.appreciation, Layer.endorsement, Layer.coattendance)


@described_values(
    highest_betweenness="Among the highest betweenness (three people, or 1% of a large network).",
    lowest_constraint="Among the lowest constraint, of the people with two links or more.",
    links_clusters="Removing them would split the network, and their neighbours sit in two or "
    "more detected communities.",
    links_domains="Their links come from two or more domains (the cross-domain view).",
)
class BrokerReason(StrEnum):
    """Why a person is named a broker."""

    highest_betweenness = "highest_betweenness"
    lowest_constraint = "lowest_constraint"
    links_clusters = "links_clusters"
    links_domains = "links_domains"


class LayerWeight(BaseModel):
    """One layer of a link: the ties of one kind between its two people."""

    layer: Layer = Field(description="The kind of tie.")
    weight: int = Field(
        description="Interactions of this kind, both ways; shared gatherings or domains for "
        "co-attendance and membership."
    )
    source_to_target: int | None = Field(
        description="For directed layers: interactions from `source` to `target`."
    )
    target_to_source: int | None = Field(
        description="For directed layers: interactions from `target` to `source`."
    )


class NetworkNode(BaseModel):
    """A person in the network, with their figures."""

    id: uuid.UUID = Field(description="The person's id.")
    display_name: str = Field(description="Their display name.")
    participation_level: ParticipationLevel | None = Field(
        description="Over the six months before `until`; the highest across domains in the "
        "cross-domain view; null for people who were not members at `until`."
    )
    degree: int = Field(description="People linked to, any layer.")
    in_degree: int = Field(description="People who replied to, appreciated or endorsed them.")
    out_degree: int = Field(description="People they replied to, appreciated or endorsed.")
    weighted_degree: int = Field(description="Interactions and shared gatherings, summed.")
    betweenness: float = Field(description="Normalized betweenness centrality.")
    constraint: float | None = Field(description="Burt's constraint; null without links.")
    effective_size: float | None = Field(description="Burt's effective size; null without links.")
    core_number: int = Field(
        description="The largest k such that they belong to a group in which everyone has at "
        "least k links within the group (their k-core)."
    )
    community: int = Field(description="Index of the detected community (0 is the largest).")
    broker: bool = Field(description="Whether they are among the brokers.")
    domains: list[str] = Field(description="Slugs of the domains they were a member of.")


class NetworkLink(BaseModel):
    """A link between two people: all their ties, whatever the layer."""

    source: uuid.UUID = Field(description="One person's id (the lower of the two).")
    target: uuid.UUID = Field(description="The other person's id.")
    weight: int = Field(description="The weights of its layers, summed.")
    layers: list[LayerWeight] = Field(description="Its ties, one entry per layer.")


class MainCore(BaseModel):
    """The main core: the people of the highest k-core, the most tightly knit group."""

    k: int = Field(description="The highest core number.")
    size: int = Field(description="How many people are in it.")
    members: list[uuid.UUID] = Field(description="Their ids.")


class Bridge(BaseModel):
    """A link whose removal would split the group it is part of."""

    source: uuid.UUID = Field(description="One person's id.")
    target: uuid.UUID = Field(description="The other person's id.")


class Broker(BaseModel):
    """A person who links otherwise separate parts of the network."""

    person_id: uuid.UUID = Field(description="The person's id.")
    display_name: str = Field(description="Their display name.")
    reasons: list[BrokerReason] = Field(description="Why they are named.")
    betweenness: float = Field(description="Their normalized betweenness centrality.")
    constraint: float | None = Field(description="Their Burt's constraint; null without links.")
    communities_linked: int = Field(description="Detected communities among their neighbours.")
    domains_linked: int = Field(description="Domains their links come from.")


class NetworkMetrics(BaseModel):
    """Figures of the whole network, as NetworkX defines them. Shares are from 0 to 1; a
    figure that cannot be computed is null."""

    node_count: int = Field(
        description="People: the members during the window, and anyone tied to them."
    )
    edge_count: int = Field(description="Links in the undirected projection.")
    directed_edge_count: int = Field(
        description="Arcs from replies, appreciations and endorsements."
    )
    density: float = Field(description="Links over the links there could be.")
    transitivity: float = Field(
        description="Share of the connected triples that close into triangles."
    )
    average_clustering: float | None = Field(
        description="The mean of each person's clustering coefficient (0 without links)."
    )
    components: int = Field(description="Connected groups, a person without links counting as one.")
    largest_component_size: int = Field(description="People in the largest connected group.")
    largest_component_share: float | None = Field(
        description="Share of people in the largest connected group."
    )
    isolates: int = Field(description="People without links.")
    isolates_share: float | None = Field(description="Share of people without links.")
    degree_centralization: float | None = Field(
        description="Freeman's degree centralization: 0 when everyone has as many links, 1 for "
        "a star; null below three people."
    )
    degree_assortativity: float | None = Field(
        description="From -1 to 1: whether people link to people with as many links as they "
        "have (positive) or to people with more or fewer (negative)."
    )
    diameter: int | None = Field(
        description="The longest distance between two people of the largest component."
    )
    average_shortest_path_length: float | None = Field(
        description="The mean distance between two people of the largest component."
    )
    global_efficiency: float = Field(
        description="The mean inverse distance between two people (0 for people who are not "
        "connected)."
    )
    main_core: MainCore = Field(description="The most tightly knit group.")
    communities: int = Field(description="Communities detected by maximising modularity.")
    modularity: float | None = Field(
        description="The share of links within the detected communities, less the share "
        "expected at random; null without links."
    )
    bridges: list[Bridge] = Field(description="Links whose removal would split a group.")
    reciprocity: float | None = Field(
        description="Share of the arcs returned (reciprocity of the directed graph)."
    )
    estimated_from_sources: int | None = Field(
        description="Betweenness, path lengths and efficiency are estimated from this many "
        "sampled people (large networks only); null when computed exactly."
    )


class NetworkView(BaseModel):
    """The network aspect: the relationships among participants as people and links, and
    the figures computed on them."""

    domain: str | None = Field(description="The domain's slug; null for the cross-domain view.")
    domains: list[str] = Field(description="Slugs of the domains it covers.")
    window: Window = Field(description="The activity counted: from `since` to `until`.")
    layers: list[Layer] = Field(description="The kinds of tie counted.")
    min_coattendance: int = Field(description="Shared gatherings that make a co-attendance tie.")
    min_shared_domains: int | None = Field(
        description="Shared domains that make a membership tie; null outside the cross-domain view."
    )
    metrics: NetworkMetrics = Field(description="Figures of the whole network.")
    brokers: list[Broker] = Field(
        description="People who link otherwise separate parts, highest betweenness first."
    )
    nodes: list[NetworkNode] = Field(description="The people.")
    links: list[NetworkLink] = Field(description="The links between them.")
