"""Network, community and comparison views: what the services return, for REST and GraphQL.

Every figure that cannot be computed (an empty community, a graph without edges) is null,
never NaN: JSON cannot carry NaN, and a zero would claim something that was not measured."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from app.models.common import described_values


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
    core="Contributed in at least 5 of the 6 months, and attended at least 75% of the "
    "gatherings held or hosted one.",
    active="Contributed in at least 3 of the 6 months, or attended at least half of the "
    "gatherings held.",
    occasional="Contributed in 1 or 2 of the 6 months.",
    peripheral="Only attends or reads, or nothing is recorded.",
)
class ParticipationLevel(StrEnum):
    """A member's level of participation, computed from their activity in the six 30-day
    months before the end of the window, never assigned (Wenger, McDermott and Snyder)."""

    core = "core"
    active = "active"
    occasional = "occasional"
    peripheral = "peripheral"


@described_values(
    community="A strong community, a weak network.",
    network="A strong network, a weak community.",
    both="Both strong.",
    fragmented="Both weak.",
)
class Quadrant(StrEnum):
    """Which way a domain leans: its network and community scores, each strong at 0.5 or
    more."""

    community = "community"
    network = "network"
    both = "both"
    fragmented = "fragmented"


@described_values(month="A point per calendar month.", quarter="A point per calendar quarter.")
class HistoryInterval(StrEnum):
    """The spacing of the points of a history (UTC)."""

    month = "month"
    quarter = "quarter"


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


class Window(BaseModel):
    """A span of time, in whole UTC hours."""

    since: datetime = Field(description="Its start (included).")
    until: datetime = Field(description="Its end (excluded).")


# Network view


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


# Community view


class LabelCount(BaseModel):
    """How often a label (a tag, a theme, a gathering's theme) was used."""

    label: str = Field(description="The label, lowercase.")
    count: int = Field(description="Contributions and gatherings that carry it.")


class DomainFacet(BaseModel):
    """The domain: what the community is about, and how focused on it."""

    purpose: str = Field(description="The domain's purpose.")
    themes: list[str] = Field(description="The domain's declared themes.")
    topical_items: int = Field(
        description="Contributions (not answers, replies or appreciations) and gatherings in "
        "the window."
    )
    topic_focus: float | None = Field(
        description="1 - normalized Shannon entropy of labels: 1 when everything carries one "
        "label, 0 when labels are used evenly; null when nothing carries one."
    )
    top_labels: list[LabelCount] = Field(description="The ten most used labels, most used first.")
    on_theme_share: float | None = Field(
        description="Share of the topical contributions on a declared theme."
    )


class LevelCount(BaseModel):
    """How many members are at a level of participation."""

    level: ParticipationLevel = Field(description="The level.")
    count: int = Field(description="Members at it.")
    share: float | None = Field(description="Their share of the members; null without members.")
    reference_low: float | None = Field(
        description="The lowest share the literature expects at this level; null where it "
        "names none."
    )
    reference_high: float | None = Field(
        description="The highest share the literature expects at this level; null where it "
        "names none."
    )


class NinetyNineOne(BaseModel):
    """The 90-9-1 rule: about 90% only read, 9% contribute now and then, 1% steadily."""

    no_contribution_share: float | None = Field(
        description="Share of members who contributed in none of the six months."
    )
    occasional_contributor_share: float | None = Field(
        description="Share of members who contributed in 1 or 2 of the six months."
    )
    steady_contributor_share: float | None = Field(
        description="Share of members who contributed in 3 or more of the six months."
    )
    reference: list[float] = Field(
        default=[0.9, 0.09, 0.01],
        description="The rule's shares: no, occasional and steady contributors.",
    )


class LevelMove(BaseModel):
    """A member whose level of participation changed."""

    person_id: uuid.UUID = Field(description="The person's id.")
    display_name: str = Field(description="Their display name.")
    previous: ParticipationLevel | None = Field(
        description="Their level at the end of the previous window; null: not a member then."
    )
    current: ParticipationLevel | None = Field(
        description="Their level now; null: no longer a member."
    )


class Movement(BaseModel):
    """How members moved between levels of participation since the six months before."""

    previous_window: Window = Field(description="The six months the levels are compared with.")
    moved_inward: int = Field(description="Members whose level rose.")
    drifted_out: int = Field(description="Members whose level fell, or who are members no more.")
    newcomers: int = Field(description="Members who were not members then.")
    left: int = Field(description="People who were members then and are no more.")
    inward: list[LevelMove] = Field(description="The members whose level rose.")
    outward: list[LevelMove] = Field(
        description="The members whose level fell, and who are members no more."
    )


class GatheringRhythm(BaseModel):
    """How regularly the community gathers, and who comes."""

    held: int = Field(description="Gatherings held in the window (started, not cancelled).")
    mean_gap_days: float | None = Field(
        description="Mean days between one gathering and the next; null below two."
    )
    gap_cv: float | None = Field(
        description="Coefficient of variation of the gaps (0: perfectly regular); null below "
        "two gatherings."
    )
    average_attendance: float | None = Field(
        description="Mean attendees per gathering; null without gatherings."
    )
    attendance_rate: float | None = Field(
        description="Mean attendees per gathering over the members."
    )
    returning_share: float | None = Field(
        description="Share of the attendees who came at least twice."
    )


class RetentionCohort(BaseModel):
    """The people whose first recorded activity fell in a month, and how many were active
    again later. Each share is null until its month is over."""

    month: date = Field(description="The month (UTC) of their first activity.")
    size: int = Field(description="How many people.")
    after_1_month: float | None = Field(description="Share active again one month later.")
    after_3_months: float | None = Field(description="Share active again three months later.")
    after_6_months: float | None = Field(description="Share active again six months later.")


class Leadership(BaseModel):
    """Whether leadership is shared: who hosts and who convenes."""

    distinct_hosts: int = Field(description="People who hosted a gathering held in the window.")
    top_host_share: float | None = Field(
        description="Share of the gatherings hosted by the most frequent host; null without "
        "gatherings."
    )
    distinct_convenors: int = Field(
        description="People who were convenors at some time in the window."
    )
    current_convenors: int = Field(description="Convenors at the end of the window.")


class CommunityFacet(BaseModel):
    """The community: who takes part, how regularly, and who leads."""

    members: int = Field(description="Members at the end of the window.")
    active_members: int = Field(
        description="Members who contributed, endorsed or attended in the window."
    )
    level_window: Window = Field(description="The six months the levels are computed over.")
    levels: list[LevelCount] = Field(description="Members at each level of participation.")
    no_recorded_activity: int = Field(description="Peripheral members with nothing recorded.")
    ninety_nine_one: NinetyNineOne = Field(description="The members against the 90-9-1 rule.")
    movement: Movement = Field(description="How members moved between levels.")
    rhythm: GatheringRhythm = Field(description="How regularly the community gathers.")
    retention: list[RetentionCohort] = Field(
        description="Cohorts by the month of their first activity, one per month of the window."
    )
    reciprocity: float | None = Field(
        description="Share of the directed ties (replies, appreciations, endorsements) that "
        "were returned; null without any."
    )
    leadership: Leadership = Field(description="Whether leadership is shared.")
    contributions: int = Field(description="Contributions made in the window.")
    contributors: int = Field(description="People who made them.")
    contributor_absence_factor: int | None = Field(
        description="The fewest people who together made at least half of the contributions; "
        "null without any."
    )


class RepertoireMonth(BaseModel):
    """How the repertoire grew in a calendar month (UTC)."""

    month: date = Field(description="The month.")
    stories: int = Field(description="Stories created in it.")
    lessons: int = Field(description="Lessons created in it.")
    resources: int = Field(description="Resources created in it.")
    practices: int = Field(description="Practices created in it.")
    total: int = Field(description="The four kinds together.")
    cumulative: int = Field(description="The four kinds ever created, up to the month's end.")


class QuestionStats(BaseModel):
    """How questions get answered: answered means by someone other than the asker, within
    30 days."""

    asked: int = Field(description="Questions asked in the window.")
    eligible: int = Field(
        description="Questions asked at least 30 days before `until`: those that can be judged."
    )
    answered_within_30_days: int = Field(description="Eligible questions that were answered.")
    answered_rate: float | None = Field(
        description="Answered over eligible questions; null without eligible questions."
    )
    answers_per_question: float | None = Field(
        description="Mean answers per question asked; null without questions."
    )
    median_hours_to_first_answer: float | None = Field(
        description="Median hours until someone else first answered; null if no one did."
    )
    p90_hours_to_first_answer: float | None = Field(
        description="The 90th percentile of the same hours; null if no one answered."
    )


class CycleCount(BaseModel):
    """How many value stories record a cycle of value."""

    cycle: str = Field(description="The cycle of value.")
    count: int = Field(description="Stories recorded in the window.")


class PracticeFacet(BaseModel):
    """The practice: the shared repertoire the community builds, and how it is reused."""

    repertoire: list[RepertoireMonth] = Field(description="Its growth, month by month.")
    repertoire_items: int = Field(
        description="Stories, lessons, resources, successes, challenges and practices created "
        "in the window."
    )
    curated_share: float | None = Field(description="Share of them curated; null without any.")
    reuse_rate: float | None = Field(
        description="Share of them applied by someone other than their author; null without any."
    )
    questions: QuestionStats = Field(description="How questions get answered.")
    value_stories: list[CycleCount] = Field(
        description="Value stories recorded in the window, per cycle of value."
    )


class CommunityView(BaseModel):
    """The community aspect: a domain as a community of practice, in its three
    characteristics (domain, community, practice)."""

    domain: str = Field(description="The domain's slug.")
    window: Window = Field(description="The activity counted: from `since` to `until`.")
    domain_facet: DomainFacet = Field(description="What the community is about.")
    community: CommunityFacet = Field(description="Who takes part, and how.")
    practice: PracticeFacet = Field(description="What the community builds.")


# Comparison


class ScoreComponent(BaseModel):
    """A part of a score."""

    name: str = Field(description="What it measures, as a stable code.")
    value: float | None = Field(
        description="Its value, from 0 to 1; null when it cannot be computed."
    )
    meaning: str = Field(description="What it measures, in words.")


class Score(BaseModel):
    """A score from 0 to 1, with its parts."""

    value: float | None = Field(
        description="Mean of the components that could be computed; null if none could."
    )
    components: list[ScoreComponent] = Field(description="Its parts.")


class HubDependence(BaseModel):
    """Whether the community depends on a few people."""

    degree_centralization: float | None = Field(
        description="The network's degree centralization; null below three people."
    )
    contributor_absence_factor: int | None = Field(
        description="The fewest people who together made at least half of the contributions; "
        "null without any."
    )
    contributors: int = Field(description="People who contributed in the window.")
    removed: list[uuid.UUID] = Field(description="The three people of the highest betweenness.")
    largest_component_before: int = Field(description="People in the largest connected group.")
    largest_component_after: int = Field(
        description="People in the largest connected group without the three removed."
    )
    largest_component_shrink: float | None = Field(
        description="How much the largest connected group shrinks without them, from 0 to 1; "
        "null for an empty network."
    )
    hub_dependent: bool = Field(description="Whether any of the reasons applies.")
    reasons: list[str] = Field(
        description="The figures that show it: degree_centralization (0.5 or more), "
        "contributor_absence_factor (2 or fewer, of 5 contributors or more), "
        "largest_component_shrink (by more than a fifth), top_host_share (0.75 or more, of 3 "
        "gatherings or more)."
    )


class Recommendation(BaseModel):
    """Advice for the convenors, from the source texts, and the figure that called for it."""

    code: str = Field(description="The advice, as a stable code.")
    advice: str = Field(description="What to do.")
    figure: str = Field(description="The figure that triggered it.")
    value: float | None = Field(description="The figure's value.")
    threshold: float = Field(description="The threshold it crossed.")
    source: str = Field(description="The source text the advice comes from.")


class ComparisonView(BaseModel):
    """The network and the community side by side, each scored from 0 to 1, never merged:
    the network score measures reach and flow, the community score persistence and shared
    ownership."""

    domain: str = Field(description="The domain's slug.")
    window: Window = Field(description="The activity counted: from `since` to `until`.")
    threshold: float = Field(description="A score at or above this counts as strong.")
    network_score: Score = Field(description="Reach and flow.")
    community_score: Score = Field(description="Persistence and shared ownership.")
    quadrant: Quadrant | None = Field(
        description="Which way the domain leans; null when a score cannot be computed."
    )
    hub_dependence: HubDependence = Field(description="Whether it depends on a few people.")
    recommendations: list[Recommendation] = Field(description="What the convenors could do.")


class ComparisonPoint(BaseModel):
    """Both scores for one window of a history."""

    since: datetime = Field(description="The start of this point's window.")
    until: datetime = Field(description="The end of this point's window.")
    network_score: Score = Field(description="Reach and flow.")
    community_score: Score = Field(description="Persistence and shared ownership.")
    quadrant: Quadrant | None = Field(
        description="Which way the domain leaned; null when a score cannot be computed."
    )


class ComparisonHistory(BaseModel):
    """The network and community scores over time, a point per month or quarter."""

    domain: str = Field(description="The domain's slug.")
    interval: HistoryInterval = Field(description="The spacing of the points.")
    window: Window = Field(description="The whole span of the points.")
    points: list[ComparisonPoint] = Field(description="The points, oldest first.")
