"""Recommendations from the diagnosis. They come from the source texts (cited by their
titles); each says in plain words what was measured and the line it crossed, why that
matters for a community of practice, and what to try, and names the figure that triggered
it."""

from dataclasses import dataclass

from app.models.views import HubDependence, Quadrant, Recommendation
from app.services.views.diagnosis import Diagnosis
from app.services.views.hubs import HUB_FIGURES

# The source texts, by their titles.
TIPS = "“Communities of Practice: Knowing We Are Not Alone”"
WHAT_IS = "“Communities of Practice” (What is a community of practice?)"
BEYOND = "“Beyond the network: on becoming a community”"
VALUE = (
    "Wenger, Trayner and de Laat (2011), “Promoting and assessing value creation in "
    "communities and networks: a conceptual framework”"
)


def _shown(value: float, unit: str) -> str:
    """A figure as a person reads it: shares in per cent, counts as whole numbers."""
    if unit == "share":
        return f"{value:.0%}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


@dataclass(frozen=True)
class Rule:
    code: str
    figure: str
    threshold: float
    below: bool  # fires when the figure is below the threshold (else above)
    quadrants: frozenset[Quadrant | None]
    measured: str  # what was measured, in plain words: {value} and {threshold} filled in
    why: str  # why it matters for a community of practice
    advice: str  # what to try
    source: str  # where the advice comes from, by title
    unit: str = "share"  # how {value} and {threshold} are written: share, count or scale

    def says(self, value: float) -> str:
        return self.measured.format(
            value=_shown(value, self.unit), threshold=_shown(self.threshold, self.unit)
        )


NOT_YET = frozenset({Quadrant.network, Quadrant.fragmented, None})
EVERYWHERE = frozenset({*Quadrant, None})

RULES = [
    Rule(
        "regular_rhythm",
        "gatherings_held",
        3,
        True,
        NOT_YET,
        "{value} gatherings took place in this period (we look for at least {threshold}).",
        "Members learn from each other by meeting regularly; a rhythm they can expect is "
        "what brings them back and lets them look forward to the next time.",
        "Schedule regular gatherings with a cadence people can expect and remember.",
        f"{TIPS}, tip 4: schedule regular gatherings",
        unit="count",
    ),
    Rule(
        "regular_rhythm",
        "gathering_gap_cv",
        0.5,
        False,
        NOT_YET,
        "The gatherings came at irregular intervals: the gaps between them typically "
        "differ from the usual gap by {value} (we flag more than {threshold}).",
        "Members learn from each other by meeting regularly; a rhythm they can expect is "
        "what brings them back and lets them look forward to the next time.",
        "Keep gatherings to a steady rhythm: the same week of the month, the same time.",
        f"{TIPS}, tip 4: a regular cadence and expected rhythm",
    ),
    Rule(
        "clearer_domain",
        "topic_focus",
        0.4,
        True,
        NOT_YET,
        "Contributions and gatherings are spread over many topics: their focus is {value} "
        "on a scale from 0 (every topic as often as any other) to 1 (all on one topic); "
        "we flag below {threshold}.",
        "A community of practice grows around a shared domain; when every conversation is "
        "about something else, members find less in common and nothing builds up.",
        "Clarify the purpose and value of the community with the members, and work on "
        "themes that come from them.",
        f"{TIPS}, tips 2 and 10 (clarify the purpose and value; work thematically); "
        f"{WHAT_IS}, on the domain",
        unit="scale",
    ),
    Rule(
        "clearer_domain",
        "on_theme_share",
        0.5,
        True,
        NOT_YET,
        "{value} of the contributions are filed under the domain's declared themes "
        "(we look for at least {threshold}).",
        "The declared themes tell newcomers what the community is about; when most of the "
        "conversation happens elsewhere, either the themes or the conversation have "
        "drifted from the domain.",
        "Revisit the themes with the members, or steer conversations back to them.",
        f"{TIPS}, tip 10: work thematically",
    ),
    Rule(
        "core_group",
        "core_share",
        0.1,
        True,
        NOT_YET,
        "{value} of the members are in the core (they contribute almost every month and "
        "come to most gatherings, or host them); communities usually have 10 to 15%.",
        "A community does not run itself: a dedicated few design how it works, host it and "
        "keep it going between gatherings.",
        "Engage a small, dedicated core group to design how the community runs.",
        f"{WHAT_IS}, the third step: a dedicated core group",
    ),
    Rule(
        "invite_the_same_people",
        "edge_persistence",
        0.3,
        True,
        NOT_YET,
        "{value} of the connections between people in the previous period are still "
        "there in this one (we look for at least {threshold}).",
        "Trust grows between people who meet again and again, and with trust comes the "
        "deep sharing and the hard questions a practice needs.",
        "Invite the same individuals each time, so that trust can build.",
        f"{TIPS}, tip 5: invite the same individuals",
    ),
    Rule(
        "start_small",
        "largest_component_share",
        0.5,
        True,
        frozenset({Quadrant.fragmented, None}),
        "The largest connected group holds only {value} of the people; the others are in "
        "small groups or on their own (we look for at least {threshold}).",
        "A community forms from people who already talk to each other; scattered members "
        "rarely become one by themselves.",
        "Start small: talk with potential members about their challenges and find a few "
        "who will invest in the community.",
        f"{WHAT_IS}, the first steps; {BEYOND}: start small and be patient",
    ),
    Rule(
        "affinity_groups",
        "members",
        150,
        False,
        frozenset({Quadrant.network, Quadrant.fragmented}),
        "The domain has {value} members (we flag more than {threshold}).",
        "In a large group most people never get to speak; small groups are easier to "
        "sustain and let everyone take part.",
        "Keep it small: form affinity groups within the larger community, and convene the "
        "whole group from time to time.",
        f"{TIPS}, tip 9: keep it small",
        unit="count",
    ),
    Rule(
        "link_outward",
        "links_to_other_domains",
        0.2,
        True,
        frozenset({Quadrant.community}),
        "{value} of the members also take part in another domain (we look for at "
        "least {threshold}).",
        "A close community can stop learning from outside; new perspectives keep its "
        "practice from going stale.",
        "Connect outward: invite another community from time to time, visit, and bring in "
        "an outside perspective.",
        f"{TIPS}, on learning and tip 5; {WHAT_IS}, on visits",
    ),
    Rule(
        "link_outward",
        "bridging_share",
        0.1,
        True,
        frozenset({Quadrant.community}),
        "{value} of the connections run between the clusters within the domain (we "
        "look for at least {threshold}).",
        "When people only ever talk within their own cluster, what one group learns never "
        "reaches the others.",
        "Mix people across groups in gatherings: breakouts across clusters, pairs who "
        "have not met.",
        f"{BEYOND}: connect people who might not otherwise interact",
    ),
    Rule(
        "appreciation",
        "reciprocity",
        0.2,
        True,
        EVERYWHERE,
        "{value} of the replies, thanks and endorsements were returned (we look for "
        "at least {threshold}).",
        "Being answered and thanked is what makes it safe to share struggles as well as "
        "successes; one-way traffic tells people nobody is listening.",
        "Encourage affirmation and appreciation: start by sharing stories of success, and "
        "thank people by name.",
        f"{TIPS}, tip 6: encourage affirmation and appreciation",
    ),
    Rule(
        "answer_questions",
        "answered_question_rate",
        0.5,
        True,
        EVERYWHERE,
        "{value} of the questions got an answer from someone else within 30 days (we "
        "look for at least {threshold}).",
        "Solving each other's problems and answering requests for information is how a "
        "practice grows; an unanswered question teaches people not to ask.",
        "Make sure questions get answered: go through the unanswered ones at each "
        "gathering, or ask someone to watch for them.",
        f"{WHAT_IS}, on the activities that develop a practice",
    ),
    Rule(
        "knowledge_broker",
        "curated_share",
        0.1,
        True,
        EVERYWHERE,
        "{value} of the shared repertoire has been curated (we look for at least {threshold}).",
        "Members want to know where things are; without someone keeping the library in "
        "order, good stories and resources get lost.",
        "Name a knowledge broker who keeps the shared space organised and findable, and "
        "arranges the best of it into collections.",
        f"{TIPS}, tip 7: a dedicated knowledge broker",
    ),
    Rule(
        "record_value",
        "value_stories",
        1,
        True,
        frozenset({Quadrant.both, Quadrant.community}),
        "No value stories were recorded in this period.",
        "Stories of what changed make the value of the community visible, to its members "
        "and to those who give them time to take part.",
        "Record value stories: what was useful, what changed in practice, what followed.",
        f"{VALUE}: cycles of value creation",
        unit="count",
    ),
]


