"""Batched reads of contributions for GraphQL DataLoaders: one statement per level of a
nested query, however many domains or questions are asked about."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import (
    Contribution,
    ContributionFilter,
    ContributionKind,
    ContributionSort,
    ContributionStatus,
    Endorsement,
)
from app.services.access import domain_accesses, is_moderator, readable_contributions
from app.services.actors import Actor
from app.services.contributions.listing import filter_conditions, sort_keys, sort_values
from app.services.pagination import Keyset, Page, PageParams, windowed_pages


async def _moderated(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
    """Of these domains: those whose content the caller reads, and those they moderate."""
    accesses = [
        a
        for a in (await domain_accesses(session, actor, domain_ids)).values()
        if a.can_read_content
    ]
    return [a.domain.id for a in accesses], {a.domain.id for a in accesses if is_moderator(a)}


async def contributions_for_domains(
    session: AsyncSession,
    actor: Actor,
    domain_ids: list[uuid.UUID],
    params: PageParams,
    narrow: ContributionFilter,
    sort: ContributionSort,
) -> dict[uuid.UUID, Page[Contribution]]:
    readable, moderated = await _moderated(session, actor, domain_ids)
    return await windowed_pages(
        session,
        select(Contribution).where(
            col(Contribution.domain_id).in_(readable),
            *readable_contributions(actor, moderated),
            *filter_conditions(narrow),
        ),
        Contribution,
        col(Contribution.domain_id),
        Keyset(sort_keys(sort), descending=True),
        params,
        domain_ids,
        lambda c: sort_values(sort, c),
    )


async def children_for(
    session: AsyncSession, actor: Actor, parent_ids: list[uuid.UUID], kind: ContributionKind
) -> dict[uuid.UUID, list[Contribution]]:
    """Published answers (or replies) of many parents the caller has been shown, oldest
    first."""
    domain_ids = list(
        (
            await session.exec(
                select(Contribution.domain_id)
                .where(col(Contribution.id).in_(parent_ids))
                .distinct()
            )
        ).all()
    )
    readable, moderated = await _moderated(session, actor, domain_ids)
    grouped: dict[uuid.UUID, list[Contribution]] = {p: [] for p in parent_ids}
    for c in await session.exec(
        select(Contribution)
        .where(
            col(Contribution.parent_id).in_(parent_ids),
            col(Contribution.kind) == kind,
            col(Contribution.status) == ContributionStatus.published,
            col(Contribution.domain_id).in_(readable),
            *readable_contributions(actor, moderated),
        )
        .order_by(col(Contribution.created_at), col(Contribution.id))
    ):
        if c.parent_id is not None:
            grouped[c.parent_id].append(c)
    return grouped


async def endorsements_for(
    session: AsyncSession, actor: Actor, contribution_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Endorsement]]:
    """Endorsements of contributions the caller has already been shown."""
    grouped: dict[uuid.UUID, list[Endorsement]] = {i: [] for i in contribution_ids}
    for e in await session.exec(
        select(Endorsement)
        .where(col(Endorsement.contribution_id).in_(contribution_ids))
        .order_by(col(Endorsement.created_at), col(Endorsement.id))
    ):
        grouped[e.contribution_id].append(e)
    return grouped


async def contributions_by_ids(
    session: AsyncSession, actor: Actor, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Contribution]:
    """The readable ones among many contributions (parents, collection items)."""
    domain_ids = list(
        (
            await session.exec(
                select(Contribution.domain_id).where(col(Contribution.id).in_(ids)).distinct()
            )
        ).all()
    )
    readable, moderated = await _moderated(session, actor, domain_ids)
    rows = await session.exec(
        select(Contribution).where(
            col(Contribution.id).in_(ids),
            col(Contribution.domain_id).in_(readable),
            *readable_contributions(actor, moderated),
        )
    )
    return {c.id: c for c in rows}
