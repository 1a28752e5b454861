"""Gatherings in a window of time: a domain's, and a person's agenda across their
domains."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.gatherings import Gathering, GatheringStatus
from app.models.memberships import Membership
from app.services.access import active_membership, domain_access, visible_domains
from app.services.actors import Actor
from app.services.gatherings.public import GatheringView, views_for
from app.services.pagination import Page, PageParams, paginate
from app.services.windows import Refusal, WindowKind, parse_window

GATHERING_WINDOW = WindowKind(
    forward=True,
    span=timedelta(days=90),
    longest=timedelta(days=3 * 366),
    outside=Refusal("from", "The window falls outside the calendar."),
    order=Refusal("to", "`to` must be after `from`."),
    too_long=Refusal("to", "A window spans at most three years."),
)
"""An agenda's window: `from` defaults to now (or to 90 days before `to`), `to` to 90
days after `from`."""


def window_filter(lo: datetime, hi: datetime) -> list[Any]:
    """Occurrences that overlap the window: ending after `lo`, starting before `hi`."""
    end = col(Gathering.start_at) + func.make_interval(
        0, 0, 0, 0, 0, col(Gathering.duration_minutes)
    )
    return [end > lo, col(Gathering.start_at) < hi]


async def list_domain_gatherings(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: PageParams,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: GatheringStatus | None = None,
) -> Page[GatheringView]:
    access = await domain_access(session, actor, slug)
    lo, hi = parse_window(start, end, GATHERING_WINDOW)
    stmt: Any = select(Gathering).where(col(Gathering.domain_id) == access.domain.id)
    stmt = stmt.where(*window_filter(lo, hi))
    if status:
        stmt = stmt.where(col(Gathering.status) == status)
    page = await paginate(
        session,
        stmt,
        created_col=col(Gathering.start_at),
        id_col=col(Gathering.id),
        params=params,
        key=_start_key,
    )
    return await _views(session, actor, page)


async def list_my_gatherings(
    session: AsyncSession,
    actor: Actor,
    params: PageParams,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    person_id: uuid.UUID | None = None,
) -> Page[GatheringView]:
    """A personal agenda: occurrences across the domains a person is an active member of
    (archived domains aside, as in the personal calendar feed)."""
    who = person_id or actor.require_person()
    lo, hi = parse_window(start, end, GATHERING_WINDOW)
    domains = (
        select(Membership.domain_id)
        .join(Domain, col(Domain.id) == col(Membership.domain_id))
        .where(
            col(Membership.person_id) == who,
            active_membership(),
            col(Domain.archived_at).is_(None),
        )
    )
    stmt: Any = select(Gathering).where(col(Gathering.domain_id).in_(domains))
    if who != actor.member_id:
        visible = select(Domain.id).where(visible_domains(actor))
        stmt = stmt.where(col(Gathering.domain_id).in_(visible))
    stmt = stmt.where(*window_filter(lo, hi))
    page = await paginate(
        session,
        stmt,
        created_col=col(Gathering.start_at),
        id_col=col(Gathering.id),
        params=params,
        key=_start_key,
    )
    return await _views(session, actor, page)


@dataclass
class _StartKey:
    created_at: datetime
    id: uuid.UUID


def _start_key(g: Gathering) -> _StartKey:
    return _StartKey(g.start_at, g.id)


async def _views(session: AsyncSession, actor: Actor, page: Page[Gathering]) -> Page[GatheringView]:
    views = await views_for(session, actor, page.items)
    return page.with_items(views)
