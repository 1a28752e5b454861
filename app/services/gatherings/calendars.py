"""iCalendar (RFC 5545) feeds. A recurring series is one VEVENT with its RRULE; an
occurrence changed or cancelled on its own is an overriding VEVENT with RECURRENCE-ID;
an occurrence the rule generates but the series no longer has is an EXDATE."""

import secrets
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, vRecur
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound, Unauthenticated
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.gatherings import FeedToken, Gathering, GatheringSeries, GatheringStatus
from app.models.memberships import Membership
from app.models.people import Person
from app.services.access import active_membership, domain_access, my_memberships
from app.services.actors import Actor
from app.services.gatherings import recurrence
from app.services.people.auth import sha256

PRODID = "-//cop-api//communities of practice//EN"
FEED_TOKEN_PREFIX = "cal_"
FEED_PAST = timedelta(days=366)
# A VTIMEZONE starts a little before the first instant in its zone and ends a little after
# the last, so that no instance sits on the edge of the rules it is read with.
ZONE_MARGIN = timedelta(days=7)

# Per time zone, the first and last date a feed shows in it.
Spans = dict[str, tuple[date, date]]


async def create_feed_token(session: AsyncSession, actor: Actor) -> tuple[FeedToken, str]:
    person_id = actor.require_write().require_person()
    secret = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = FeedToken(person_id=person_id, token_hash=sha256(secret))
    session.add(token)
    await session.commit()
    return token, secret


async def list_feed_tokens(session: AsyncSession, actor: Actor) -> list[FeedToken]:
    person_id = actor.require_person()
    return list(
        await session.exec(
            select(FeedToken)
            .where(col(FeedToken.person_id) == person_id)
            .order_by(col(FeedToken.created_at))
        )
    )


