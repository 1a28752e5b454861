"""Scheduling a gathering: a series (one-off or recurring) is expanded into its
occurrences at once, each then addressable on its own."""

from datetime import UTC
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import FieldError, Forbidden, Invalid
from app.models.gatherings import Gathering, GatheringCreate, GatheringSeries
from app.services.access import domain_access
from app.services.actors import Actor
from app.services.gatherings import recurrence
from app.services.gatherings.events import gathering_changed
from app.services.gatherings.occurrences import require_members

# What each occurrence copies from the request as it is.
_COPIED = (
    "title",
    "theme",
    "guiding_question",
    "description",
    "modality",
    "location",
    "capacity",
    "timezone",
    "duration_minutes",
)


def check_agenda(agenda: list[dict[str, Any]], duration: int) -> None:
    total = sum(int(s["minutes"]) for s in agenda)
    if total > duration:
        raise Invalid(
            f"The agenda takes {total} minutes but the gathering lasts {duration}.",
            errors=[FieldError("agenda", f"{total} minutes exceed {duration}", "agenda_too_long")],
        )


async def create_gathering(
    session: AsyncSession, actor: Actor, slug: str, data: GatheringCreate
) -> Gathering:
    """Schedule a gathering or a series; returns its first occurrence."""
    access = (await domain_access(session, actor, slug)).require_writable()
    if not access.can_schedule:
        raise Forbidden("Convenors and the core group schedule gatherings.")
    domain = access.domain
    agenda = [s.model_dump(mode="json") for s in data.agenda]
    check_agenda(agenda, data.duration_minutes)
    await require_members(session, domain.id, "host_ids", data.host_ids, "Hosts")
    await require_members(session, domain.id, "rotation_host_ids", data.rotation_host_ids, "Hosts")
    start = recurrence.local_start(data.start, data.timezone)
    rule = recurrence.normalize(data.rrule, start) if data.rrule else None
    starts = recurrence.expand(rule, start)
    series = GatheringSeries(
        domain_id=domain.id,
        rrule=rule,
        # The first occurrence, not the requested start: a DTSTART the rule does not
        # generate (a Wednesday for BYDAY=TH) is an extra occurrence in calendar clients.
        dtstart=starts[0].astimezone(UTC),
        timezone=data.timezone,
        duration_minutes=data.duration_minutes,
        rotation_host_ids=data.rotation_host_ids,
        created_by_id=actor.person_id,
    )
    session.add(series)
    await session.flush()
    default_hosts = data.host_ids or ([actor.person_id] if actor.person_id else [])
    rotation = data.rotation_host_ids
    fields = data.model_dump(include=set(_COPIED))
    occurrences: list[Gathering] = []
    for index, local in enumerate(starts):
        hosts = [rotation[index % len(rotation)], *data.host_ids] if rotation else default_hosts
        occurrences.append(
            Gathering(
                **fields,
                series_id=series.id,
                domain_id=domain.id,
                sequence_index=index,
                original_start=local.astimezone(UTC),
                start_at=local.astimezone(UTC),
                join_url=str(data.join_url) if data.join_url else None,
                host_ids=list(dict.fromkeys(hosts)),
                agenda=agenda,
                created_by_id=actor.person_id,
            )
        )
    session.add_all(occurrences)
    await gathering_changed(session, actor, "gathering.scheduled", occurrences[0])
    await session.commit()
    return occurrences[0]
