"""Endorsements on the service: once per person and kind, never your own."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Forbidden, NotFound
from app.models.contributions import Endorsement, EndorsementInput, EndorsementKind
from app.services.contributions import endorsements
from app.services.contributions import service as contributions
from tests.factories import actor_of, add_member, make_contribution, make_domain, make_person
from tests.support import count, refused


async def test_each_kind_once_per_person(session: AsyncSession) -> None:
    convenor = await make_person(session)
    author, reader = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, author)
    await add_member(session, domain, reader)
    story = await make_contribution(session, author, domain)
    helpful = EndorsementInput(kind=EndorsementKind.helpful)
    first, created = await endorsements.endorse(session, actor_of(reader), story.id, helpful)
    assert created
    again, created = await endorsements.endorse(session, actor_of(reader), story.id, helpful)
    assert (again.id, created) == (first.id, False)
    applied = EndorsementInput(kind=EndorsementKind.applied)
    _, created = await endorsements.endorse(session, actor_of(reader), story.id, applied)
    assert created
    counted = await contributions.get_contribution(session, actor_of(reader), story.id)
    await session.refresh(counted)
    assert (counted.helpful_count, counted.applied_count) == (1, 1)
    assert await count(session, Endorsement) == 2
    await endorsements.withdraw(session, actor_of(reader), story.id, EndorsementKind.helpful)
    await refused(
        session,
        endorsements.withdraw(session, actor_of(reader), story.id, EndorsementKind.helpful),
        NotFound,
    )
    await session.refresh(counted)
    assert (counted.helpful_count, counted.applied_count) == (0, 1)
    await refused(
        session, endorsements.endorse(session, actor_of(author), story.id, helpful), Forbidden
    )