async def revoke_feed_token(session: AsyncSession, actor: Actor, token_id: uuid.UUID) -> None:
    person_id = actor.require_write().require_person()
    token = await session.get(FeedToken, token_id)
    if token is None or token.person_id != person_id:
        raise NotFound("No such feed token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        await session.commit()


async def actor_from_feed_token(session: AsyncSession, secret: str) -> Actor:
    row = (
        await session.exec(
            select(FeedToken, Person)
            .join(Person, col(Person.id) == col(FeedToken.person_id))
            .where(col(FeedToken.token_hash) == sha256(secret))
        )
    ).one_or_none()
    if row is None or row[0].revoked_at is not None or not row[1].is_active:
        raise Unauthenticated("This calendar link is unknown or revoked.", problem="invalid-token")
    person = row[1]
    return Actor(
        person_id=person.id,
        is_platform_admin=person.is_platform_admin,
        email_verified=person.email_verified_at is not None,
    )


async def domain_calendar(session: AsyncSession, actor: Actor, slug: str) -> bytes:
    access = await domain_access(session, actor, slug)
    show_links = access.can_read_members
    return await _calendar(
        session,
        [access.domain],
        {access.domain.id} if show_links else set(),
        name=access.domain.name,
    )


async def personal_calendar(session: AsyncSession, actor: Actor) -> bytes:
    actor.require_person()
    domains = list(
        await session.exec(
            select(Domain)
            .join(Membership, col(Membership.domain_id) == col(Domain.id))
            .where(
                my_memberships(actor),
                active_membership(),
                col(Domain.archived_at).is_(None),
            )
        )
    )
    return await _calendar(session, domains, {d.id for d in domains}, name="My gatherings")


async def _calendar(
    session: AsyncSession, domains: list[Domain], member_of: set[uuid.UUID], *, name: str
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    domain_ids = [d.id for d in domains]
    spans: Spans = {}
    if domain_ids:
        since = utcnow() - FEED_PAST
        series = list(
            await session.exec(
                select(GatheringSeries).where(col(GatheringSeries.domain_id).in_(domain_ids))
            )
        )
        occurrences: dict[uuid.UUID, list[Gathering]] = defaultdict(list)
        for g in await session.exec(
            select(Gathering)
            .where(
                col(Gathering.domain_id).in_(domain_ids),
                # An occurrence moved far back still answers for its slot in the rule.
                or_(col(Gathering.start_at) >= since, col(Gathering.original_start) >= since),
            )
            .order_by(col(Gathering.original_start))
        ):
            occurrences[g.series_id].append(g)
        for s in series:
            if occurrences.get(s.id):
                for event in _series_events(s, occurrences[s.id], s.domain_id in member_of, spans):
                    cal.add_component(event)
    # One VTIMEZONE per zone, whose rules cover every instance shown in that zone, from a
    # series' first instance to its last (RFC 5545 §3.6.5), not 1970-2038.
    used = cal.get_used_tzids()  # a time in UTC is written with Z and needs none
    for position, tzid in enumerate(sorted(used & spans.keys())):
        first, last = spans[tzid]
        cal.subcomponents.insert(
            position,
            Timezone.from_tzid(tzid, first_date=first - ZONE_MARGIN, last_date=last + ZONE_MARGIN),
        )
    return bytes(cal.to_ical())


def _event(
    g: Gathering,
    uid: str,
    sequence: int,
    show_link: bool,
    *,
    start: datetime | None = None,
    minutes: int | None = None,
    status: str | None = None,
) -> Event:
    zone_start = recurrence.local_start(start or g.start_at, g.timezone)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", g.updated_at.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", zone_start)
    event.add("dtend", zone_start + timedelta(minutes=minutes or g.duration_minutes))
    event.add("summary", g.title)
    description = "\n\n".join(p for p in (g.guiding_question, g.description) if p)
    if description:
        event.add("description", description)
    location = g.location or (g.join_url if show_link else "")
    if location:
        event.add("location", location)
    if show_link and g.join_url:
        event.add("url", g.join_url)
    if g.theme:
        event.add("categories", [g.theme])
    cancelled = g.status == GatheringStatus.cancelled
    event.add("status", status or ("CANCELLED" if cancelled else "CONFIRMED"))
    return event


def _cover(spans: Spans, tzid: str, starts: list[datetime], minutes: int) -> None:
    """Widen the span of `tzid` to take in instances starting at `starts` and lasting
    `minutes` each."""
    first = min(starts).date()
    last = (max(starts) + timedelta(minutes=minutes)).date()
    if tzid in spans:
        first, last = min(first, spans[tzid][0]), max(last, spans[tzid][1])
    spans[tzid] = (first, last)


def _series_events(
    series: GatheringSeries, occurrences: list[Gathering], show_link: bool, spans: Spans
) -> list[Event]:
    """The VEVENTs of a series; `spans` takes in every instant they put in a zone."""
    uid = f"{series.id}@cop-api"
    if series.rrule is None:
        g = occurrences[0]
        start = recurrence.local_start(g.start_at, g.timezone)
        _cover(spans, g.timezone, [start], g.duration_minutes)
        return [_event(g, uid, series.sequence, show_link)]
    base = next((g for g in occurrences if not g.is_exception), occurrences[0])
    # The master carries the series' own start and status, not one occurrence's.
    dtstart = recurrence.local_start(series.dtstart, series.timezone)
    master = _event(
        base,
        uid,
        series.sequence,
        show_link,
        start=dtstart,
        minutes=series.duration_minutes,
        status="CONFIRMED",
    )
    master.add("rrule", vRecur.from_ical(series.rrule))
    events = [master]
    generated = recurrence.expand(series.rrule, dtstart)
    # The client expands the rule from its first instance to its last.
    _cover(spans, series.timezone, generated, series.duration_minutes)
    present = {g.original_start for g in occurrences}
    earliest = occurrences[0].original_start
    missing = [s for s in generated if s.astimezone(UTC) not in present and s >= earliest]
    if missing:
        master.add("exdate", missing)
    for g in occurrences:
        if g.is_exception or g.status == GatheringStatus.cancelled:
            override = _event(g, uid, series.sequence, show_link)
            override.add("recurrence-id", recurrence.local_start(g.original_start, g.timezone))
            events.append(override)
            moved = [recurrence.local_start(m, g.timezone) for m in (g.start_at, g.original_start)]
            _cover(spans, g.timezone, moved, g.duration_minutes)
    return events
