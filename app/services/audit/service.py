"""Reading the audit log: convenors read their domains' entries, platform admins all.
Nothing here writes: the log is appended to by `events.record` and `events.audit` only."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, literal, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden
from app.models.events import AuditEntry
from app.models.memberships import Membership
from app.services.access import active_convenor, domain_access, my_memberships
from app.services.actors import Actor
from app.services.pagination import Page, PageParams, SortKey, paginate_keys


def managed_domains(actor: Actor, domain_column: Any) -> ColumnElement[bool]:
    """SQL condition on `domain_column`: the domains the caller manages. Platform admins
    manage everything, platform-wide rows (no domain) included; API keys with the write
    scope every domain; a person the domains they are an active convenor of."""
    if actor.can_admin:
        return literal(True)
    if actor.can_write_all:
        return domain_column.is_not(None)  # type: ignore[no-any-return]
    if actor.person_id is None:
        return false()
    convened = select(Membership.domain_id).where(my_memberships(actor), active_convenor())
    return domain_column.in_(convened)  # type: ignore[no-any-return]


async def list_audit(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    domain_slug: str | None = None,
    actor_id: uuid.UUID | None = None,
    since: datetime | None = None,
    resource_type: str | None = None,
    resource_id: uuid.UUID | None = None,
) -> Page[AuditEntry]:
    """Oldest first, so that a client can follow the log with `since` and the cursor."""
    actor.require_authenticated()
    stmt: Any = select(AuditEntry)
    if domain_slug is not None:
        access = await domain_access(session, actor, domain_slug)
        if not (access.can_manage or actor.can_admin):
            raise Forbidden(
                "Only a convenor of this domain (or a platform admin) may read its log."
            )
        stmt = stmt.where(col(AuditEntry.domain_id) == access.domain.id)
    else:
        stmt = stmt.where(managed_domains(actor, col(AuditEntry.domain_id)))
    if actor_id is not None:
        stmt = stmt.where(
            or_(
                col(AuditEntry.actor_person_id) == actor_id,
                col(AuditEntry.actor_api_key_id) == actor_id,
            )
        )
    if since is not None:
        stmt = stmt.where(col(AuditEntry.at) >= since)
    if resource_type is not None:
        stmt = stmt.where(col(AuditEntry.resource_type) == resource_type)
    if resource_id is not None:
        stmt = stmt.where(col(AuditEntry.resource_id) == resource_id)
    return await paginate_keys(
        session,
        stmt,
        [SortKey(col(AuditEntry.id), "int")],
        params,
        descending=False,
        values_of=lambda entry: [entry.id],
    )
