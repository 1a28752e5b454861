"""API keys: made and revoked by platform admins, checked by prefix and hash, limited to
their scopes."""

import uuid

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Forbidden, NotFound, Unauthenticated
from app.models.people import ApiKeyCreate, ApiKeyScope
from app.services.actors import Actor
from app.services.people import api_keys
from app.services.people.auth import actor_from_token, live_api_key
from tests.factories import actor_of, make_api_key, make_person


async def test_only_platform_admins_and_admin_keys_make_keys(
    session: AsyncSession, settings: Settings
) -> None:
    data = ApiKeyCreate(name="LMS sync")
    member = await make_person(session)
    with pytest.raises(Forbidden):
        await api_keys.create_api_key(session, actor_of(member), data)
    for scope in ("read", "write"):
        _, secret = await make_api_key(session, scope)
        caller = await actor_from_token(session, settings, secret)
        with pytest.raises(Forbidden):
            await api_keys.create_api_key(session, caller, data)
    _, admin_secret = await make_api_key(session, "admin")
    keymaster = await actor_from_token(session, settings, admin_secret)
    made, _ = await api_keys.create_api_key(session, keymaster, data)
    assert made.created_by_id is None  # a key has no person


async def test_scopes_are_stored_once_each_and_carried_by_the_actor(
    session: AsyncSession, settings: Settings
) -> None:
    key, secret = await make_api_key(session, "write", "read", "write")
    assert key.scopes == ["read", "write"]
    actor = await actor_from_token(session, settings, secret)
    assert actor.api_key_id == key.id and actor.person_id is None
    assert actor.has_scope("write") and not actor.can_admin
    assert ApiKeyCreate(name="default").scopes == [ApiKeyScope.read]


async def test_a_revoked_key_stops_working_at_once(
    session: AsyncSession, settings: Settings
) -> None:
    key, secret = await make_api_key(session)
    admin = await make_person(session, is_platform_admin=True)
    assert await live_api_key(session, secret) is not None
    revoked = await api_keys.revoke_api_key(session, actor_of(admin), key.id)
    assert revoked.revoked_at is not None
    assert await live_api_key(session, secret) is None
    with pytest.raises(Unauthenticated):
        await actor_from_token(session, settings, secret)
    again = await api_keys.revoke_api_key(session, actor_of(admin), key.id)
    assert again.revoked_at == revoked.revoked_at
    with pytest.raises(NotFound):
        await api_keys.revoke_api_key(session, actor_of(admin), uuid.uuid4())


async def test_only_the_whole_key_is_a_key(session: AsyncSession) -> None:
    key, secret = await make_api_key(session)
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert await live_api_key(session, forged) is None  # its real prefix, a wrong hash
    assert await live_api_key(session, f"cop_{key.prefix}_short") is None
    assert await live_api_key(session, "cop_") is None
    found = await live_api_key(session, secret)
    assert found is not None and found.id == key.id


async def test_a_read_key_revokes_nothing(session: AsyncSession) -> None:
    reader = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"read"}))
    key, _ = await make_api_key(session)
    with pytest.raises(Forbidden):
        await api_keys.revoke_api_key(session, reader, key.id)
