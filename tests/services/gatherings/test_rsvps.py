"""RSVPs: who may answer, the capacity and its waitlist, first come first served."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.base import replayed_at
from app.models.gatherings import (
    EditScope,
    GatheringStatus,
    GatheringUpdate,
    RsvpResponse,
    RsvpStatus,
)
from app.services.gatherings import rsvps, series
from tests.factories import (
    actor_of,
    circle,
    from_now,
    make_gathering,
    make_members,
)

GOING = RsvpResponse.going


async def test_going_beyond_the_capacity_joins_the_waitlist(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, capacity=2)
    a, b, d = await make_members(session, c.domain, 3)
    statuses = [(await rsvps.set_rsvp(session, actor_of(p), g.id, GOING)).status for p in (a, b, d)]
    assert statuses == [RsvpStatus.going, RsvpStatus.going, RsvpStatus.waitlisted]


async def test_a_freed_place_goes_to_the_first_on_the_waitlist(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, capacity=1)
    a, b, d = await make_members(session, c.domain, 3)
    for p in (a, b, d):
        await rsvps.set_rsvp(session, actor_of(p), g.id, GOING)
    await rsvps.set_rsvp(session, actor_of(a), g.id, RsvpResponse.declined)
    listed = await rsvps.list_rsvps(session, actor_of(c.convenor), g.id)
    status = {r.person_id: r.status for r in listed.items}
    assert status == {
        a.id: RsvpStatus.declined,
        b.id: RsvpStatus.going,
        d.id: RsvpStatus.waitlisted,
    }
    await rsvps.remove_rsvp(session, actor_of(b), g.id, b.id)
    listed = await rsvps.list_rsvps(session, actor_of(c.convenor), g.id)
    assert {r.person_id: r.status for r in listed.items}[d.id] == RsvpStatus.going


async def test_raising_the_capacity_moves_the_waitlist_up(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, capacity=1)
    people = await make_members(session, c.domain, 3)
    for p in people:
        await rsvps.set_rsvp(session, actor_of(p), g.id, GOING)
    await series.update_gathering(session, actor_of(c.convenor), g.id, GatheringUpdate(capacity=2))
    listed = await rsvps.list_rsvps(session, actor_of(c.convenor), g.id)
    assert listed.counts.going == 2 and listed.counts.waitlisted == 1


async def test_the_capacity_cannot_drop_below_those_going(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, capacity=3)
    for p in await make_members(session, c.domain, 2):
        await rsvps.set_rsvp(session, actor_of(p), g.id, GOING)
    with pytest.raises(Invalid) as refused:
        await series.update_gathering(
            session, actor_of(c.convenor), g.id, GatheringUpdate(capacity=1), EditScope.this
        )
    assert [e.code for e in refused.value.errors] == ["below_going"]


async def test_going_twice_keeps_the_place_in_the_queue(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, capacity=1)
    a, b = await make_members(session, c.domain, 2)
    await rsvps.set_rsvp(session, actor_of(a), g.id, GOING)
    first = await rsvps.set_rsvp(session, actor_of(b), g.id, GOING)
    again = await rsvps.set_rsvp(session, actor_of(b), g.id, GOING)
    assert again.status == RsvpStatus.waitlisted and again.queued_at == first.queued_at


async def test_only_active_members_answer(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor)
    with pytest.raises(Forbidden):
        await rsvps.set_rsvp(session, actor_of(c.outsider), g.id, GOING)


async def test_no_answer_to_a_cancelled_or_past_gathering(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor)
    cancel = GatheringUpdate(status=GatheringStatus.cancelled)
    await series.update_gathering(session, actor_of(c.convenor), g.id, cancel)
    with pytest.raises(Conflict) as cancelled:
        await rsvps.set_rsvp(session, actor_of(c.member), g.id, GOING)
    assert cancelled.value.problem == "gathering-cancelled"
    with replayed_at(from_now(days=-30)):
        past = await make_gathering(
            session, c.domain, c.convenor, start=from_now(days=-29), timezone="UTC"
        )
    with pytest.raises(Conflict) as over:
        await rsvps.set_rsvp(session, actor_of(c.member), past.id, GOING)
    assert over.value.problem == "gathering-past"


async def test_members_see_counts_and_their_own_hosts_see_all(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, host_ids=[c.core.id])
    for p in (c.member, c.core):
        await rsvps.set_rsvp(session, actor_of(p), g.id, RsvpResponse.maybe)
    mine = await rsvps.list_rsvps(session, actor_of(c.member), g.id)
    assert mine.counts.maybe == 2
    assert [r.person_id for r in mine.items] == [c.member.id] and mine.mine is not None
    hosts = await rsvps.list_rsvps(session, actor_of(c.core), g.id)
    assert {r.person_id for r in hosts.items} == {c.member.id, c.core.id}
    with pytest.raises(Forbidden):
        await rsvps.list_rsvps(session, actor_of(c.outsider), g.id)


async def test_only_hosts_remove_someone_elses_rsvp(session: AsyncSession) -> None:
    c = await circle(session)
    g = await make_gathering(session, c.domain, c.convenor, host_ids=[c.core.id])
    await rsvps.set_rsvp(session, actor_of(c.member), g.id, GOING)
    other = (await make_members(session, c.domain, 1))[0]
    with pytest.raises(Forbidden):
        await rsvps.remove_rsvp(session, actor_of(other), g.id, c.member.id)
    await rsvps.remove_rsvp(session, actor_of(c.core), g.id, c.member.id)
    with pytest.raises(NotFound):
        await rsvps.remove_rsvp(session, actor_of(c.core), g.id, c.member.id)
