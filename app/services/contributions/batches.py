"""Batched reads of contributions for GraphQL DataLoaders: one statement per level of a
nested query, however many domains or questions are asked about."""

import uuid
from typing import Any

from sqlalchemy import or_
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
from app.models.domains import Domain
from app.services.access import DomainAccess, actor_memberships, visible_domains
from app.services.actors import Actor
from app.services.contributions.service import (
    filter_conditions,
    is_moderator,
    sort_keys,
    sort_values,
)
from app.services.pagination import Keyset, Page, PageParams, windowed_pages


async def _moderated(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> tuple[list[uuid.UUID], set[uuid.UUID]]:
    """Of these domains: those the caller may read, and those they moderate."""
    domains = list(
        await session.exec(
            select(Domain).where(col(Domain.id).in_(domain_ids), visible_domains(actor))
        )
    )
    mine = await actor_memberships(session, actor, [d.id for d in domains])
    accesses = [DomainAccess(actor, d, mine.get(d.id)) for d in domains]
    readable = [a.domain.id for a in accesses if a.can_read_content]
    return readable, {a.domain.id for a in accesses if a.can_read_content and is_moderator(a)}


def _readable(actor: Actor, moderated: set[uuid.UUID]) -> list[Any]:
    """The same rule as contributions.readable, per domain: drafts for their author,
    hidden content for the domain's moderators."""
    return [
        or_(
            col(Contribution.status) != ContributionStatus.draft,
            col(Contribution.author_id) == actor.person_id,
        ),
        or_(col(Contribution.hidden_at).is_(None), col(Contribution.domain_id).in_(moderated)),
    ]


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
            *_readable(actor, moderated),
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
            *_readable(actor, moderated),
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
            *_readable(actor, moderated),
        )
    )
    return {c.id: c for c in rows}
