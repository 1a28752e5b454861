"""The values gatherings, RSVPs and attendance take."""

from enum import StrEnum

from app.models.common import described_values


@described_values(
    in_person="In one place.",
    online="Online, through the join link.",
    hybrid="In one place and online at once.",
)
class Modality(StrEnum):
    """How people take part in a gathering."""

    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


@described_values(
    scheduled="It is planned.",
    cancelled="It will not take place (it stays listed, marked so).",
    completed="It took place and its summary is written.",
)
class GatheringStatus(StrEnum):
    """Whether a gathering is still planned."""

    scheduled = "scheduled"
    cancelled = "cancelled"
    completed = "completed"


@described_values(
    check_in="A round in which each person says how they arrive.",
    presentation="Someone presents: a case, a tool, a story.",
    open_sharing="Open time for what members bring.",
    breakout="Small groups, apart.",
    reflection="Time to reflect on what was offered and what to take away.",
    discussion="The whole group talks it over.",
    break_="A pause.",
    other="Anything else.",
)
class SegmentKind(StrEnum):
    """What a segment of a gathering's agenda is for."""

    check_in = "check_in"
    presentation = "presentation"
    open_sharing = "open_sharing"
    breakout = "breakout"
    reflection = "reflection"
    discussion = "discussion"
    break_ = "break"
    other = "other"


@described_values(
    going="I will come; when the gathering is full, I join its waitlist.",
    maybe="I might come.",
    declined="I will not come.",
)
class RsvpResponse(StrEnum):
    """An answer to a gathering."""

    going = "going"
    maybe = "maybe"
    declined = "declined"


@described_values(
    going="Coming, with a place.",
    maybe="Might come.",
    declined="Not coming.",
    waitlisted="Wants to come, but the gathering is full: free places go to the waitlist, "
    "first come, first served.",
)
class RsvpStatus(StrEnum):
    """Where an RSVP stands."""

    going = "going"
    maybe = "maybe"
    declined = "declined"
    waitlisted = "waitlisted"


@described_values(
    host="A host recorded it.",
    self_check_in="The person checked in during the gathering.",
)
class AttendanceSource(StrEnum):
    """How an attendance was recorded."""

    host = "host"
    self_check_in = "self_check_in"


@described_values(
    this="This occurrence only.",
    following="This occurrence and every later one of its series.",
)
class EditScope(StrEnum):
    """Which occurrences of a series a change applies to."""

    this = "this"
    following = "following"
