"""Moderation on the service: hiding and restoring (convenors), reports and their
settling, and the log of both."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden
from app.models.contributions import (
    ModerationAction,
    ReportCreate,
    ReportResolve,
    ReportStatus,
)
from app.models.memberships import Role
from app.services.contributions import moderation
from app.services.pagination import PageParams
from tests.factories import actor_of, add_member, make_contribution, make_domain, make_person
from tests.support import refused


async def test_convenors_hide_and_restore_and_the_log_says_so(session: AsyncSession) -> None:
    convenor = await make_person(session)
    broker, member = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, broker, roles=[Role.member, Role.knowledge_broker])
    await add_member(session, domain, member)
    story = await make_contribution(session, member, domain)
    for other in (member, broker):
        await refused(
            session,
            moderation.set_hidden(session, actor_of(other), story.id, True, ""),
            Forbidden,
        )
    await moderation.set_hidden(session, actor_of(convenor), story.id, True, "spam")
    await moderation.set_hidden(session, actor_of(convenor), story.id, True, "twice")
    restored = await moderation.set_hidden(session, actor_of(convenor), story.id, False, "ok")
    assert restored.hidden_at is None
    log = await moderation.moderation_log(session, actor_of(convenor), story.id)
    assert [(e.action, e.reason) for e in log] == [
        (ModerationAction.hidden, "spam"),
        (ModerationAction.restored, "ok"),
    ]
    await refused(
        session, moderation.moderation_log(session, actor_of(member), story.id), Forbidden
    )


async def test_members_report_and_convenors_settle_once(session: AsyncSession) -> None:
    convenor = await make_person(session)
    author, member = await make_person(session), await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, author)
    await add_member(session, domain, member)
    story = await make_contribution(session, author, domain)
    reason = ReportCreate(reason="Names a patient")
    await refused(
        session, moderation.report(session, actor_of(outsider), story.id, reason), Forbidden
    )
    report = await moderation.report(session, actor_of(member), story.id, reason)
    assert (report.status, report.reporter_id) == (ReportStatus.open, member.id)
    page = PageParams(limit=10)
    await refused(
        session, moderation.list_reports(session, actor_of(member), domain.slug, page), Forbidden
    )
    open_ = await moderation.list_reports(session, actor_of(convenor), domain.slug, page)
    assert [r.id for r in open_.items] == [report.id]
    settle = ReportResolve(status=ReportStatus.resolved, note="Removed the name", hide=True)
    await refused(
        session, moderation.resolve_report(session, actor_of(member), report.id, settle), Forbidden
    )
    done = await moderation.resolve_report(session, actor_of(convenor), report.id, settle)
    assert (done.status, done.resolved_by_id) == (ReportStatus.resolved, convenor.id)
    await session.refresh(story)
    assert story.hidden_at is not None
    await refused(
        session, moderation.resolve_report(session, actor_of(convenor), report.id, settle), Conflict
    )
    left = await moderation.list_reports(session, actor_of(convenor), domain.slug, page)
    assert left.items == []
