"""Proving an email address, and getting back into an account, with one-time mailed links.

- Signing up creates an account whose email is unverified. It may sign in and read what
  anyone signed in reads, but its memberships count for nothing (`Actor.member_id`), so
  it sees no private domain, accepts no invitation and joins nothing, until the link
  mailed to the address is used.
- Signing up with the address of someone an import created does not touch that record:
  the sign-up (its password hash and profile) waits in the verification token, and the
  link claims the record with it, memberships and invitations included. Whoever signs
  up, only the mailbox's owner can finish.
- A password reset link sets a new password, verifies the email (the mailbox answered)
  and signs the person out everywhere. It also claims an imported record.

Tokens are random, stored as SHA-256 hashes, single use (deleted when used), expire, and
there is one live token per person and purpose: a new one replaces the last, at most one
per `account_mail_interval_seconds`."""

import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Conflict, FieldError, Invalid, NotFound, RateLimited
from app.models.base import utcnow
from app.models.people import (
    PROFILE_FIELDS,
    Accepted,
    AccountToken,
    AccountTokenPurpose,
    Person,
    PersonRegister,
    RefreshToken,
    RegistrationPending,
)
from app.services.actors import Actor
from app.services.changes import events
from app.services.mail import Mailer
from app.services.people.auth import Passwords, sha256

P = AccountTokenPurpose


def is_unclaimed(person: Person) -> bool:
    """Created by an import (or a domain restore): no password, never signed in."""
    return person.password_hash is None and not person.is_active


