"""Tables and their Create / Update / Public data models, one module per area."""

from app.models.contributions import (
    Collection,
    CollectionItem,
    Contribution,
    ContributionRevision,
    Endorsement,
    ModerationEvent,
    Report,
    ValueStory,
)
from app.models.domains import Domain
from app.models.events import AuditEntry, Event
from app.models.gatherings import Attendance, FeedToken, Gathering, GatheringSeries, Rsvp
from app.models.idempotency import IdempotencyRecord
from app.models.imports import ImportJob
from app.models.memberships import Membership, MembershipEvent
from app.models.people import AccountToken, ApiKey, Person, RefreshToken
from app.models.webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "AccountToken",
    "ApiKey",
    "Attendance",
    "AuditEntry",
    "Collection",
    "CollectionItem",
    "Contribution",
    "ContributionRevision",
    "Domain",
    "Endorsement",
    "Event",
    "FeedToken",
    "Gathering",
    "GatheringSeries",
    "IdempotencyRecord",
    "ImportJob",
    "Membership",
    "MembershipEvent",
    "ModerationEvent",
    "Person",
    "RefreshToken",
    "Report",
    "Rsvp",
    "ValueStory",
    "WebhookDelivery",
    "WebhookSubscription",
]
