"""Changing your password: it takes the current one, and signs you out everywhere."""

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Forbidden, Invalid, Unauthenticated
from app.models.people import PersonUpdate, RefreshToken
from app.services.people import service as people
from app.services.people.auth import Passwords, actor_from_token, issue_token_pair
from tests.factories import actor_of, make_person

OLD = "correct horse battery"
NEW = "a brand new passphrase"


async def test_a_new_password_needs_the_current_one(
    session: AsyncSession, passwords: Passwords
) -> None:
    person = await make_person(session, password_hash=await passwords.hash(OLD))
    me = actor_of(person)
    with pytest.raises(Invalid) as missing:
        await people.update_me(session, passwords, me, PersonUpdate(password=NEW))
    assert [e.field for e in missing.value.errors] == ["current_password"]
    with pytest.raises(Forbidden) as wrong:
        await people.update_me(
            session, passwords, me, PersonUpdate(password=NEW, current_password="a guess")
        )
    assert wrong.value.problem == "current-password-wrong"
    await session.refresh(person)
    assert await passwords.verify(person.password_hash, OLD)


async def test_a_password_change_signs_out_everywhere(
    session: AsyncSession, passwords: Passwords, settings: Settings
) -> None:
    person = await make_person(session, password_hash=await passwords.hash(OLD))
    pair = await issue_token_pair(session, person, settings)
    await actor_from_token(session, settings, pair.access_token)

    changed = await people.update_me(
        session, passwords, actor_of(person), PersonUpdate(password=NEW, current_password=OLD)
    )
    assert await passwords.verify(changed.password_hash, NEW)
    assert not await passwords.verify(changed.password_hash, OLD)
    assert changed.tokens_valid_after is not None
    with pytest.raises(Unauthenticated):
        await actor_from_token(session, settings, pair.access_token)
    live = await session.exec(
        select(RefreshToken).where(
            col(RefreshToken.person_id) == person.id, col(RefreshToken.revoked_at).is_(None)
        )
    )
    assert live.all() == []


async def test_a_profile_change_keeps_the_password_and_the_sessions(
    session: AsyncSession, passwords: Passwords, settings: Settings
) -> None:
    person = await make_person(session, password_hash=await passwords.hash(OLD))
    pair = await issue_token_pair(session, person, settings)
    changed = await people.update_me(
        session, passwords, actor_of(person), PersonUpdate(bio="Ward nurse")
    )
    assert changed.bio == "Ward nurse" and changed.tokens_valid_after is None
    assert await passwords.verify(changed.password_hash, OLD)
    assert (await actor_from_token(session, settings, pair.access_token)).person_id == person.id
