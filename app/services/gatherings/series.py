"""Changing an occurrence, or it and every later one of its series. Changing the
following occurrences of a series from its middle splits the series in two, as calendar
clients expect (the first half gets an UNTIL)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, invalid_field
from app.models.base import utcnow
from app.models.gatherings import (
    EditScope,
    Gathering,
    GatheringSeries,
    GatheringStatus,
    GatheringUpdate,
    Rsvp,
)
from app.services.actors import Actor
from app.services.gatherings import recurrence
from app.services.gatherings.events import gathering_changed, rsvps_changed
from app.services.gatherings.occurrences import load_gathering, require_members
from app.services.gatherings.rsvps import going_count, promote_waitlist
from app.services.gatherings.scheduling import check_agenda
from app.services.validation import refuse_nulls
from app.services.versions import Expected, check_version

_REQUIRED = (
    "title",
    "theme",
    "guiding_question",
    "description",
    "start",
    "duration_minutes",
    "modality",
    "location",
    "host_ids",
    "agenda",
    "status",
)


async def update_gathering(
    session: AsyncSession,
    actor: Actor,
    gathering_id: uuid.UUID,
    data: GatheringUpdate,
    scope: EditScope = EditScope.this,
    expected_version: Expected = None,
) -> Gathering:
    """Change one occurrence, or it and every later one of its series."""
    gathering, access = await load_gathering(session, actor, gathering_id)
    access.require_writable()
    if not access.can_host(gathering.host_ids):
        raise Forbidden("Only hosts and convenors change a gathering.")
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, _REQUIRED)
    if changes.get("status") == GatheringStatus.completed:
        raise invalid_field("status", "A gathering is completed by writing its summary.")
    if "host_ids" in changes:
        hosts = changes["host_ids"]
        await require_members(session, gathering.domain_id, "host_ids", hosts, "Hosts")
    if "join_url" in changes and changes["join_url"] is not None:
        changes["join_url"] = str(changes["join_url"])
    if "agenda" in changes:
        changes["agenda"] = [s.model_dump(mode="json") for s in data.agenda or []]
    series, targets = await _lock_targets(session, gathering, scope)
    check_version(gathering, expected_version, "gathering")
    new_start, delta = _start_change(changes, gathering, series, scope)
    status = changes.pop("status", None)
    if status is not None and gathering.status == GatheringStatus.completed:
        raise invalid_field("status", "A completed gathering cannot be cancelled or reinstated.")
    now = utcnow()
    for target in targets:
        _apply(target, changes)
        if status is not None and target.status != GatheringStatus.completed:
            target.status = status
        if target is gathering and new_start is not None:
            target.start_at = new_start.astimezone(UTC)
        elif delta:
            target.start_at = _shift(target.start_at, target.timezone, delta)
        check_agenda(target.agenda, target.duration_minutes)
        if target.capacity is not None:
            going = await going_count(session, target.id)
            if going > target.capacity:
                raise invalid_field(
                    "capacity",
                    f"{going} people are already going; the capacity cannot be lower.",
                    "below_going",
                )
        target.updated_at = now
        if scope == EditScope.this:
            target.is_exception = True
        session.add(target)
    if scope == EditScope.following:
        await _resplit(session, series, targets, actor, delta)
    series.sequence += 1
    series.updated_at = now
    session.add(series)
    await session.flush()
    for target in targets:
        promoted: list[Rsvp] = []
        if target.status == GatheringStatus.scheduled:
            promoted = await promote_waitlist(session, target)
        cancelled = status == GatheringStatus.cancelled and target.status == status
        kind = "gathering.cancelled" if cancelled else "gathering.changed"
        await gathering_changed(session, actor, kind, target)
        await rsvps_changed(session, actor, target, [("rsvp.changed", r) for r in promoted])
    await session.commit()
    return gathering


async def _lock_targets(
    session: AsyncSession, gathering: Gathering, scope: EditScope
) -> tuple[GatheringSeries, list[Gathering]]:
    """Lock the series, then its occurrences in order of original start: every write
    that touches several occurrences takes its locks in this order, so concurrent edits
    queue instead of deadlocking (an RSVP locks a single occurrence). A split committed
    meanwhile may have moved the occurrence to a new series: then lock that one."""
    for _ in range(3):
        series = (
            await session.exec(
                select(GatheringSeries)
                .where(col(GatheringSeries.id) == gathering.series_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one()
        fresh = (
            await session.exec(
                select(Gathering)
                .where(col(Gathering.id) == gathering.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).one()
        if fresh.series_id != series.id:
            continue
        if scope == EditScope.this:
            return series, [fresh]
        targets = list(
            await session.exec(
                select(Gathering)
                .where(
                    col(Gathering.series_id) == series.id,
                    col(Gathering.original_start) >= fresh.original_start,
                )
                .order_by(col(Gathering.original_start))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        return series, targets
    raise Conflict("The series keeps changing; read it again and retry.")


def _start_change(
    changes: dict[str, Any], gathering: Gathering, series: GatheringSeries, scope: EditScope
) -> tuple[datetime | None, timedelta | None]:
    """The new start in the gathering's zone, and the wall-clock shift it makes. For the
    following occurrences the shift is measured from where the rule put this one."""
    if "start" not in changes:
        return None, None
    new_start = recurrence.local_start(changes.pop("start"), gathering.timezone)
    following = scope == EditScope.following
    anchor = recurrence.local_start(
        gathering.original_start if following else gathering.start_at, gathering.timezone
    )
    delta = new_start.replace(tzinfo=None) - anchor.replace(tzinfo=None)
    day_shift_ok = series.rrule is None or (
        recurrence.frequency(series.rrule) in ("DAILY", "WEEKLY")
        and not recurrence.has_by_parts(series.rrule)
    )
    if following and new_start.date() != anchor.date() and not day_shift_ok:
        raise invalid_field(
            "start",
            "Moving the day of a series with BYDAY-style or monthly rules: schedule a new "
            "series, or move single occurrences.",
            "series_day_change",
        )
    return new_start, delta


def _shift(moment: datetime, tz: str, delta: timedelta) -> datetime:
    """`moment` moved by `delta` on the wall clock of `tz` (18:00 + 1 day is 18:00)."""
    local = recurrence.local_start(moment, tz).replace(tzinfo=None)
    return recurrence.local_start(local + delta, tz).astimezone(UTC)


def _apply(target: Gathering, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(target, field, value)


async def _resplit(
    session: AsyncSession,
    series: GatheringSeries,
    targets: list[Gathering],
    actor: Actor,
    delta: timedelta | None,
) -> None:
    first = targets[0]
    starts = [
        _shift(t.original_start, series.timezone, delta) if delta else t.original_start
        for t in targets
    ]
    earlier = (
        await session.exec(
            select(func.count()).where(
                col(Gathering.series_id) == series.id,
                col(Gathering.original_start) < first.original_start,
            )
        )
    ).one()
    if not earlier:
        # From the first occurrence on: the whole series changes; no split needed.
        series.dtstart = starts[0]
        series.duration_minutes = first.duration_minutes
        if series.rrule:
            series.rrule = recurrence.ending(series.rrule, len(targets), starts[-1])
        await _realign(session, series, targets, in_place=True)
        return
    if series.rrule is None:
        return
    new_series = GatheringSeries(
        domain_id=series.domain_id,
        rrule=recurrence.ending(series.rrule, len(targets), starts[-1]),
        dtstart=starts[0],
        timezone=series.timezone,
        duration_minutes=first.duration_minutes,
        rotation_host_ids=series.rotation_host_ids,
        created_by_id=actor.person_id,
    )
    series.rrule = recurrence.truncate_before(series.rrule, first.original_start)
    session.add(new_series)
    await session.flush()
    for index, target in enumerate(targets):
        target.series_id = new_series.id
        target.sequence_index = index
    await _realign(session, new_series, targets, in_place=False)


_PARKED = datetime(1900, 1, 1, tzinfo=UTC)


async def _realign(
    session: AsyncSession, series: GatheringSeries, targets: list[Gathering], *, in_place: bool
) -> None:
    """After a split or a whole-series move, each occurrence's original start is what the
    (new) rule generates; only occurrences moved on their own stay exceptions."""
    starts = recurrence.expand(
        series.rrule, recurrence.local_start(series.dtstart, series.timezone)
    )
    generated = [s.astimezone(UTC) for s in starts]
    if in_place and any(t.original_start != g for t, g in zip(targets, generated, strict=False)):
        # Occurrences keep their series, and (series, original start) is unique row by
        # row: park them on distinct placeholder times first so no two clash mid-update.
        for index, target in enumerate(targets):
            target.original_start = _PARKED + timedelta(seconds=index)
        await session.flush()
    for target, start in zip(targets, [*generated, *([None] * len(targets))], strict=False):
        target.original_start = start if start is not None else target.start_at
        if not target.is_exception:
            target.start_at = target.original_start
