"""Tables and their Create / Update / Public data models, one module per area."""

from app.models.domains import Domain
from app.models.gatherings import Attendance, FeedToken, Gathering, GatheringSeries, Rsvp
from app.models.memberships import Membership, MembershipEvent
from app.models.people import ApiKey, Person, RefreshToken

__all__ = [
    "ApiKey",
    "Attendance",
    "Domain",
    "FeedToken",
    "Gathering",
    "GatheringSeries",
    "Membership",
    "MembershipEvent",
    "Person",
    "RefreshToken",
    "Rsvp",
]
