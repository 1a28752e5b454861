"""Endorsements (helpful, applied) and value-creation stories.

An `applied` endorsement with a note is itself a value story of the `applied` cycle,
linked to the contribution that was reused."""

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden, NotFound, invalid_field
from app.models.contributions import (
    Contribution,
    ContributionStatus,
    Endorsement,
    EndorsementInput,
    EndorsementKind,
    ValueCycle,
    ValueStory,
    ValueStoryCreate,
)
from app.services.access import domain_access, readable_contributions
from app.services.actors import Actor
from app.services.contributions.events import endorsement_changed, value_story_created
from app.services.contributions.service import bump_counter, load_contribution
from app.services.pagination import Page, PageParams, paginate

_COUNTER = {EndorsementKind.helpful: "helpful_count", EndorsementKind.applied: "applied_count"}


def applied_story(contribution: Contribution, endorsement: Endorsement) -> ValueStory | None:
    """An "applied" endorsement with a note is also a value story: the note tells how the
    contribution was put to use. Any other endorsement is not."""
    if endorsement.kind != EndorsementKind.applied or not endorsement.note.strip():
        return None
    return ValueStory(
        domain_id=contribution.domain_id,
        author_id=endorsement.person_id,
        cycle=ValueCycle.applied,
        title=f"Applied: {contribution.title or contribution.kind}"[:300],
        story=endorsement.note,
        contribution_ids=[contribution.id],
        endorsement_id=endorsement.id,
    )


async def endorse(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID, data: EndorsementInput
) -> tuple[Endorsement, bool]:
    """Returns the endorsement and whether it is new (endorsing twice changes nothing)."""
    contribution, access = await load_contribution(session, actor, contribution_id)
    access.require_writable()
    if not access.is_active_member:
        raise Forbidden("Only active members endorse contributions.")
    if contribution.author_id == actor.person_id:
        raise Forbidden("Endorse other people's contributions, not your own.")
    if contribution.status != ContributionStatus.published:
        raise invalid_field("kind", "Only published contributions can be endorsed.")
    existing = (
        await session.exec(
            select(Endorsement).where(
                col(Endorsement.contribution_id) == contribution.id,
                col(Endorsement.person_id) == actor.person_id,
                col(Endorsement.kind) == data.kind,
            )
        )
    ).one_or_none()
    if existing is not None:
        return existing, False
    endorsement = Endorsement(
        contribution_id=contribution.id,
        person_id=actor.require_person(),
        kind=data.kind,
        note=data.note,
    )
    session.add(endorsement)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent duplicate won the race: same outcome as endorsing twice.
        await session.rollback()
        return await endorse(session, actor, contribution_id, data)
    await bump_counter(session, contribution.id, _COUNTER[EndorsementKind(data.kind)], 1)
    await endorsement_changed(session, actor, "endorsement.created", endorsement, contribution)
    story = applied_story(contribution, endorsement)
    if story is not None:
        session.add(story)
        await value_story_created(session, actor, story)
    await session.commit()
    return endorsement, True


async def withdraw(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID, kind: EndorsementKind
) -> None:
    contribution, _ = await load_contribution(session, actor, contribution_id)
    actor.require_write()
    existing = (
        await session.exec(
            select(Endorsement).where(
                col(Endorsement.contribution_id) == contribution.id,
                col(Endorsement.person_id) == actor.person_id,
                col(Endorsement.kind) == kind,
            )
        )
    ).one_or_none()
    if existing is None:
        raise NotFound("You have not endorsed this contribution that way.")
    await endorsement_changed(session, actor, "endorsement.withdrawn", existing, contribution)
    await session.delete(existing)
    await bump_counter(session, contribution.id, _COUNTER[kind], -1)
    await session.commit()


async def list_endorsements(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID
) -> list[Endorsement]:
    contribution, _ = await load_contribution(session, actor, contribution_id)
    return list(
        await session.exec(
            select(Endorsement)
            .where(col(Endorsement.contribution_id) == contribution.id)
            .order_by(col(Endorsement.created_at), col(Endorsement.id))
        )
    )


async def create_value_story(
    session: AsyncSession, actor: Actor, slug: str, data: ValueStoryCreate
) -> ValueStory:
    access = (await domain_access(session, actor, slug)).require_writable()
    if not access.is_active_member:
        raise Forbidden("Only active members record value stories.")
    wanted = list(dict.fromkeys(data.contribution_ids))
    if wanted:
        found = set(
            (
                await session.exec(
                    select(Contribution.id).where(
                        col(Contribution.id).in_(wanted),
                        col(Contribution.domain_id) == access.domain.id,
                        *readable_contributions(actor, False),
                    )
                )
            ).all()
        )
        missing = [str(i) for i in wanted if i not in found]
        if missing:
            raise invalid_field(
                "contribution_ids", f"not contributions of this domain: {', '.join(missing)}"
            )
    story = ValueStory(
        domain_id=access.domain.id,
        author_id=actor.person_id,
        cycle=data.cycle,
        title=data.title,
        story=data.story,
        contribution_ids=wanted,
    )
    session.add(story)
    await value_story_created(session, actor, story)
    await session.commit()
    return story


async def list_value_stories(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: PageParams,
    cycle: ValueCycle | None = None,
) -> Page[ValueStory]:
    access = await domain_access(session, actor, slug)
    stmt: Any = select(ValueStory).where(col(ValueStory.domain_id) == access.domain.id)
    if cycle:
        stmt = stmt.where(col(ValueStory.cycle) == cycle)
    return await paginate(
        session,
        stmt,
        created_col=col(ValueStory.created_at),
        id_col=col(ValueStory.id),
        params=params,
    )