HUB_RULE = (
    "share_leadership",
    "A community that relies on one person is fragile: when they step back, it stalls. "
    "Leadership that is shared and rotates spreads the work and the ownership.",
    "Share leadership and rotate it: a small team, and hosts taking turns, so that the "
    "group does not rely on one person.",
    f"{TIPS}, tip 1: share leadership; {BEYOND}: without making the network reliant on you",
)


def recommendations(diagnosis: Diagnosis, hub: HubDependence) -> list[Recommendation]:
    found: list[Recommendation] = []
    seen: set[str] = set()
    for rule in RULES:
        value = diagnosis.figures.get(rule.figure)
        if value is None or diagnosis.quadrant not in rule.quadrants or rule.code in seen:
            continue
        fires = value < rule.threshold if rule.below else value > rule.threshold
        if fires:
            seen.add(rule.code)
            found.append(
                Recommendation(
                    code=rule.code,
                    measured=rule.says(value),
                    why=rule.why,
                    advice=rule.advice,
                    figure=rule.figure,
                    value=value,
                    threshold=rule.threshold,
                    source=rule.source,
                )
            )
    if hub.reasons and diagnosis.community is not None:
        top_host_share = diagnosis.community.view.community.leadership.top_host_share
        figure = hub.reasons[0]
        values: dict[str, float | None] = {
            "degree_centralization": hub.degree_centralization,
            "contributor_absence_factor": hub.contributor_absence_factor,
            "largest_component_shrink": hub.largest_component_shrink,
            "top_host_share": top_host_share,
        }
        code, why, advice, source = HUB_RULE
        shown = HUB_FIGURES[figure]
        value = values[figure]
        found.insert(
            0,
            Recommendation(
                code=code,
                measured=shown.measured.format(
                    value=_shown(value, shown.unit) if value is not None else "unknown",
                    threshold=_shown(shown.threshold, shown.unit),
                ),
                why=why,
                advice=advice,
                figure=figure,
                value=value,
                threshold=shown.threshold,
                source=source,
            ),
        )
    return found
