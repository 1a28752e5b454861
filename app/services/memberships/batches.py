"""Batched reads, for GraphQL DataLoaders and domain cards: one query for many parents,
whatever their number."""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden
from app.models.domains import Domain
from app.models.memberships import (
    Invitation,
    Membership,
    MembershipEvent,
    MembershipEventKind,
    MembershipStatus,
    Role,
)
from app.models.people import Person
from app.services.access import (
    DomainAccess,
    actor_memberships,
    visible_domains,
    visible_memberships_of,
)
from app.services.actors import Actor
from app.services.memberships.reads import member_conditions
from app.services.pagination import Keyset, Page, PageParams, SortKey, windowed_pages

S = MembershipStatus
E = MembershipEventKind


async def pending_invitations(
    session: AsyncSession, actor: Actor, domain_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Invitation]:
    """The caller's own pending invitations to these domains, with who sent each (the
    actor of its latest `invited` event): what the domain's card shows an invitee."""
    if actor.member_id is None or not domain_ids:
        return {}
    invited = list(
        await session.exec(
            select(Membership).where(
                col(Membership.person_id) == actor.member_id,
                col(Membership.domain_id).in_(domain_ids),
                col(Membership.status) == S.invited,
            )
        )
    )
    if not invited:
        return {}
    senders = await session.exec(
        select(MembershipEvent.membership_id, MembershipEvent.at, Person.id, Person.display_name)
        .outerjoin(Person, col(Person.id) == col(MembershipEvent.actor_id))
        .where(
            col(MembershipEvent.membership_id).in_([m.id for m in invited]),
            col(MembershipEvent.kind) == E.invited,
        )
        .order_by(col(MembershipEvent.at), col(MembershipEvent.id))
    )
    sent = {row[0]: row[1:] for row in senders}  # the latest invitation of each wins
    found: dict[uuid.UUID, Invitation] = {}
    for m in invited:
        at, by_id, by_name = sent.get(m.id, (m.updated_at, None, None))
        found[m.domain_id] = Invitation(
            invited_at=at,
            invited_by_id=by_id,
            invited_by_name=by_name,
            roles=[Role(r) for r in m.roles],
        )
    return found


async def members_for_domains(
    session: AsyncSession,
    actor: Actor,
    domain_ids: list[uuid.UUID],
    params: PageParams,
    status: S | None = None,
    role: Role | None = None,
) -> dict[uuid.UUID, Page[Membership] | Forbidden]:
    domains = {
        d.id: d
        for d in await session.exec(
            select(Domain).where(col(Domain.id).in_(domain_ids), visible_domains(actor))
        )
    }
    mine = await actor_memberships(session, actor, list(domains))
    results: dict[uuid.UUID, Page[Membership] | Forbidden] = {}
    allowed: dict[uuid.UUID, DomainAccess] = {}
    for domain_id in domain_ids:
        domain = domains.get(domain_id)
        access = DomainAccess(actor, domain, mine.get(domain_id)) if domain else None
        if access is None or not access.can_read_content or not access.can_read_members:
            results[domain_id] = Forbidden("Only members of this domain can see its members.")
        else:
            allowed[domain_id] = access
    if allowed:
        pages = await _windowed(
            session,
            {
                did: (col(Membership.domain_id) == did, *member_conditions(acc, status, role)[1:])
                for did, acc in allowed.items()
            },
            col(Membership.domain_id),
            params,
        )
        results.update(pages)
    return results


async def memberships_for_people(
    session: AsyncSession, actor: Actor, person_ids: list[uuid.UUID], params: PageParams
) -> dict[uuid.UUID, Page[Membership]]:
    return await _windowed(
        session,
        {
            pid: (col(Membership.person_id) == pid, *visible_memberships_of(actor, pid))
            for pid in dict.fromkeys(person_ids)
        },
        col(Membership.person_id),
        params,
    )


_BY_CREATION = Keyset(
    [SortKey(col(Membership.created_at), "time"), SortKey(col(Membership.id), "uuid")]
)


async def _windowed(
    session: AsyncSession,
    groups: dict[uuid.UUID, tuple[Any, ...]],
    partition: Any,
    params: PageParams,
) -> dict[uuid.UUID, Page[Membership]]:
    """A page of each group (its conditions by the id it is partitioned by), oldest
    first, in one statement (two with a cursor to look behind)."""
    condition = or_(*(and_(*g) for g in groups.values()))
    return await windowed_pages(
        session,
        select(Membership).where(condition),
        Membership,
        partition,
        _BY_CREATION,
        params,
        list(groups),
        lambda m: [m.created_at, m.id],
    )


async def history_for_memberships(
    session: AsyncSession, actor: Actor, membership_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MembershipEvent]]:
    """History of memberships the caller has already been shown (so already authorised)."""
    actor.require_authenticated()
    rows = await session.exec(
        select(MembershipEvent)
        .where(col(MembershipEvent.membership_id).in_(membership_ids))
        .order_by(col(MembershipEvent.at), col(MembershipEvent.id))
    )
    grouped: dict[uuid.UUID, list[MembershipEvent]] = defaultdict(list)
    for event in rows:
        grouped[event.membership_id].append(event)
    return grouped
