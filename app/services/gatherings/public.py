"""An occurrence as the caller sees it: RSVP counts, their own RSVP, and the join link
only for members of its domain."""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.gatherings import (
    Gathering,
    GatheringPublic,
    GatheringSeries,
    RecurrencePublic,
    Rsvp,
    RsvpStatus,
)
from app.services.access import actor_memberships, is_active
from app.services.actors import Actor
from app.services.gatherings import recurrence
from app.services.gatherings.occurrences import ends_at, load_gathering


@dataclass
class GatheringView:
    """An occurrence with what the caller may know about it."""

    gathering: Gathering
    series: GatheringSeries
    going: int
    waitlisted: int
    my_rsvp: str | None
    is_member: bool


async def views_for(
    session: AsyncSession, actor: Actor, gatherings: list[Gathering]
) -> list[GatheringView]:
    """Counts, the caller's RSVP and membership for many occurrences, in three queries."""
    if not gatherings:
        return []
    ids = [g.id for g in gatherings]
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    rows = await session.exec(
        select(Rsvp.gathering_id, Rsvp.status, func.count())
        .where(col(Rsvp.gathering_id).in_(ids))
        .group_by(col(Rsvp.gathering_id), col(Rsvp.status))
    )
    for gathering_id, status, n in rows:
        counts[gathering_id][status] = n
    mine: dict[uuid.UUID, str] = {}
    if actor.person_id is not None:
        mine = {
            r.gathering_id: r.status
            for r in await session.exec(
                select(Rsvp).where(
                    col(Rsvp.gathering_id).in_(ids), col(Rsvp.person_id) == actor.person_id
                )
            )
        }
    series_ids = list({g.series_id for g in gatherings})
    series = {
        s.id: s
        for s in await session.exec(
            select(GatheringSeries).where(col(GatheringSeries.id).in_(series_ids))
        )
    }
    memberships = await actor_memberships(session, actor, list({g.domain_id for g in gatherings}))
    return [
        GatheringView(
            gathering=g,
            series=series[g.series_id],
            going=counts[g.id].get(RsvpStatus.going, 0),
            waitlisted=counts[g.id].get(RsvpStatus.waitlisted, 0),
            my_rsvp=mine.get(g.id),
            is_member=actor.can_read_all or is_active(memberships.get(g.domain_id)),
        )
        for g in gatherings
    ]


async def get_gathering(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID
) -> GatheringView:
    gathering, _ = await load_gathering(session, actor, gathering_id)
    return (await views_for(session, actor, [gathering]))[0]


def to_public(view: GatheringView) -> GatheringPublic:
    g = view.gathering
    tz = recurrence.local_start(g.start_at, g.timezone)
    return GatheringPublic(
        id=g.id,
        domain_id=g.domain_id,
        title=g.title,
        theme=g.theme,
        guiding_question=g.guiding_question,
        description=g.description,
        start=g.start_at,
        end=ends_at(g),
        start_local=tz.replace(tzinfo=None).isoformat(),
        timezone=g.timezone,
        duration_minutes=g.duration_minutes,
        modality=g.modality,
        location=g.location,
        join_url=g.join_url if view.is_member else None,
        capacity=g.capacity,
        host_ids=g.host_ids,
        agenda=g.agenda,
        status=g.status,
        recurrence=RecurrencePublic(
            series_id=g.series_id,
            rrule=view.series.rrule,
            index=g.sequence_index,
            original_start=g.original_start,
            is_exception=g.is_exception,
        ),
        going_count=view.going,
        waitlist_count=view.waitlisted,
        my_rsvp=view.my_rsvp,
        summary=g.summary,
        decisions=g.decisions,
        follow_ups=g.follow_ups,
        summary_at=g.summary_at,
        created_at=g.created_at,
        updated_at=g.updated_at,
        version=g.version,
    )
