"""The community view: a domain as a community of practice, in its domain, community and
practice facets."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from app.models.views.common import ParticipationLevel, Window


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
