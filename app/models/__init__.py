"""Tables and their Create / Update / Public data models, one module per area."""

from app.models.domains import Domain
from app.models.memberships import Membership, MembershipEvent
from app.models.people import ApiKey, Person, RefreshToken

__all__ = ["ApiKey", "Domain", "Membership", "MembershipEvent", "Person", "RefreshToken"]
