"""What a removal looks like, the same wherever it is read: a webhook delivery, the change
feed (`GET /api/v1/changes`), and REST and GraphQL answers about the resource.

The convention: a removal is a **tombstone carrying the resource's last state**.
`tombstone: true` says the resource has left what a copy keeps (it was deleted, or
archived: readable by id, out of every list, never to change again); `data` is the
resource as the API showed it at that moment, the same bytes the REST write answered with
and the same values GraphQL's mutation returned (`archived_at` set, `status: archived`,
the version it ended at). A sync client may drop the resource by type and id, or keep the
final state for history; for a hard delete (a withdrawn RSVP or endorsement) the event is
the only place that state can still be read, and it says what to update (which gathering's
RSVPs, which contribution's endorsements) without a copy kept beforehand.

`data` is null in one case only: the reader may no longer see the resource at all, because
moderators hid it (a hidden contribution, to anyone who is not a moderator of its domain).
Its content then stays out of the feed, as it stays out of REST (404) and GraphQL (null):
the reader gets a tombstone without a body, and the resource's return (a restore) as a
change with its state again. Webhook subscribers (convenors and platform admins)
moderate, so they always get the state."""

from dataclasses import dataclass
from typing import Any

REMOVALS: dict[str, str] = {
    "domain.archived": "archived: readable by its convenors, out of every list, unchangeable",
    "contribution.archived": "archived: readable, out of the repertoire, unchangeable",
    "endorsement.withdrawn": "deleted",
    "rsvp.withdrawn": "deleted",
}
"""The events after which the resource is gone for everyone, and how."""


def is_removal(event_type: str) -> bool:
    return event_type in REMOVALS


@dataclass(frozen=True)
class Seen:
    """An event's resource as one reader sees it."""

    tombstone: bool
    data: dict[str, Any] | None


def _hidden(resource_type: str, payload: dict[str, Any]) -> bool:
    return resource_type == "contribution" and payload.get("hidden_at") is not None


def seen(event_type: str, resource_type: str, payload: dict[str, Any], *, moderator: bool) -> Seen:
    """How an event shows its resource to a reader who moderates its domain (webhook
    subscribers, convenors, platform admins) or not (other members, in the change feed)."""
    if not moderator and _hidden(resource_type, payload):
        return Seen(tombstone=True, data=None)
    return Seen(tombstone=is_removal(event_type), data=payload)
