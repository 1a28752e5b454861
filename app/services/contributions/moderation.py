"""A safe, caring space: any member reports, convenors hide, restore and resolve.
Every moderation act is logged with who did it and when."""

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, NotFound, invalid_field
from app.models.base import utcnow
from app.models.contributions import (
    Contribution,
    ModerationAction,
    ModerationEvent,
    Report,
    ReportCreate,
    ReportResolve,
    ReportStatus,
)
from app.models.domains import Domain
from app.services.access import DomainAccess, domain_access, is_moderator, reads_moderation
from app.services.actors import Actor
from app.services.changes import events
from app.services.contributions.events import contribution_changed, dump
from app.services.contributions.service import answer_changed, load_contribution
from app.services.pagination import Page, PageParams, paginate


def _require_moderator(access: DomainAccess) -> None:
    access.actor.require_write()
    if not is_moderator(access):
        raise Forbidden("Convenors moderate a domain.")


async def report(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID, data: ReportCreate
) -> Report:
    contribution, access = await load_contribution(session, actor, contribution_id)
    access.require_writable()
    if not access.is_active_member:
        raise Forbidden("Only members of the domain report its contributions.")
    row = Report(
        domain_id=contribution.domain_id,
        contribution_id=contribution.id,
        reporter_id=actor.person_id,
        reason=data.reason,
    )
    session.add(row)
    await _audit(session, actor, row, "report.created")
    await session.commit()
    return row


async def list_reports(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: PageParams,
    status: ReportStatus | None = ReportStatus.open,
) -> Page[Report]:
    access = await domain_access(session, actor, slug)
    if not reads_moderation(access):
        raise Forbidden("Convenors see the reports of their domain.")
    stmt: Any = select(Report).where(col(Report.domain_id) == access.domain.id)
    if status is not None:
        stmt = stmt.where(col(Report.status) == status)
    return await paginate(
        session, stmt, created_col=col(Report.created_at), id_col=col(Report.id), params=params
    )


async def _set_hidden(
    session: AsyncSession, actor: Actor, contribution: Contribution, hidden: bool, reason: str
) -> None:
    if (contribution.hidden_at is not None) == hidden:
        return
    contribution.hidden_at = utcnow() if hidden else None
    contribution.updated_at = utcnow()
    session.add(contribution)
    session.add(
        ModerationEvent(
            contribution_id=contribution.id,
            actor_id=actor.person_id,
            action=ModerationAction.hidden if hidden else ModerationAction.restored,
            reason=reason,
        )
    )
    await answer_changed(session, contribution)


async def set_hidden(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID, hidden: bool, reason: str
) -> Contribution:
    contribution, access = await load_contribution(session, actor, contribution_id, lock=True)
    _require_moderator(access)
    before = dump(contribution)
    await _set_hidden(session, actor, contribution, hidden, reason)
    await _hidden_changed(session, actor, contribution, before)
    await session.commit()
    return contribution


async def _hidden_changed(
    session: AsyncSession, actor: Actor, contribution: Contribution, before: dict[str, Any]
) -> None:
    """`contribution.hidden`, for hiding and for restoring alike (`hidden_at` says which)."""
    if (before["hidden_at"] is None) != (contribution.hidden_at is None):
        await contribution_changed(
            session, actor, "contribution.hidden", contribution, before=before
        )


async def resolve_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, data: ReportResolve
) -> Report:
    row = await session.get(Report, report_id, with_for_update=True)
    if row is None:
        raise NotFound("No such report.")
    domain = await session.get(Domain, row.domain_id)
    assert domain is not None
    try:
        access = await domain_access(session, actor, domain.slug)
    except NotFound as exc:
        raise NotFound("No such report.") from exc
    _require_moderator(access)
    if data.status == ReportStatus.open:
        raise invalid_field("status", "Resolve a report as `resolved` or `dismissed`.")
    if row.status != ReportStatus.open:
        raise Conflict("This report is already closed.", problem="report-closed")
    row.status = data.status
    row.resolution_note = data.note
    row.resolved_by_id = actor.person_id
    row.resolved_at = utcnow()
    session.add(row)
    contribution = await session.get(Contribution, row.contribution_id, with_for_update=True)
    assert contribution is not None
    if data.hide:
        before = dump(contribution)
        await _set_hidden(session, actor, contribution, True, data.note)
        await _hidden_changed(session, actor, contribution, before)
    session.add(
        ModerationEvent(
            contribution_id=contribution.id,
            actor_id=actor.person_id,
            action=ModerationAction.report_resolved
            if data.status == ReportStatus.resolved
            else ModerationAction.report_dismissed,
            reason=data.note,
        )
    )
    await _audit(session, actor, row, f"report.{row.status}")
    await session.commit()
    return row


async def moderation_log(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID
) -> list[ModerationEvent]:
    contribution, access = await load_contribution(session, actor, contribution_id)
    if not reads_moderation(access):
        raise Forbidden("Convenors see the moderation log.")
    return list(
        await session.exec(
            select(ModerationEvent)
            .where(col(ModerationEvent.contribution_id) == contribution.id)
            .order_by(col(ModerationEvent.at), col(ModerationEvent.id))
        )
    )


async def _audit(session: AsyncSession, actor: Actor, row: Report, action: str) -> None:
    await events.audit(
        session,
        actor,
        action,
        resource_type="report",
        resource_id=row.id,
        domain_id=row.domain_id,
    )
