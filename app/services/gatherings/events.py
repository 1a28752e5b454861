"""Events for gatherings, RSVPs and attendance. Payloads show a resource as the REST API
shows it to a member of the domain, with no caller-specific fields: subscribers are the
domain's convenors and platform admins."""

from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.gatherings import AttendancePublic, Gathering, Rsvp, RsvpPublic
from app.services.actors import Actor
from app.services.changes import events
from app.services.gatherings.public import to_public, views_for

_NEUTRAL = Actor(is_platform_admin=True)


async def gathering_changed(
    session: AsyncSession, actor: Actor, type_: str, gathering: Gathering
) -> None:
    """Record a change to an occurrence; the caller commits."""
    await session.flush()
    view = (await views_for(session, _NEUTRAL, [gathering]))[0]
    await events.record(
        session,
        actor,
        type_,
        domain_id=gathering.domain_id,
        resource_type="gathering",
        resource_id=gathering.id,
        payload=to_public(view).model_dump(mode="json"),
    )


async def rsvps_changed(
    session: AsyncSession,
    actor: Actor,
    gathering: Gathering,
    changed: Sequence[tuple[str, Rsvp]],
) -> None:
    """Record RSVP changes (`rsvp.created`, `rsvp.changed`, `rsvp.withdrawn`)."""
    await session.flush()
    for type_, rsvp in changed:
        await events.record(
            session,
            actor,
            type_,
            domain_id=gathering.domain_id,
            resource_type="rsvp",
            resource_id=rsvp.id,
            payload=RsvpPublic.model_validate(rsvp).model_dump(mode="json"),
        )


async def attendance_recorded(
    session: AsyncSession, actor: Actor, gathering: Gathering, rows: Sequence[Any]
) -> None:
    """One event for each recording: the gathering's attendance as it now stands."""
    await events.record(
        session,
        actor,
        "attendance.recorded",
        domain_id=gathering.domain_id,
        resource_type="attendance",
        resource_id=gathering.id,
        payload={
            "gathering_id": str(gathering.id),
            "attendance": [
                AttendancePublic.model_validate(a).model_dump(mode="json") for a in rows
            ],
        },
    )
