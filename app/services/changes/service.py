"""The change feed: every change a caller may see, in commit order, with removals as
tombstones, so that an integration keeping a copy (an LMS, a directory, a search index)
never misses an update or a deletion.

It reads the event log that webhooks are delivered from: one source of truth; a removal
looks as app/services/tombstones.py says, here as in a webhook delivery."""

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import invalid_field, shown
from app.models.events import RESOURCE_TYPES, Event
from app.models.memberships import Membership
from app.services.access import active_convenor, active_membership, domain_access, my_memberships
from app.services.actors import Actor
from app.services.changes import tombstones

MAX_LIMIT = 500


@dataclass
class Change:
    seq: int
    cursor: str
    event: str
    type: str
    id: uuid.UUID
    domain_id: uuid.UUID | None
    changed_at: datetime
    tombstone: bool
    deleted_at: datetime | None
    data: dict[str, Any] | None


@dataclass
class ChangePage:
    items: list[Change]
    next_cursor: str
    has_more: bool


def encode(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        seq = int(number)
        if prefix != "seq" or seq < 0:
            raise ValueError(raw)
        return seq
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise invalid_field(
            "since_cursor", "This cursor is not one this API gave out.", "cursor"
        ) from exc


async def _readable(session: AsyncSession, actor: Actor) -> tuple[Any, set[uuid.UUID]]:
    """The domains whose changes a person follows (active memberships), and those they
    moderate (who see hidden contributions as hidden, not as removed)."""
    rows = list(
        await session.exec(
            select(Membership.domain_id, active_convenor()).where(
                my_memberships(actor),
                active_membership(),
            )
        )
    )
    moderated = {d for d, convenes in rows if convenes}
    return [d for d, _ in rows], moderated


def _shape(event: Event, moderator: bool) -> Change:
    shown = tombstones.seen(event.type, event.resource_type, event.payload, moderator=moderator)
    return Change(
        seq=int(event.seq or 0),
        cursor=encode(int(event.seq or 0)),
        event=event.type,
        type=event.resource_type,
        id=event.resource_id,
        domain_id=event.domain_id,
        changed_at=event.occurred_at,
        tombstone=shown.tombstone,
        deleted_at=event.occurred_at if shown.tombstone else None,
        data=shown.data,
    )


async def list_changes(
    session: AsyncSession,
    actor: Actor,
    *,
    since_cursor: str | None,
    limit: int,
    domain_slug: str | None = None,
    types: list[str] | None = None,
) -> ChangePage:
    actor.require_authenticated()
    since = decode(since_cursor)
    unknown = sorted(set(types or []) - set(RESOURCE_TYPES))
    if unknown:
        raise invalid_field(
            "types", f"unknown resource types: {shown(', '.join(unknown))}", "unknown_type"
        )
    stmt: Any = select(Event).where(col(Event.seq) > since)
    moderated: set[uuid.UUID] = set()
    if not actor.can_read_all:
        domains, moderated = await _readable(session, actor)
        stmt = stmt.where(col(Event.domain_id).in_(domains))
    if domain_slug:
        access = await domain_access(session, actor, domain_slug)
        stmt = stmt.where(col(Event.domain_id) == access.domain.id)
    if types:
        stmt = stmt.where(col(Event.resource_type).in_(types))
    rows = list(await session.exec(stmt.order_by(col(Event.seq)).limit(limit + 1)))
    kept = rows[:limit]
    items = [_shape(e, actor.can_read_all or (e.domain_id in moderated)) for e in kept]
    last = items[-1].seq if items else since
    return ChangePage(items=items, next_cursor=encode(last), has_more=len(rows) > limit)
