"""Contributions: the community's shared repertoire (stories, lessons, questions and
answers, resources, successes, challenges, appreciations, practices, replies).

Anyone who may see a domain reads its published contributions; active members
contribute; authors edit their own (every edit keeps the previous version); convenors
and knowledge brokers archive any. Hidden content is seen by moderators only."""

import uuid

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound, invalid_field, shown
from app.models.base import utcnow
from app.models.contributions import (
    UNTITLED_KINDS,
    Contribution,
    ContributionCreate,
    ContributionKind,
    ContributionRevision,
    ContributionStatus,
    ContributionUpdate,
    ModerationAction,
    ModerationEvent,
)
from app.models.domains import Domain
from app.models.gatherings import Gathering
from app.services.access import (
    DomainAccess,
    active_member_ids,
    domain_access,
    is_curator,
    may_read_contribution,
)
from app.services.actors import Actor
from app.services.contributions.events import contribution_changed, dump
from app.services.validation import refuse_nulls
from app.services.versions import Expected, check_version

K = ContributionKind


async def domain_of(session: AsyncSession, actor: Actor, domain_id: uuid.UUID) -> DomainAccess:
    domain = await session.get(Domain, domain_id)
    if domain is None:
        raise NotFound("No such contribution.")
    try:
        return await domain_access(session, actor, domain.slug)
    except NotFound as exc:
        raise NotFound("No such contribution.") from exc


