"""Network, community and comparison views: what the services return, for REST and GraphQL.

Every figure that cannot be computed (an empty community, a graph without edges) is null,
never NaN: JSON cannot carry NaN, and a zero would claim something that was not measured."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class Layer(StrEnum):
    reply = "reply"
    appreciation = "appreciation"
    endorsement = "endorsement"
    coattendance = "coattendance"
    membership = "membership"


DIRECTED_ORDER = (Layer.reply, Layer.appreciation, Layer.endorsement)
DIRECTED_LAYERS = frozenset(DIRECTED_ORDER)
DOMAIN_LAYERS = (Layer.reply, Layer.appreciation, Layer.endorsement, Layer.coattendance)


class ParticipationLevel(StrEnum):
    core = "core"
    active = "active"
    occasional = "occasional"
    peripheral = "peripheral"


class Quadrant(StrEnum):
    community = "community"
    network = "network"
    both = "both"
    fragmented = "fragmented"


class HistoryInterval(StrEnum):
    month = "month"
    quarter = "quarter"


class BrokerReason(StrEnum):
    highest_betweenness = "highest_betweenness"
    lowest_constraint = "lowest_constraint"
    links_clusters = "links_clusters"
    links_domains = "links_domains"


class Window(BaseModel):
    since: datetime
    until: datetime


# Network view


class LayerWeight(BaseModel):
    layer: Layer
    weight: int
    source_to_target: int | None = Field(
        description="For directed layers: interactions from `source` to `target`"
    )
    target_to_source: int | None = Field(
        description="For directed layers: interactions from `target` to `source`"
    )


class NetworkNode(BaseModel):
    id: uuid.UUID
    display_name: str
    participation_level: ParticipationLevel | None = Field(
        description="Over the six months before `until`; the highest across domains in the "
        "cross-domain view; null for people who were not members at `until`"
    )
    degree: int = Field(description="People linked to, any layer")
    in_degree: int = Field(description="People who replied to, appreciated or endorsed them")
    out_degree: int = Field(description="People they replied to, appreciated or endorsed")
    weighted_degree: int = Field(description="Interactions and shared gatherings, summed")
    betweenness: float = Field(description="Normalized betweenness centrality")
    constraint: float | None = Field(description="Burt's constraint; null without links")
    effective_size: float | None = Field(description="Burt's effective size; null without links")
    core_number: int
    community: int = Field(description="Index of the detected community (0 is the largest)")
    broker: bool
    domains: list[str] = Field(description="Slugs of the domains they were a member of")


class NetworkLink(BaseModel):
    source: uuid.UUID
    target: uuid.UUID
    weight: int
    layers: list[LayerWeight]


class MainCore(BaseModel):
    k: int = Field(description="The highest core number")
    size: int
    members: list[uuid.UUID]


class Bridge(BaseModel):
    source: uuid.UUID
    target: uuid.UUID


class Broker(BaseModel):
    person_id: uuid.UUID
    display_name: str
    reasons: list[BrokerReason]
    betweenness: float
    constraint: float | None
    communities_linked: int = Field(description="Detected communities among their neighbours")
    domains_linked: int = Field(description="Domains their links come from")


class NetworkMetrics(BaseModel):
    node_count: int
    edge_count: int = Field(description="Links in the undirected projection")
    directed_edge_count: int = Field(description="Arcs from replies, appreciations, endorsements")
    density: float
    transitivity: float
    average_clustering: float | None
    components: int
    largest_component_size: int
    largest_component_share: float | None
    isolates: int
    isolates_share: float | None
    degree_centralization: float | None
    degree_assortativity: float | None
    diameter: int | None = Field(description="Of the largest component")
    average_shortest_path_length: float | None = Field(description="Of the largest component")
    global_efficiency: float
    main_core: MainCore
    communities: int
    modularity: float | None
    bridges: list[Bridge]
    reciprocity: float | None = Field(description="Overall reciprocity of the directed graph")
    estimated_from_sources: int | None = Field(
        description="Betweenness, path lengths and efficiency are estimated from this many "
        "sampled people (large networks only); null when computed exactly"
    )


class NetworkView(BaseModel):
    domain: str | None = Field(description="The domain's slug; null for the cross-domain view")
    domains: list[str]
    window: Window
    layers: list[Layer]
    min_coattendance: int
    min_shared_domains: int | None
    metrics: NetworkMetrics
    brokers: list[Broker]
    nodes: list[NetworkNode]
    links: list[NetworkLink]


# Community view


class LabelCount(BaseModel):
    label: str
    count: int


class DomainFacet(BaseModel):
    purpose: str
    themes: list[str]
    topical_items: int = Field(
        description="Contributions (not answers, replies, appreciations) and gatherings"
    )
    topic_focus: float | None = Field(description="1 - normalized Shannon entropy of labels")
    top_labels: list[LabelCount]
    on_theme_share: float | None = Field(description="Contributions on a declared theme")


class LevelCount(BaseModel):
    level: ParticipationLevel
    count: int
    share: float | None
    reference_low: float | None
    reference_high: float | None


class NinetyNineOne(BaseModel):
    """The 90-9-1 rule: about 90% only read, 9% contribute now and then, 1% steadily."""

    no_contribution_share: float | None
    occasional_contributor_share: float | None = Field(description="1 or 2 months")
    steady_contributor_share: float | None = Field(description="3 or more months")
    reference: list[float] = Field(default=[0.9, 0.09, 0.01])


class LevelMove(BaseModel):
    person_id: uuid.UUID
    display_name: str
    previous: ParticipationLevel | None = Field(description="Null: not a member then")
    current: ParticipationLevel | None = Field(description="Null: no longer a member")


class Movement(BaseModel):
    previous_window: Window
    moved_inward: int
    drifted_out: int
    newcomers: int
    left: int
    inward: list[LevelMove]
    outward: list[LevelMove]


class GatheringRhythm(BaseModel):
    held: int
    mean_gap_days: float | None
    gap_cv: float | None = Field(description="Coefficient of variation of the gaps")
    average_attendance: float | None
    attendance_rate: float | None = Field(description="Attendees per gathering / members")
    returning_share: float | None = Field(description="Attendees who came at least twice")


class RetentionCohort(BaseModel):
    month: date
    size: int
    after_1_month: float | None
    after_3_months: float | None
    after_6_months: float | None


class Leadership(BaseModel):
    distinct_hosts: int
    top_host_share: float | None
    distinct_convenors: int
    current_convenors: int


class CommunityFacet(BaseModel):
    members: int = Field(description="Members at the end of the window")
    active_members: int = Field(description="Members who contributed, endorsed or attended")
    level_window: Window
    levels: list[LevelCount]
    no_recorded_activity: int = Field(description="Peripheral members with nothing recorded")
    ninety_nine_one: NinetyNineOne
    movement: Movement
    rhythm: GatheringRhythm
    retention: list[RetentionCohort]
    reciprocity: float | None
    leadership: Leadership
    contributions: int
    contributors: int
    contributor_absence_factor: int | None


class RepertoireMonth(BaseModel):
    month: date
    stories: int
    lessons: int
    resources: int
    practices: int
    total: int
    cumulative: int


class QuestionStats(BaseModel):
    asked: int
    eligible: int = Field(description="Asked at least 30 days before `until`")
    answered_within_30_days: int
    answered_rate: float | None
    answers_per_question: float | None
    median_hours_to_first_answer: float | None
    p90_hours_to_first_answer: float | None


class CycleCount(BaseModel):
    cycle: str
    count: int


class PracticeFacet(BaseModel):
    repertoire: list[RepertoireMonth]
    repertoire_items: int = Field(description="Stories to practices created in the window")
    curated_share: float | None
    reuse_rate: float | None
    questions: QuestionStats
    value_stories: list[CycleCount]


class CommunityView(BaseModel):
    domain: str
    window: Window
    domain_facet: DomainFacet
    community: CommunityFacet
    practice: PracticeFacet


# Comparison


class ScoreComponent(BaseModel):
    name: str
    value: float | None
    meaning: str


class Score(BaseModel):
    value: float | None = Field(description="Mean of the components that could be computed")
    components: list[ScoreComponent]


class HubDependence(BaseModel):
    degree_centralization: float | None
    contributor_absence_factor: int | None
    contributors: int
    removed: list[uuid.UUID] = Field(description="The three highest-betweenness people")
    largest_component_before: int
    largest_component_after: int
    largest_component_shrink: float | None
    hub_dependent: bool
    reasons: list[str]


class Recommendation(BaseModel):
    code: str
    advice: str
    figure: str = Field(description="The figure that triggered it")
    value: float | None
    threshold: float
    source: str


class ComparisonView(BaseModel):
    domain: str
    window: Window
    threshold: float = Field(description="A score at or above this counts as strong")
    network_score: Score
    community_score: Score
    quadrant: Quadrant | None
    hub_dependence: HubDependence
    recommendations: list[Recommendation]


class ComparisonPoint(BaseModel):
    since: datetime
    until: datetime
    network_score: Score
    community_score: Score
    quadrant: Quadrant | None


class ComparisonHistory(BaseModel):
    domain: str
    interval: HistoryInterval
    window: Window
    points: list[ComparisonPoint]
