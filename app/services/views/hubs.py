"""Hub dependence: whether the community hangs on a few people, and the figures that show
it, each with the line it must cross."""

from dataclasses import dataclass

from app.models.views import HubDependence
from app.services.views.diagnosis import Diagnosis
from app.services.views.graphs import component_after_removal


@dataclass(frozen=True)
class HubRule:
    threshold: float
    measured: str  # what was measured, in plain words: {value} and {threshold} filled in
    unit: str  # how {value} and {threshold} are written: share, count or scale


HUB_FIGURES = {
    "degree_centralization": HubRule(
        0.5,
        "The network revolves around one person: its centralization is {value} on a scale "
        "from 0 (everyone equally connected) to 1 (everyone linked only to one person); "
        "we flag {threshold} or more.",
        "scale",
    ),
    "contributor_absence_factor": HubRule(
        2,
        "Just {value} people made half of all contributions (we flag {threshold} or fewer).",
        "count",
    ),
    "largest_component_shrink": HubRule(
        0.2,
        "Without its three most central people, the largest connected group would shrink "
        "by {value} (we flag {threshold} or more).",
        "share",
    ),
    "top_host_share": HubRule(
        0.75, "One person hosted {value} of the gatherings (we flag {threshold} or more).", "share"
    ),
}
LIMIT = {name: rule.threshold for name, rule in HUB_FIGURES.items()}


def hub_dependence(diagnosis: Diagnosis) -> HubDependence:
    """The figures are judged only where they mean something: five contributors, five
    people left in the largest group, three gatherings."""
    f = diagnosis.network.figures
    assert diagnosis.community is not None
    view = diagnosis.community.view
    removed, after = component_after_removal(diagnosis.network.data, f)
    before = len(f.largest_component)
    shrink = 1 - after / before if before else None
    removed_inside = len(set(removed) & set(f.largest_component))
    rest = before - removed_inside
    reasons = []
    if (
        f.degree_centralization is not None
        and f.degree_centralization >= LIMIT["degree_centralization"]
    ):
        reasons.append("degree_centralization")
    factor = view.community.contributor_absence_factor
    if (
        factor is not None
        and factor <= LIMIT["contributor_absence_factor"]
        and view.community.contributors >= 5
    ):
        reasons.append("contributor_absence_factor")
    if rest >= 5 and after < (1 - LIMIT["largest_component_shrink"]) * rest:
        reasons.append("largest_component_shrink")
    rhythm, leadership = view.community.rhythm, view.community.leadership
    top_host = leadership.top_host_share
    if rhythm.held >= 3 and top_host is not None and top_host >= LIMIT["top_host_share"]:
        reasons.append("top_host_share")
    return HubDependence(
        degree_centralization=f.degree_centralization,
        contributor_absence_factor=factor,
        contributors=view.community.contributors,
        removed=[diagnosis.network.people[v] for v in removed],
        largest_component_before=before,
        largest_component_after=after,
        largest_component_shrink=shrink,
        hub_dependent=bool(reasons),
        reasons=reasons,
    )
