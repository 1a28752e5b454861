"""The values contributions, endorsements, reports and moderation take, each described."""

from enum import StrEnum

from app.models.common import described_values


@described_values(
    story="An experience from practice, told as it happened.",
    lesson="A lesson learned.",
    question="A request for help or information; answers answer it.",
    answer="An answer to a question (its parent).",
    resource="A resource or tool, with its link.",
    success="A success worth celebrating.",
    challenge="A challenge met in practice.",
    appreciation="Thanks to members by name (its recipients).",
    practice="A way of addressing a recurring problem.",
    reply="A reply to another contribution (its parent).",
)
class ContributionKind(StrEnum):
    """What a contribution to the shared repertoire is."""

    story = "story"
    lesson = "lesson"
    question = "question"
    answer = "answer"
    resource = "resource"
    success = "success"
    challenge = "challenge"
    appreciation = "appreciation"
    practice = "practice"
    reply = "reply"


UNTITLED_KINDS = {ContributionKind.answer, ContributionKind.reply}


@described_values(
    draft="Only its author sees it, until it is published.",
    published="Members of the domain read it.",
    archived="Kept and readable, but no longer listed, changed, answered or replied to.",
)
class ContributionStatus(StrEnum):
    """Where a contribution stands: a draft, published, or archived."""

    draft = "draft"
    published = "published"
    archived = "archived"


@described_values(helpful="It helped me.", applied="I applied it in my own practice.")
class EndorsementKind(StrEnum):
    """What an endorsement of a contribution says."""

    helpful = "helpful"
    applied = "applied"


@described_values(
    immediate="An activity was useful in itself.",
    potential="It built knowledge capital: skills, relationships, resources, reputation.",
    applied="A practice was changed using it.",
    realized="A measurable outcome followed.",
    reframing="Goals or criteria of success were redefined.",
)
class ValueCycle(StrEnum):
    """A cycle of value creation (Wenger, Trayner and de Laat, 2011)."""

    immediate = "immediate"
    potential = "potential"
    applied = "applied"
    realized = "realized"
    reframing = "reframing"


@described_values(
    open="Waiting for a convenor.",
    resolved="A convenor acted on it.",
    dismissed="A convenor found nothing to act on.",
)
class ReportStatus(StrEnum):
    """Where a report stands."""

    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


@described_values(
    hidden="Hidden from members.",
    restored="Shown again after being hidden.",
    archived="Archived.",
    curated="Marked as curated.",
    uncurated="No longer marked as curated.",
    report_resolved="A report on it was resolved.",
    report_dismissed="A report on it was dismissed.",
)
class ModerationAction(StrEnum):
    """What a moderator or curator did to a contribution."""

    hidden = "hidden"
    restored = "restored"
    archived = "archived"
    curated = "curated"
    uncurated = "uncurated"
    report_resolved = "report_resolved"
    report_dismissed = "report_dismissed"


@described_values(
    newest="Newest first.",
    most_endorsed="Most endorsements (helpful and applied) first, then newest.",
    most_reused="Most `applied` endorsements first, then newest.",
)
class ContributionSort(StrEnum):
    """The order of a list of contributions."""

    newest = "newest"
    most_endorsed = "most_endorsed"
    most_reused = "most_reused"
