"""Reading the audit log: convenors read their domains' entries, platform admins all.
Nothing here writes: the log is appended to by `events.record` and `events.audit` only."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden
from app.models.events import AuditEntry
from app.services.access import domain_access, managed_domains
from app.services.actors import Actor
from app.services.pagination import Page, PageParams, SortKey, paginate_keys


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
