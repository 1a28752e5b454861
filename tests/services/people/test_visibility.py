"""Who sees whom: yourself, people sharing an active domain with you (convenors also those
asking to join), everyone for admins and keys; email and settings only for yourself and
platform admins."""

import uuid

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound
from app.models.people import Person
from app.services.actors import Actor
from app.services.pagination import PageParams
from app.services.people import service as people
from tests.factories import actor_of, add_member, make_domain, make_person


async def seen_by(session: AsyncSession, actor: Actor, *, q: str | None = None) -> set[uuid.UUID]:
    page = await people.list_people(session, actor, PageParams(limit=100), q=q)
    return {p.id for p in page.items}


async def sees(session: AsyncSession, viewer: Person, person: Person) -> bool:
    try:
        await people.get_person(session, actor_of(viewer), person.id)
    except NotFound:
        return False
    return True


async def test_people_sharing_an_active_domain_see_each_other(session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    stranger = await make_person(session)
    domain = await make_domain(session, amara)
    await add_member(session, domain, mei)

    assert await sees(session, amara, mei) and await sees(session, mei, amara)
    assert not await sees(session, stranger, amara)
    assert await sees(session, stranger, stranger)
    assert await seen_by(session, actor_of(amara)) == {amara.id, mei.id}
    assert await seen_by(session, actor_of(stranger)) == {stranger.id}


async def test_only_active_memberships_count_and_convenors_see_who_asks(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    asking = await make_person(session)
    invited = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request")
    await add_member(session, domain, member)
    await add_member(session, domain, asking, status="requested")
    await add_member(session, domain, invited, status="invited")

    assert await sees(session, convenor, asking)
    assert not await sees(session, member, asking)
    assert not await sees(session, asking, member)
    # An invitation by email must not tell the convenor who holds the address.
    assert not await sees(session, convenor, invited)
    assert not await sees(session, invited, convenor)


async def test_an_unverified_account_sees_only_itself(session: AsyncSession) -> None:
    convenor = await make_person(session)
    unverified = await make_person(session, email_verified_at=None)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, unverified)
    assert await seen_by(session, actor_of(unverified)) == {unverified.id}


async def test_admins_and_keys_see_everyone_and_only_admins_search_email(
    session: AsyncSession,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    hidden = await make_person(session, email="quiet.one@example.org")
    key = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"read"}))
    assert hidden.id in await seen_by(session, actor_of(admin))
    assert hidden.id in await seen_by(session, key)
    assert await seen_by(session, actor_of(admin), q="quiet.one") == {hidden.id}
    assert await seen_by(session, actor_of(hidden), q="quiet.one") == set()


async def test_a_profile_is_private_to_its_person_and_platform_admins(
    session: AsyncSession,
) -> None:
    person = await make_person(session)
    colleague = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    key = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"admin"}))
    assert people.sees_private(actor_of(person), person.id)
    assert people.sees_private(actor_of(admin), person.id)
    assert people.sees_private(key, person.id)  # an admin key administers people
    assert not people.sees_private(actor_of(colleague), person.id)
    reader = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"read"}))
    assert not people.sees_private(reader, person.id)


async def test_an_unseen_person_is_as_missing_as_one_that_does_not_exist(
    session: AsyncSession,
) -> None:
    viewer = await make_person(session)
    other = await make_person(session)
    with pytest.raises(NotFound) as hidden:
        await people.get_person(session, actor_of(viewer), other.id)
    with pytest.raises(NotFound) as absent:
        await people.get_person(session, actor_of(viewer), uuid.uuid4())
    assert hidden.value.detail == absent.value.detail
