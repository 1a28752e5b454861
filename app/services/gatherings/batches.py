"""Batched reads of gatherings for GraphQL DataLoaders: one statement per level of a
nested query, however many domains or occurrences are asked about."""

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden
from app.models.domains import Domain
from app.models.gatherings import (
    Attendance,
    Gathering,
    GatheringPublic,
    GatheringStatus,
    Rsvp,
    RsvpList,
)
from app.models.memberships import Membership
from app.models.people import Person
from app.services.access import DomainAccess, active_membership, actor_memberships, visible_domains
from app.services.actors import Actor
from app.services.gatherings.listing import GATHERING_WINDOW, window_filter
from app.services.gatherings.occurrences import sees_everyone
from app.services.gatherings.public import to_public, views_for
from app.services.gatherings.rsvps import RSVP_ORDER, rsvp_list
from app.services.pagination import Keyset, Page, PageParams, SortKey, windowed_pages
from app.services.windows import parse_window

BY_START = Keyset([SortKey(col(Gathering.start_at), "time"), SortKey(col(Gathering.id), "uuid")])


async def gatherings_for_domains(
    session: AsyncSession,
    actor: Actor,
    domain_ids: list[uuid.UUID],
    params: PageParams,
    start: datetime | None,
    end: datetime | None,
    status: GatheringStatus | None,
) -> dict[uuid.UUID, Page[GatheringPublic]]:
    lo, hi = parse_window(start, end, GATHERING_WINDOW)
    conditions: list[Any] = [
        col(Gathering.domain_id).in_(
            select(Domain.id).where(col(Domain.id).in_(domain_ids), visible_domains(actor))
        ),
        *window_filter(lo, hi),
    ]
    if status:
        conditions.append(col(Gathering.status) == status)
    pages = await windowed_pages(
        session,
        select(Gathering).where(and_(*conditions)),
        Gathering,
        col(Gathering.domain_id),
        BY_START,
        params,
        domain_ids,
        lambda g: [g.start_at, g.id],
    )
    return await _shown(session, actor, pages)


async def _shown(
    session: AsyncSession, actor: Actor, pages: dict[uuid.UUID, Page[Gathering]]
) -> dict[uuid.UUID, Page[GatheringPublic]]:
    shown = {g.id: g for page in pages.values() for g in page.items}
    views = {v.gathering.id: v for v in await views_for(session, actor, list(shown.values()))}
    return {
        key: page.with_items([to_public(views[g.id]) for g in page.items])
        for key, page in pages.items()
    }


async def readable_gatherings(
    session: AsyncSession, actor: Actor, gathering_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Gathering, DomainAccess]]:
    """Those of these occurrences whose domain's content the caller reads (the rule of
    `occurrences.load_gathering`), with the caller's access to that domain."""
    gatherings = list(
        await session.exec(select(Gathering).where(col(Gathering.id).in_(gathering_ids)))
    )
    domain_ids = list({g.domain_id for g in gatherings})
    domains = {
        d.id: d for d in await session.exec(select(Domain).where(col(Domain.id).in_(domain_ids)))
    }
    mine = await actor_memberships(session, actor, domain_ids)
    result = {}
    for g in gatherings:
        access = DomainAccess(actor, domains[g.domain_id], mine.get(g.domain_id))
        if access.can_read_content:
            result[g.id] = (g, access)
    return result


def _refused(what: str) -> Forbidden:
    return Forbidden(f"Only members of the domain see {what}.")


async def rsvps_for_gatherings(
    session: AsyncSession, actor: Actor, gathering_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RsvpList | Forbidden]:
    """The same rule as the REST list (`rsvps.list_rsvps`)."""
    accesses = await readable_gatherings(session, actor, gathering_ids)
    allowed = [gid for gid, (_, access) in accesses.items() if access.can_read_members]
    rows: dict[uuid.UUID, list[Rsvp]] = defaultdict(list)
    if allowed:
        for r in await session.exec(
            select(Rsvp).where(col(Rsvp.gathering_id).in_(allowed)).order_by(*RSVP_ORDER)
        ):
            rows[r.gathering_id].append(r)
    result: dict[uuid.UUID, RsvpList | Forbidden] = {}
    for gid in gathering_ids:
        if gid not in allowed:
            result[gid] = _refused("RSVPs")
            continue
        gathering, access = accesses[gid]
        result[gid] = rsvp_list(rows.get(gid, []), actor, access, gathering)
    return result


async def attendance_for_gatherings(
    session: AsyncSession, actor: Actor, gathering_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Attendance] | Forbidden]:
    """Hosts and convenors see everyone; members see themselves and those who share."""
    accesses = await readable_gatherings(session, actor, gathering_ids)
    allowed = [gid for gid, (_, access) in accesses.items() if access.can_read_members]
    rows: dict[uuid.UUID, list[Attendance]] = defaultdict(list)
    sharing: set[uuid.UUID] = set()
    if allowed:
        stmt = (
            select(Attendance, Person.share_participation)
            .join(Person, col(Person.id) == col(Attendance.person_id))
            .where(col(Attendance.gathering_id).in_(allowed))
            .order_by(col(Attendance.created_at), col(Attendance.id))
        )
        for attendance, shares in await session.exec(stmt):
            rows[attendance.gathering_id].append(attendance)
            if shares:
                sharing.add(attendance.person_id)
    result: dict[uuid.UUID, list[Attendance] | Forbidden] = {}
    for gid in gathering_ids:
        if gid not in allowed:
            result[gid] = _refused("attendance")
            continue
        gathering, access = accesses[gid]
        items = rows.get(gid, [])
        if not sees_everyone(access, gathering):
            items = [a for a in items if a.person_id in sharing or a.person_id == actor.person_id]
        result[gid] = items
    return result


async def gatherings_for_people(
    session: AsyncSession,
    actor: Actor,
    person_ids: list[uuid.UUID],
    params: PageParams,
    start: datetime | None,
    end: datetime | None,
) -> dict[uuid.UUID, Page[GatheringPublic]]:
    """Each person's agenda (as `listing.list_my_gatherings`), for many people in one
    statement: occurrences in the non-archived domains they are active members of, among
    the domains the caller may see."""
    lo, hi = parse_window(start, end, GATHERING_WINDOW)
    conditions: list[Any] = [
        col(Membership.person_id).in_(person_ids),
        active_membership(),
        col(Domain.archived_at).is_(None),
        col(Gathering.domain_id).in_(select(Domain.id).where(visible_domains(actor))),
        *window_filter(lo, hi),
    ]
    pages = await windowed_pages(
        session,
        select(Gathering)
        .join(Membership, col(Membership.domain_id) == col(Gathering.domain_id))
        .join(Domain, col(Domain.id) == col(Gathering.domain_id))
        .where(and_(*conditions)),
        Gathering,
        col(Membership.person_id),
        BY_START,
        params,
        person_ids,
        lambda g: [g.start_at, g.id],
    )
    return await _shown(session, actor, pages)
