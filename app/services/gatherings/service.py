"""Gatherings: a community's regular meetings. A series (one-off or recurring) is
expanded into occurrences when it is scheduled; each occurrence is addressable on its own
(RSVPs, attendance, summary) and can be moved or cancelled alone."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, FieldError, Forbidden, Invalid, NotFound, invalid_field
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.gatherings import (
    EditScope,
    Gathering,
    GatheringCreate,
    GatheringPublic,
    GatheringSeries,
    GatheringStatus,
    GatheringUpdate,
    RecurrencePublic,
    Rsvp,
    RsvpStatus,
)
from app.models.memberships import Membership, Role
from app.services.access import (
    DomainAccess,
    active_member_ids,
    active_membership,
    actor_memberships,
    domain_access,
    is_active,
    visible_domains,
)
from app.services.actors import Actor
from app.services.gatherings import recurrence
from app.services.pagination import Page, PageParams, paginate
from app.services.validation import refuse_nulls
from app.services.versions import Expected, check_version
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


@dataclass
class GatheringView:
    """An occurrence with what the caller may know about it."""

    gathering: Gathering
    series: GatheringSeries
    going: int
    waitlisted: int
    my_rsvp: str | None
    is_member: bool


async def _check_hosts(
    session: AsyncSession, domain_id: uuid.UUID, field: str, ids: list[uuid.UUID]
) -> None:
    members = await active_member_ids(session, domain_id, ids)
    strangers = [str(i) for i in ids if i not in members]
    if strangers:
        raise Invalid(
            "Hosts must be active members of the domain.",
            errors=[
                FieldError(field, f"not an active member: {', '.join(strangers)}", "not_member")
            ],
        )


def _check_agenda(agenda: list[dict[str, Any]], duration: int) -> None:
    total = sum(int(s["minutes"]) for s in agenda)
    if total > duration:
        raise Invalid(
            f"The agenda takes {total} minutes but the gathering lasts {duration}.",
            errors=[FieldError("agenda", f"{total} minutes exceed {duration}", "agenda_too_long")],
        )


def can_schedule(access: DomainAccess) -> bool:
    return access.can_manage or access.has_role(Role.core)


def can_host(access: DomainAccess, gathering: Gathering) -> bool:
    return access.can_manage or (
        access.is_active_member and access.actor.person_id in gathering.host_ids
    )


async def create_gathering(
    session: AsyncSession, actor: Actor, slug: str, data: GatheringCreate
) -> Gathering:
    access = (await domain_access(session, actor, slug)).require_writable()
    if not can_schedule(access):
        raise Forbidden("Convenors and the core group schedule gatherings.")
    domain = access.domain
    agenda = [s.model_dump(mode="json") for s in data.agenda]
    _check_agenda(agenda, data.duration_minutes)
    await _check_hosts(session, domain.id, "host_ids", data.host_ids)
    await _check_hosts(session, domain.id, "rotation_host_ids", data.rotation_host_ids)
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
    occurrences = []
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
    from app.services.gatherings.events import gathering_changed

    await gathering_changed(session, actor, "gathering.scheduled", occurrences[0])
    await session.commit()
    return occurrences[0]


async def load_gathering(
    session: AsyncSession, actor: Actor, gathering_id: uuid.UUID, *, lock: bool = False
) -> tuple[Gathering, DomainAccess]:
    """The occurrence and the caller's access to its domain; 404 if the domain is hidden."""
    stmt = select(Gathering).where(col(Gathering.id) == gathering_id)
    if lock:
        stmt = stmt.with_for_update()
    gathering = (await session.exec(stmt)).one_or_none()
    if gathering is None:
        raise NotFound("No such gathering.")
    domain = await session.get(Domain, gathering.domain_id)
    assert domain is not None
    try:
        access = await domain_access(session, actor, domain.slug)
    except NotFound as exc:
        raise NotFound("No such gathering.") from exc
    return gathering, access


async def lock_gathering(session: AsyncSession, gathering_id: uuid.UUID) -> Gathering:
    """Take the row lock on an occurrence and read it afresh."""
    return (
        await session.exec(
            select(Gathering)
            .where(col(Gathering.id) == gathering_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()


def _window_filter(lo: datetime, hi: datetime) -> list[Any]:
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
    stmt = stmt.where(*_window_filter(lo, hi))
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
    stmt = stmt.where(*_window_filter(lo, hi))
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
        end=g.start_at + timedelta(minutes=g.duration_minutes),
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
    """Change one occurrence, or it and every later one of its series. Changing the
    following occurrences of a series from its middle splits the series in two, as
    calendar clients expect (the first half gets an UNTIL)."""
    from app.services.gatherings.events import gathering_changed, rsvps_changed
    from app.services.gatherings.rsvps import going_count, promote_waitlist

    gathering, access = await load_gathering(session, actor, gathering_id)
    access.require_writable()
    if not can_host(access, gathering):
        raise Forbidden("Only hosts and convenors change a gathering.")
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, _REQUIRED)
    if changes.get("status") == GatheringStatus.completed:
        raise invalid_field("status", "A gathering is completed by writing its summary.")
    if "host_ids" in changes:
        await _check_hosts(session, gathering.domain_id, "host_ids", changes["host_ids"])
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
        _check_agenda(target.agenda, target.duration_minutes)
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
        promoted = []
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
