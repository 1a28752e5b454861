"""Signing up, and claiming a person an import created: an address someone else added to a
community cannot be taken over by whoever signs up with it first."""

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Conflict, Invalid, RateLimited
from app.models.people import Person, PersonCreate, PersonRegister, RegistrationPending
from app.services.people import accounts
from app.services.people import service as people
from app.services.people.auth import Passwords
from tests.factories import actor_of, make_person
from tests.services.people.conftest import Outbox

PASSWORD = "correct horse battery"


def sign_up(email: str, **fields: object) -> PersonRegister:
    return PersonRegister.model_validate(
        {"email": email, "password": PASSWORD, "display_name": "Ada", **fields}
    )


async def imported(session: AsyncSession, email: str) -> Person:
    """A person as an import leaves them: no password, inactive, unverified."""
    return await make_person(
        session, email=email, display_name="Imported", is_active=False, email_verified_at=None
    )


async def test_a_sign_up_is_an_unverified_account_with_a_link_mailed(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    person = await people.register(
        session, passwords, outbox, settings, sign_up("Ada@Example.org", expertise=["Care"])
    )
    assert isinstance(person, Person)
    assert person.email == "ada@example.org"
    assert person.expertise == ["care"]
    assert person.is_active and person.email_verified_at is None
    assert await passwords.verify(person.password_hash, PASSWORD)

    verified = await accounts.verify_email(session, outbox.last_token("ada@example.org"))
    assert verified.email_verified_at is not None


async def test_an_address_in_use_is_refused(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    await make_person(session, email="taken@example.org")
    with pytest.raises(Conflict) as refused:
        await people.register(session, passwords, outbox, settings, sign_up("TAKEN@example.org"))
    assert refused.value.problem == "email-taken"


async def test_an_imported_address_is_claimed_only_through_its_mailbox(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    record = await imported(session, "lin@example.org")
    pending = await people.register(
        session, passwords, outbox, settings, sign_up("lin@example.org", bio="Ward nurse")
    )
    assert isinstance(pending, RegistrationPending)
    await session.refresh(record)
    # Nothing changed yet: whoever signed up has no account to sign in to.
    assert record.password_hash is None and not record.is_active
    assert record.display_name == "Imported" and record.bio == ""

    claimed = await accounts.verify_email(session, outbox.last_token("lin@example.org"))
    assert claimed.id == record.id
    assert claimed.is_active and claimed.email_verified_at is not None
    assert (claimed.display_name, claimed.bio) == ("Ada", "Ward nurse")
    assert await passwords.verify(claimed.password_hash, PASSWORD)


async def test_a_second_sign_up_within_the_mail_interval_is_refused(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    await imported(session, "ines@example.org")
    await people.register(session, passwords, outbox, settings, sign_up("ines@example.org"))
    with pytest.raises(RateLimited) as refused:
        await people.register(session, passwords, outbox, settings, sign_up("ines@example.org"))
    assert refused.value.problem == "mail-recently-sent"
    assert len(outbox.sent) == 1


async def test_a_later_sign_up_replaces_an_earlier_one_and_the_first_link_dies(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    settings = settings.model_copy(update={"account_mail_interval_seconds": 0})
    await imported(session, "kofi@example.org")
    await people.register(session, passwords, outbox, settings, sign_up("kofi@example.org"))
    first = outbox.last_token("kofi@example.org")
    await people.register(
        session, passwords, outbox, settings, sign_up("kofi@example.org", display_name="Kofi")
    )
    with pytest.raises(Invalid):
        await accounts.verify_email(session, first)
    claimed = await accounts.verify_email(session, outbox.last_token("kofi@example.org"))
    assert claimed.display_name == "Kofi"


async def test_a_claim_lost_to_another_way_in_is_void(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    record = await imported(session, "noor@example.org")
    await people.register(session, passwords, outbox, settings, sign_up("noor@example.org"))
    admin = await make_person(session, is_platform_admin=True)
    await people.create_person(
        session,
        passwords,
        actor_of(admin),
        PersonCreate(email="noor@example.org", password="the owner's own"),
    )
    with pytest.raises(Invalid) as void:
        await accounts.verify_email(session, outbox.last_token("noor@example.org"))
    assert void.value.problem == "invalid-link"
    await session.refresh(record)
    assert await passwords.verify(record.password_hash, "the owner's own")


async def test_an_active_account_is_not_claimable(
    session: AsyncSession, passwords: Passwords, outbox: Outbox, settings: Settings
) -> None:
    await make_person(session, email="active@example.org", is_active=True)
    with pytest.raises(Conflict):
        await people.register(session, passwords, outbox, settings, sign_up("active@example.org"))
    assert outbox.sent == []