async def _issue(
    session: AsyncSession,
    settings: Settings,
    person_id: uuid.UUID,
    purpose: P,
    ttl: timedelta,
    claim: dict[str, Any] | None = None,
) -> str:
    """A new token replacing the person's last one for this purpose; RateLimited if
    that one is younger than the mail interval. One statement, so two concurrent requests
    cannot both send."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    interval = timedelta(seconds=settings.account_mail_interval_seconds)
    table: Any = AccountToken.__table__  # type: ignore[attr-defined]
    values = {
        "token_hash": sha256(token),
        "created_at": now,
        "expires_at": now + ttl,
        "claim": claim,
    }
    stmt = (
        pg_insert(table)
        .values(id=uuid.uuid4(), person_id=person_id, purpose=purpose.value, **values)
        .on_conflict_do_update(
            constraint="uq_account_tokens_person_id_purpose",
            set_=values,
            where=table.c.created_at <= now - interval,
        )
        .returning(table.c.id)
    )
    conn = await session.connection()
    if (await conn.execute(stmt)).first() is not None:
        return token
    last: datetime = (
        await session.exec(
            select(AccountToken.created_at).where(
                col(AccountToken.person_id) == person_id, col(AccountToken.purpose) == purpose
            )
        )
    ).one()
    wait = math.ceil((last + interval - now).total_seconds())
    raise RateLimited(
        f"A link was mailed to this address moments ago; another may be sent in {wait} s.",
        retry_after=max(wait, 1),
        problem="mail-recently-sent",
    )


async def _take(session: AsyncSession, token: str, purpose: P) -> AccountToken:
    """The live token with this secret, locked (a second use waits, then finds it gone)."""
    row = (
        await session.exec(
            select(AccountToken)
            .where(
                col(AccountToken.token_hash) == sha256(token),
                col(AccountToken.purpose) == purpose,
            )
            .with_for_update()
        )
    ).one_or_none()
    if row is None or row.expires_at <= utcnow():
        raise Invalid(
            "This link is unknown, already used or expired; ask for a new one.",
            problem="invalid-link",
            errors=[FieldError("token", "unknown, used or expired", "invalid_link")],
        )
    return row


async def _locked_person(session: AsyncSession, person_id: uuid.UUID) -> Person:
    person = (
        await session.exec(
            select(Person)
            .where(col(Person.id) == person_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one_or_none()
    if person is None:
        raise NotFound("No such person.")
    return person


async def sign_out_everywhere(session: AsyncSession, person: Person, now: datetime) -> None:
    """Refuse every refresh token, and every access token issued before `now`."""
    person.tokens_valid_after = now
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.person_id) == person.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


# Mail.


def _verification_mail(mailer: Mailer, to: str, token: str, *, claiming: bool) -> Any:
    hours = mailer.settings.email_verification_hours
    link = mailer.link("/verify-email", token)
    if claiming:
        return mailer.compose(
            to,
            "Finish signing up",
            f"Hello,\n\nSomeone, we hope you, signed up with {to}. A community had already "
            f"added this address as a member. To finish signing up and join it, open this "
            f"link:\n\n{link}\n\nIt works once, for {hours:g} hours. If you did not sign "
            "up, ignore this message: without the link nobody gets in.\n",
        )
    return mailer.compose(
        to,
        "Confirm your email address",
        f"Hello,\n\nTo confirm that {to} is yours, open this link:\n\n{link}\n\n"
        f"It works once, for {hours:g} hours. If you did not sign up, ignore this message.\n",
    )


def _reset_mail(mailer: Mailer, to: str, token: str) -> Any:
    minutes = mailer.settings.password_reset_minutes
    link = mailer.link("/reset-password", token)
    return mailer.compose(
        to,
        "Reset your password",
        f"Hello,\n\nTo choose a new password for {to}, open this link:\n\n{link}\n\n"
        f"It works once, for {minutes:g} minutes. If you did not ask for it, ignore this "
        "message: your password stays as it is.\n",
    )


# Email verification.


def _verification_ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.email_verification_hours)


async def start_verification(session: AsyncSession, settings: Settings, person: Person) -> str:
    """Issue the token for a new account, in the sign-up's transaction; the caller
    commits, then mails it with `mail_verification`."""
    return await _issue(session, settings, person.id, P.verify_email, _verification_ttl(settings))


def mail_verification(mailer: Mailer, person: Person, token: str) -> None:
    mailer.post(_verification_mail(mailer, person.email, token, claiming=False))


async def hold_claim(
    session: AsyncSession,
    mailer: Mailer,
    settings: Settings,
    unclaimed: Person,
    password_hash: str,
    data: PersonRegister,
) -> RegistrationPending:
    """A sign-up with the address of someone an import created: kept with the link, and
    applied only when the link is used. A later sign-up replaces an earlier one."""
    claim: dict[str, Any] = {"password_hash": password_hash}
    claim |= data.model_dump(mode="json", include=set(PROFILE_FIELDS) & data.model_fields_set)
    claim["display_name"] = data.display_name
    token = await _issue(
        session, settings, unclaimed.id, P.verify_email, _verification_ttl(settings), claim
    )
    await session.commit()
    mailer.post(_verification_mail(mailer, unclaimed.email, token, claiming=True))
    return RegistrationPending(
        email=unclaimed.email,
        detail="This address was already added to a community. Open the link we mailed to "
        "it to finish signing up; until then there is no account to sign in to.",
    )


async def verify_email(session: AsyncSession, token: str) -> Person:
    row = await _take(session, token, P.verify_email)
    person = await _locked_person(session, row.person_id)
    now = utcnow()
    changes: dict[str, Any] = {}
    if row.claim is not None:
        if not is_unclaimed(person):
            # Claimed meanwhile (`cop-api create-admin`, a password reset): this sign-up lost.
            raise Invalid(
                "This link is unknown, already used or expired; ask for a new one.",
                problem="invalid-link",
                errors=[FieldError("token", "the account was claimed already", "invalid_link")],
            )
        claim = dict(row.claim)
        person.password_hash = claim.pop("password_hash")
        for field in PROFILE_FIELDS:
            if field in claim and getattr(person, field) != claim[field]:
                changes[field] = {"from": getattr(person, field), "to": claim[field]}
                setattr(person, field, claim[field])
        person.is_active = True
    if person.email_verified_at is None:
        person.email_verified_at = now
        changes["email_verified_at"] = {"from": None, "to": now.isoformat()}
    person.updated_at = now
    session.add(person)
    await session.delete(row)
    await events.audit_person(
        session, person, "person.claimed" if row.claim else "person.email_verified", changes
    )
    await session.commit()
    return person


async def resend_verification(
    session: AsyncSession, mailer: Mailer, settings: Settings, actor: Actor
) -> Accepted:
    person = await session.get(Person, actor.require_person())
    if person is None:
        raise NotFound("Your account no longer exists.")
    if person.email_verified_at is not None:
        raise Conflict("Your email is already verified.", problem="email-already-verified")
    token = await start_verification(session, settings, person)
    await session.commit()
    mail_verification(mailer, person, token)
    return Accepted(detail=f"A new link is on its way to {person.email}.")


async def verify_person_email(session: AsyncSession, actor: Actor, person_id: uuid.UUID) -> Person:
    """An admin vouches for an address. It claims nothing: an imported record still
    needs its owner to sign up (or reset the password) through the mailbox."""
    actor.require_admin()
    person = await _locked_person(session, person_id)
    if person.email_verified_at is None:
        now = utcnow()
        person.email_verified_at = person.updated_at = now
        session.add(person)
        changes = {"email_verified_at": {"from": None, "to": now.isoformat()}}
        await events.audit_person(session, person, "person.email_verified", changes, actor)
        await session.commit()
    return person


# Password reset.

# One statement whatever the address: the same work for a known address and an unknown
# one. Deactivated accounts get nothing; imported records may be claimed this way.
_REQUEST_RESET = text(
    """
    WITH who AS (
        SELECT id, email FROM people
        WHERE lower(email) = :email AND (is_active OR password_hash IS NULL)
        LIMIT 1
    ), issued AS (
        INSERT INTO account_tokens (id, person_id, purpose, token_hash, created_at, expires_at)
        SELECT CAST(:id AS uuid), who.id, 'reset_password', :token_hash,
               CAST(:now AS timestamptz), CAST(:expires_at AS timestamptz)
        FROM who
        ON CONFLICT (person_id, purpose) DO UPDATE
           SET token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at,
               expires_at = EXCLUDED.expires_at, claim = NULL
           WHERE account_tokens.created_at <= CAST(:cutoff AS timestamptz)
        RETURNING person_id
    )
    SELECT who.email FROM who JOIN issued ON issued.person_id = who.id
    """
)

RESET_ACCEPTED = (
    "If an account uses this address, a link to choose a new password is on its way to it."
)


async def request_password_reset(
    session: AsyncSession, mailer: Mailer, settings: Settings, email: str
) -> Accepted:
    """Always the same answer, so that nobody learns which addresses have accounts."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    conn = await session.connection()
    row = (
        await conn.execute(
            _REQUEST_RESET.bindparams(
                email=email.strip().lower(),
                id=uuid.uuid4(),
                token_hash=sha256(token),
                now=now,
                expires_at=now + timedelta(minutes=settings.password_reset_minutes),
                cutoff=now - timedelta(seconds=settings.account_mail_interval_seconds),
            )
        )
    ).first()
    await session.commit()
    if row is not None:
        mailer.post(_reset_mail(mailer, row[0], token))
    return Accepted(detail=RESET_ACCEPTED)


