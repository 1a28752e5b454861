"""Memberships read: one with its history, a domain's members, a person's memberships."""

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound
from app.models.memberships import Membership, MembershipEvent, MembershipStatus, Role
from app.services.access import (
    DomainAccess,
    active_membership,
    domain_access,
    visible_memberships_of,
)
from app.services.actors import Actor
from app.services.pagination import Page, PageParams, paginate
from app.services.people.service import get_person

S = MembershipStatus


async def membership_of(
    session: AsyncSession, domain_id: uuid.UUID, person_id: uuid.UUID
) -> Membership | None:
    return (
        await session.exec(
            select(Membership).where(
                col(Membership.domain_id) == domain_id, col(Membership.person_id) == person_id
            )
        )
    ).one_or_none()


async def visible_membership(
    session: AsyncSession, access: DomainAccess, person_id: uuid.UUID
) -> Membership:
    membership = (
        access.membership
        if person_id == access.actor.person_id
        else await membership_of(session, access.domain.id, person_id)
    )
    is_self = person_id == access.actor.person_id
    if not is_self:
        access.require_read_members()
    if membership is None or not access.shows_membership(membership):
        raise NotFound("No such membership in this domain.")
    return membership


async def get_membership(
    session: AsyncSession, actor: Actor, slug: str, person_id: uuid.UUID
) -> tuple[Membership, list[MembershipEvent]]:
    access = await domain_access(session, actor, slug, card=person_id == actor.person_id)
    membership = await visible_membership(session, access, person_id)
    history = await session.exec(
        select(MembershipEvent)
        .where(col(MembershipEvent.membership_id) == membership.id)
        .order_by(col(MembershipEvent.at), col(MembershipEvent.id))
    )
    return membership, list(history)


def member_conditions(access: DomainAccess, status: S | None, role: Role | None) -> list[Any]:
    clauses: list[Any] = [col(Membership.domain_id) == access.domain.id]
    if not access.sees_every_membership:
        clauses.append(active_membership())
    if status is not None:
        clauses.append(col(Membership.status) == status)
    if role is not None:
        clauses.append(col(Membership.roles).contains([role.value]))
    return clauses


async def list_members(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: PageParams,
    *,
    status: S | None = None,
    role: Role | None = None,
) -> Page[Membership]:
    access = (await domain_access(session, actor, slug)).require_read_members()
    stmt = select(Membership).where(*member_conditions(access, status, role))
    return await paginate(
        session,
        stmt,
        created_col=col(Membership.created_at),
        id_col=col(Membership.id),
        params=params,
    )


async def list_person_memberships(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID, params: PageParams
) -> Page[Membership]:
    await get_person(session, actor, person_id)
    stmt: Any = select(Membership).where(col(Membership.person_id) == person_id)
    stmt = stmt.where(*visible_memberships_of(actor, person_id))
    return await paginate(
        session,
        stmt,
        created_col=col(Membership.created_at),
        id_col=col(Membership.id),
        params=params,
    )