async def load_contribution(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID, *, lock: bool = False
) -> tuple[Contribution, DomainAccess]:
    stmt = select(Contribution).where(col(Contribution.id) == contribution_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    contribution = (await session.exec(stmt)).one_or_none()
    if contribution is None:
        raise NotFound("No such contribution.")
    access = await domain_of(session, actor, contribution.domain_id)
    if not may_read_contribution(contribution, access):
        raise NotFound("No such contribution.")
    return contribution, access


def _require_contributor(access: DomainAccess) -> None:
    access.require_writable()
    if not access.is_active_member:
        raise Forbidden("Only active members contribute to a domain.")


async def _check_shape(
    session: AsyncSession, access: DomainAccess, data: ContributionCreate
) -> Contribution | None:
    """The rules that depend on the kind; returns the parent, if any."""
    errors: list[FieldError] = []
    if data.kind not in UNTITLED_KINDS and not data.title:
        errors.append(FieldError("title", f"a {data.kind} needs a title", "missing"))
    if data.kind == K.resource and data.url is None:
        errors.append(FieldError("url", "a resource needs a URL", "missing"))
    if data.kind in (K.answer, K.reply) and data.parent_id is None:
        errors.append(FieldError("parent_id", f"an {data.kind} belongs to a parent", "missing"))
    if data.kind not in (K.answer, K.reply) and data.parent_id is not None:
        errors.append(FieldError("parent_id", "only answers and replies have a parent", "invalid"))
    if data.kind == K.appreciation and not data.recipient_ids:
        errors.append(FieldError("recipient_ids", "name whom you appreciate", "missing"))
    if data.kind != K.appreciation and data.recipient_ids:
        errors.append(FieldError("recipient_ids", "only appreciations have recipients", "invalid"))
    if data.status == ContributionStatus.archived:
        errors.append(FieldError("status", "a new contribution is a draft or published"))
    unknown = shown(", ".join(t for t in data.themes if t not in access.domain.themes))
    if unknown:
        errors.append(FieldError("themes", f"not among the domain's themes: {unknown}", "unknown"))
    if errors:
        raise Invalid("The contribution is not valid; see `errors`.", errors=errors)
    if data.recipient_ids:
        members = await active_member_ids(session, access.domain.id, data.recipient_ids)
        strangers = [str(r) for r in data.recipient_ids if r not in members]
        if strangers:
            raise invalid_field(
                "recipient_ids", f"not an active member: {', '.join(strangers)}", "not_member"
            )
    if data.gathering_id is not None:
        gathering = await session.get(Gathering, data.gathering_id)
        if gathering is None or gathering.domain_id != access.domain.id:
            raise invalid_field("gathering_id", "no such gathering in this domain", "not_found")
    if data.parent_id is None:
        return None
    parent = await session.get(Contribution, data.parent_id, with_for_update=True)
    if (
        parent is None
        or parent.domain_id != access.domain.id
        or not may_read_contribution(parent, access)
    ):
        raise invalid_field("parent_id", "no such contribution in this domain", "not_found")
    if data.kind == K.answer and parent.kind != K.question:
        raise invalid_field("parent_id", "answers answer questions only", "not_a_question")
    if parent.status == ContributionStatus.archived:
        raise Conflict(
            "The contribution you answer or reply to is archived.", problem="contribution-archived"
        )
    return parent


async def create_contribution(
    session: AsyncSession, actor: Actor, slug: str, data: ContributionCreate
) -> Contribution:
    access = await domain_access(session, actor, slug)
    _require_contributor(access)
    parent = await _check_shape(session, access, data)
    contribution = Contribution(
        **data.model_dump(exclude={"url"}),
        url=str(data.url) if data.url else None,
        domain_id=access.domain.id,
        author_id=actor.person_id,
    )
    session.add(contribution)
    if parent is not None and data.kind == K.answer and data.status == ContributionStatus.published:
        await _answer_published(session, parent, contribution)
    await contribution_changed(session, actor, "contribution.created", contribution)
    if parent is not None and data.kind == K.answer and data.status == ContributionStatus.published:
        await contribution_changed(session, actor, "contribution.answered", parent)
    await session.commit()
    return contribution


async def _answer_published(
    session: AsyncSession, question: Contribution, answer: Contribution
) -> None:
    """A question knows when someone other than the asker first answered it."""
    if question.first_answer_at is None and question.author_id != answer.author_id:
        question.first_answer_at = utcnow()
    await refresh_answer_count(session, question)


async def refresh_answer_count(session: AsyncSession, question: Contribution) -> None:
    """The answers members can see: published and not hidden. Recounted (not bumped) so
    publishing, archiving, hiding and restoring answers all keep it right."""
    await session.flush()
    question.answer_count = (
        await session.exec(
            select(func.count()).where(
                col(Contribution.parent_id) == question.id,
                col(Contribution.kind) == K.answer,
                col(Contribution.status) == ContributionStatus.published,
                col(Contribution.hidden_at).is_(None),
            )
        )
    ).one()
    session.add(question)


async def answer_changed(
    session: AsyncSession, answer: Contribution, *, published: bool = False
) -> None:
    """Keep the question in step after an answer is published, archived, hidden or restored."""
    if answer.kind != K.answer or answer.parent_id is None:
        return
    question = await session.get(Contribution, answer.parent_id, with_for_update=True)
    if question is None:
        return
    if published:
        await _answer_published(session, question, answer)
    else:
        await refresh_answer_count(session, question)


async def get_contribution(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID
) -> Contribution:
    return (await load_contribution(session, actor, contribution_id))[0]


async def update_contribution(
    session: AsyncSession,
    actor: Actor,
    contribution_id: uuid.UUID,
    data: ContributionUpdate,
    expected_version: Expected = None,
) -> Contribution:
    contribution, access = await load_contribution(session, actor, contribution_id, lock=True)
    access.require_writable()
    check_version(contribution, expected_version, "contribution")
    before = dump(contribution)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("status") == ContributionStatus.archived:
        if set(changes) != {"status"}:
            raise invalid_field("status", "Archive on its own, without other changes.")
        return await archive_contribution(session, actor, contribution_id, expected_version)
    if contribution.author_id is None or contribution.author_id != actor.person_id:
        raise Forbidden("Authors edit their own contributions.")
    if contribution.status == ContributionStatus.archived:
        raise Conflict("This contribution is archived.", problem="contribution-archived")
    required = ["body", "tags", "themes", "status"]
    if contribution.kind not in UNTITLED_KINDS:
        required.append("title")
    if contribution.kind == K.resource:
        required.append("url")
    refuse_nulls(changes, required)
    unknown = [t for t in changes.get("themes") or [] if t not in access.domain.themes]
    if unknown:
        raise invalid_field("themes", f"not among the domain's themes: {shown(', '.join(unknown))}")
    if changes.get("status") == ContributionStatus.draft and (
        contribution.status == ContributionStatus.published
    ):
        raise invalid_field("status", "A published contribution cannot go back to draft.")
    if "url" in changes and changes["url"] is not None:
        changes["url"] = str(changes["url"])
    content = {"title", "body", "url", "tags", "themes"}
    if content & set(changes):
        session.add(
            ContributionRevision(
                contribution_id=contribution.id,
                editor_id=actor.person_id,
                title=contribution.title,
                body=contribution.body,
                url=contribution.url,
                tags=list(contribution.tags),
                themes=list(contribution.themes),
            )
        )
        contribution.edited_at = utcnow()
    publishing = (
        changes.get("status") == ContributionStatus.published
        and contribution.status == ContributionStatus.draft
    )
    for field, value in changes.items():
        setattr(contribution, field, value)
    contribution.updated_at = utcnow()
    session.add(contribution)
    if publishing:
        await answer_changed(session, contribution, published=True)
    type_ = "contribution.created" if publishing else "contribution.updated"
    await contribution_changed(session, actor, type_, contribution, before=before)
    if publishing and contribution.kind == K.answer and contribution.parent_id is not None:
        question = await session.get(Contribution, contribution.parent_id)
        if question is not None:
            await contribution_changed(session, actor, "contribution.answered", question)
    await session.commit()
    return contribution


async def archive_contribution(
    session: AsyncSession,
    actor: Actor,
    contribution_id: uuid.UUID,
    expected_version: Expected = None,
) -> Contribution:
    contribution, access = await load_contribution(session, actor, contribution_id, lock=True)
    access.require_writable()
    own = contribution.author_id is not None and contribution.author_id == actor.person_id
    if not (own or is_curator(access)):
        raise Forbidden("Authors, convenors and knowledge brokers archive contributions.")
    check_version(contribution, expected_version, "contribution")
    before = dump(contribution)
    if contribution.status != ContributionStatus.archived:
        contribution.status = ContributionStatus.archived
        contribution.updated_at = utcnow()
        session.add(contribution)
        session.add(
            ModerationEvent(
                contribution_id=contribution.id,
                actor_id=actor.person_id,
                action=ModerationAction.archived,
            )
        )
        await answer_changed(session, contribution)
        await contribution_changed(
            session, actor, "contribution.archived", contribution, before=before
        )
        await session.commit()
    return contribution


async def list_revisions(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID
) -> list[ContributionRevision]:
    contribution, _ = await load_contribution(session, actor, contribution_id)
    return list(
        await session.exec(
            select(ContributionRevision)
            .where(col(ContributionRevision.contribution_id) == contribution.id)
            .order_by(col(ContributionRevision.at), col(ContributionRevision.id))
        )
    )


async def accept_answer(
    session: AsyncSession, actor: Actor, question_id: uuid.UUID, answer_id: uuid.UUID
) -> Contribution:
    question, access = await load_contribution(session, actor, question_id, lock=True)
    access.require_writable()
    if question.kind != K.question:
        raise Conflict("Only questions accept answers.", problem="not-a-question")
    if question.author_id != actor.person_id and not access.can_manage:
        raise Forbidden("The asker (or a convenor) accepts an answer.")
    answer = await session.get(Contribution, answer_id)
    if answer is None or answer.kind != K.answer or answer.parent_id != question.id:
        raise invalid_field("answer_id", "not an answer to this question", "not_an_answer")
    if answer.hidden_at is not None or answer.status != ContributionStatus.published:
        raise invalid_field("answer_id", "this answer is not published", "not_published")
    before = dump(question)
    question.accepted_answer_id = answer.id
    question.updated_at = utcnow()
    session.add(question)
    await contribution_changed(session, actor, "contribution.accepted", question, before=before)
    await session.commit()
    return question


async def bump_counter(
    session: AsyncSession, contribution_id: uuid.UUID, field: str, delta: int
) -> None:
    column = getattr(Contribution, field)
    await session.exec(
        update(Contribution)
        .where(col(Contribution.id) == contribution_id)
        .values({field: column + delta, "version": col(Contribution.version) + 1})
    )
