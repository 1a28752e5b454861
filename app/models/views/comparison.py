"""The comparison: the network and community scores side by side, hub dependence,
recommendations, and the scores over time."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from app.models.common import described_values
from app.models.views.common import Window


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
    """Advice written for the people who act on it: what was measured, why it matters for
    a community of practice, what to try, and where the advice comes from."""

    code: str = Field(description="The advice, as a stable code.")
    measured: str = Field(
        description="What was measured, in plain words, with its value and the line it crossed."
    )
    why: str = Field(description="Why it matters for a community of practice.")
    advice: str = Field(description="What to try.")
    figure: str = Field(description="The figure that triggered it.")
    value: float | None = Field(description="The figure's value.")
    threshold: float = Field(description="The threshold it crossed.")
    source: str = Field(
        description="Where the advice comes from: the source text's title and the part of it."
    )


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