async def confirm_password_reset(
    session: AsyncSession, passwords: Passwords, token: str, new_password: str
) -> Person:
    password_hash = await passwords.hash(new_password)  # before any lock: it takes a while
    row = await _take(session, token, P.reset_password)
    person = await _locked_person(session, row.person_id)
    if not (person.is_active or is_unclaimed(person)):
        raise Invalid(
            "This link is unknown, already used or expired; ask for a new one.",
            problem="invalid-link",
            errors=[FieldError("token", "the account is deactivated", "invalid_link")],
        )
    now = utcnow()
    claimed = is_unclaimed(person)
    changes: dict[str, Any] = {"password": {"from": "…", "to": "…"}}
    if person.email_verified_at is None:
        person.email_verified_at = now
        changes["email_verified_at"] = {"from": None, "to": now.isoformat()}
    person.password_hash, person.is_active, person.updated_at = password_hash, True, now
    await sign_out_everywhere(session, person, now)
    session.add(person)
    # This link is spent, and the mailbox answered: a sign-up still waiting on a link for
    # this record is void.
    await session.exec(delete(AccountToken).where(col(AccountToken.person_id) == person.id))
    await events.audit_person(
        session, person, "person.claimed" if claimed else "person.password_reset", changes
    )
    await session.commit()
    return person
