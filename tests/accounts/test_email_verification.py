"""Email verification: the mailed link, what an unverified account may not do, claiming a
person an import created, resending, and admins vouching for an address."""

import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.base import utcnow
from app.models.people import Person
from tests.accounts.conftest import Mailbox, delivered, token_in
from tests.factories import (
    PASSWORD,
    auth,
    bearer,
    gql,
    login,
    make_domain,
    make_key,
    make_person,
    post_csv,
    sign_up,
)
from tests.support import API, ok, problem, rows, scalar


async def test_signing_up_mails_a_link_that_verifies_the_email(
    client: AsyncClient, app: Any, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    me = ok(await sign_up(client, "Ada@Example.org"), 201)
    assert me["email_verified_at"] is None
    message = await delivered(app, mailbox, "ada@example.org")
    assert message["From"] == "Community <accounts@cop.example.org>"
    assert message["Subject"] == "Confirm your email address"
    assert message["X-Envelope-To"] == "ada@example.org"
    assert message["Message-ID"] and message["Date"]
    token = token_in(message, "/verify-email")
    # Only a hash is stored.
    assert (
        await scalar(engine, "SELECT count(*) FROM account_tokens WHERE token_hash = :t", t=token)
        == 0
    )

    # Signed in but unverified: the profile says so.
    headers = bearer((await login(client, "ada@example.org"))["access_token"])
    assert ok(await client.get(f"{API}/people/me", headers=headers))["email_verified_at"] is None

    verified = ok(await client.post(f"{API}/auth/verify-email", json={"token": token}))
    assert verified["id"] == me["id"] and verified["email_verified_at"] is not None
    assert ok(await client.get(f"{API}/people/me", headers=headers))["email_verified_at"]
    # Single use.
    again = await client.post(f"{API}/auth/verify-email", json={"token": token})
    problem(again, 422, "invalid-link")
    for bad in ({"token": "x" * 201}, {"token": ""}, {}):
        problem(await client.post(f"{API}/auth/verify-email", json=bad), 422, "validation-error")
    problem(
        await client.post(f"{API}/auth/verify-email", json={"token": "nope"}), 422, "invalid-link"
    )
    audit = await rows(
        engine, "SELECT action FROM audit_log WHERE resource_id = :p ORDER BY at", p=me["id"]
    )
    assert [a["action"] for a in audit] == ["person.registered", "person.email_verified"]


async def test_a_verification_link_expires(
    client: AsyncClient, app: Any, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    ok(await sign_up(client, "late@example.org"), 201)
    token = token_in(await delivered(app, mailbox, "late@example.org"), "/verify-email")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE account_tokens SET expires_at = now() - interval '1 s'"))
    problem(
        await client.post(f"{API}/auth/verify-email", json={"token": token}), 422, "invalid-link"
    )
    assert await scalar(engine, "SELECT email_verified_at FROM people") is None


async def _private_world(client: AsyncClient, session: AsyncSession) -> tuple[Person, str]:
    """A private domain with a gathering next week, convened by a verified person."""
    convenor = await make_person(session, email="convenor@example.org")
    domain = await make_domain(session, convenor, name="Hidden", visibility="private")
    start = (utcnow() + timedelta(days=7)).replace(microsecond=0, tzinfo=None).isoformat()
    ok(
        await client.post(
            f"{API}/domains/{domain.slug}/gatherings",
            json={
                "title": "Case review",
                "start": start,
                "timezone": "UTC",
                "duration_minutes": 60,
            },
            headers=auth(convenor),
        ),
        201,
    )
    return convenor, domain.slug


async def _what_i_see(
    client: AsyncClient, headers: dict[str, str], slug: str, convenor: Person
) -> dict[str, Any]:
    """Every place a membership grants sight of a private domain."""
    me = ok(await client.get(f"{API}/people/me", headers=headers))
    feed = ok(await client.post(f"{API}/people/me/feed-tokens", headers=headers), 201)
    calendar = await client.get(f"{API}/calendar/{feed['token']}.ics")
    graph = await gql(
        client, "query($s: String!) { domain(slug: $s) { slug } }", {"s": slug}, headers=headers
    )
    return {
        "domain": (await client.get(f"{API}/domains/{slug}", headers=headers)).status_code,
        "listed": [
            d["slug"] for d in ok(await client.get(f"{API}/domains", headers=headers))["items"]
        ],
        "convenor": (await client.get(f"{API}/people/{convenor.id}", headers=headers)).status_code,
        "people": len(ok(await client.get(f"{API}/people", headers=headers))["items"]),
        "memberships": len(
            ok(await client.get(f"{API}/people/{me['id']}/memberships", headers=headers))["items"]
        ),
        "agenda": len(ok(await client.get(f"{API}/gatherings", headers=headers))["items"]),
        "changes": len(ok(await client.get(f"{API}/changes", headers=headers))["items"]),
        "calendar": calendar.text.count("BEGIN:VEVENT"),
        "graphql": (graph.get("data") or {}).get("domain"),
    }


async def test_an_unverified_account_gets_nothing_from_its_memberships(
    client: AsyncClient, app: Any, mailbox: Mailbox, session: AsyncSession
) -> None:
    """Someone signs up with an address first; a convenor then imports that address into a
    private domain. Until the mailbox's owner follows the link, the account sees nothing of it."""
    convenor, slug = await _private_world(client, session)
    ok(await sign_up(client, "someone@example.org"), 201)
    ok(
        await post_csv(
            client, slug, "email,display_name\nsomeone@example.org,Someone\n", auth(convenor)
        )
    )
    headers = bearer((await login(client, "someone@example.org"))["access_token"])

    blind = await _what_i_see(client, headers, slug, convenor)
    assert blind == {
        "domain": 404,
        "listed": [],
        "convenor": 404,
        "people": 1,
        "memberships": 0,
        "agenda": 0,
        "changes": 0,
        "calendar": 0,
        "graphql": None,
    }

    token = token_in(await delivered(app, mailbox, "someone@example.org"), "/verify-email")
    ok(await client.post(f"{API}/auth/verify-email", json={"token": token}))
    # Verified, an invitee sees the card of the domain the import invited them to...
    card = await _what_i_see(client, headers, slug, convenor)
    assert card["domain"] == 200 and card["listed"] == [slug] and card["agenda"] == 0
    # ...and once they accept, what members see.
    ok(await client.post(f"{API}/domains/{slug}/members", json={}, headers=headers), 201)
    sighted = await _what_i_see(client, headers, slug, convenor)
    assert sighted["domain"] == 200 and sighted["listed"] == [slug]
    assert sighted["convenor"] == 200 and sighted["people"] == 2
    assert sighted["memberships"] == 1 and sighted["agenda"] == 1
    assert sighted["changes"] > 0 and sighted["calendar"] == 1
    assert sighted["graphql"] == {"slug": slug}


async def test_an_unverified_account_accepts_no_invitation_and_joins_nothing(
    client: AsyncClient, app: Any, mailbox: Mailbox, session: AsyncSession
) -> None:
    convenor = await make_person(session, email="convenor@example.org")
    open_domain = await make_domain(session, convenor, name="Open", join_policy="open")
    me = ok(await sign_up(client, "newcomer@example.org"), 201)
    headers = bearer((await login(client, "newcomer@example.org"))["access_token"])
    members = f"{API}/domains/{open_domain.slug}/members"
    ok(await client.post(members, json={"person_id": me["id"]}, headers=auth(convenor)), 201)

    accept = await client.patch(f"{members}/{me['id']}", json={"status": "active"}, headers=headers)
    problem(accept, 403, "email-unverified")
    problem(await client.post(members, json={}, headers=headers), 403, "email-unverified")
    start = await client.post(f"{API}/domains", json={"name": "Mine"}, headers=headers)
    problem(start, 403, "email-unverified")
    joined = await gql(
        client,
        "mutation($s: String!) { joinDomain(slug: $s) { status } }",
        {"s": open_domain.slug},
        headers=headers,
    )
    assert joined["errors"][0]["extensions"]["problemType"] == "/problems/email-unverified"

    token = token_in(await delivered(app, mailbox, "newcomer@example.org"), "/verify-email")
    ok(await client.post(f"{API}/auth/verify-email", json={"token": token}))
    accepted = ok(
        await client.patch(f"{members}/{me['id']}", json={"status": "active"}, headers=headers)
    )
    assert accepted["status"] == "active"


async def test_signing_up_with_an_imported_address_waits_for_the_link(
    client: AsyncClient, app: Any, mailbox: Mailbox, session: AsyncSession, engine: AsyncEngine
) -> None:
    convenor, slug = await _private_world(client, session)
    ok(await post_csv(client, slug, "email,display_name\nnew@example.org,New\n", auth(convenor)))
    imported = await scalar(engine, "SELECT id FROM people WHERE email = 'new@example.org'")
    before = await rows(engine, "SELECT * FROM people WHERE id = :p", p=imported)

    pending = await sign_up(
        client, "New@Example.org", display_name="New Person", timezone="Europe/Paris"
    )
    assert pending.status_code == 202, pending.text
    assert pending.json()["email"] == "new@example.org"
    # Nothing is merged yet: the record is as the import left it, and nobody can sign in.
    assert await rows(engine, "SELECT * FROM people WHERE id = :p", p=imported) == before
    refused = await client.post(
        f"{API}/auth/token", data={"username": "new@example.org", "password": PASSWORD}
    )
    problem(refused, 401, "invalid-credentials")
    # A second sign-up so soon sends no second mail.
    again = await sign_up(client, "new@example.org", password="an attacker's password")
    body = problem(again, 429, "mail-recently-sent")
    assert int(again.headers["Retry-After"]) == body["retry_after"] > 0

    message = await delivered(app, mailbox, "new@example.org")
    assert message["Subject"] == "Finish signing up"
    token = token_in(message, "/verify-email")
    claimed = ok(await client.post(f"{API}/auth/verify-email", json={"token": token}))
    assert claimed["id"] == str(imported)
    assert claimed["display_name"] == "New Person" and claimed["timezone"] == "Europe/Paris"
    assert claimed["is_active"] is True and claimed["email_verified_at"] is not None

    headers = bearer((await login(client, "new@example.org"))["access_token"])
    mine = ok(await client.get(f"{API}/domains/{slug}/members/{imported}", headers=headers))
    assert mine["status"] == "invited"  # the convenor's import invited them; they accept
    problem(await sign_up(client, "new@example.org"), 409, "email-taken")
    audit = await rows(
        engine,
        "SELECT action, changes FROM audit_log WHERE resource_id = :p ORDER BY at",
        p=imported,
    )
    assert [a["action"] for a in audit] == ["person.created", "person.claimed"]
    assert "password_hash" not in str(audit[-1]["changes"])


async def test_a_claim_lost_to_another_way_in_is_void(
    client: AsyncClient, app: Any, mailbox: Mailbox, session: AsyncSession, engine: AsyncEngine
) -> None:
    """The owner got in through a password reset meanwhile: the waiting sign-up (perhaps
    someone else's) can no longer claim the record."""
    convenor, slug = await _private_world(client, session)
    ok(await post_csv(client, slug, "email,display_name\nnew@example.org,New\n", auth(convenor)))
    assert (await sign_up(client, "new@example.org", password="not the owner's")).status_code == 202
    claim = token_in(await delivered(app, mailbox, "new@example.org"), "/verify-email")
    ok(await client.post(f"{API}/auth/password-reset", json={"email": "new@example.org"}), 202)
    reset = token_in(await delivered(app, mailbox, "new@example.org", count=2), "/reset-password")
    ok(
        await client.post(
            f"{API}/auth/password-reset/confirm",
            json={"token": reset, "new_password": "the owner's own"},
        )
    )
    problem(
        await client.post(f"{API}/auth/verify-email", json={"token": claim}), 422, "invalid-link"
    )
    await login(client, "new@example.org", "the owner's own")
    refused = await client.post(
        f"{API}/auth/token", data={"username": "new@example.org", "password": "not the owner's"}
    )
    problem(refused, 401, "invalid-credentials")


async def test_resending_is_bounded_and_replaces_the_last_link(
    client: AsyncClient, app: Any, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    ok(await sign_up(client, "mei@example.org"), 201)
    first = token_in(await delivered(app, mailbox, "mei@example.org"), "/verify-email")
    headers = bearer((await login(client, "mei@example.org"))["access_token"])
    resend = f"{API}/auth/verify-email/resend"
    soon = await client.post(resend, headers=headers)
    body = problem(soon, 429, "mail-recently-sent")
    assert 0 < body["retry_after"] <= 60 and soon.headers["Retry-After"] == str(body["retry_after"])
    assert len(mailbox.to("mei@example.org")) == 1

    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE account_tokens SET created_at = created_at - interval '61 s'")
        )
    ok(await client.post(resend, headers=headers), 202)
    second = token_in(await delivered(app, mailbox, "mei@example.org", count=2), "/verify-email")
    assert second != first
    problem(
        await client.post(f"{API}/auth/verify-email", json={"token": first}), 422, "invalid-link"
    )
    ok(await client.post(f"{API}/auth/verify-email", json={"token": second}))
    problem(await client.post(resend, headers=headers), 409, "email-already-verified")
    problem(await client.post(resend), 401, "unauthenticated")


async def test_graphql_verifies_and_resends_through_the_same_service(
    client: AsyncClient, app: Any, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    registered = await gql(
        client,
        """mutation($i: RegisterInput!) { register(input: $i) {
             __typename ... on Person { id emailVerifiedAt } } }""",
        {"i": {"email": "gql@example.org", "password": PASSWORD, "displayName": "G"}},
    )
    assert registered["data"]["register"]["__typename"] == "Person"
    assert registered["data"]["register"]["emailVerifiedAt"] is None
    headers = bearer((await login(client, "gql@example.org"))["access_token"])
    resend = await gql(client, "mutation { resendVerificationEmail }", headers=headers)
    assert resend["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    token = token_in(await delivered(app, mailbox, "gql@example.org"), "/verify-email")
    verified = await gql(
        client,
        "mutation($t: String!) { verifyEmail(token: $t) { id emailVerifiedAt } }",
        {"t": token},
    )
    assert verified["data"]["verifyEmail"]["emailVerifiedAt"] is not None
    reused = await gql(
        client, "mutation($t: String!) { verifyEmail(token: $t) { id } }", {"t": token}
    )
    assert reused["errors"][0]["extensions"]["problemType"] == "/problems/invalid-link"

    # An imported address: the sign-up is pending.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO people (id, email, display_name, is_active) "
                "VALUES (:i, 'imp@example.org', 'I', false)"
            ),
            {"i": uuid.uuid4()},
        )
    pending = await gql(
        client,
        """mutation($i: RegisterInput!) { register(input: $i) {
             __typename ... on RegistrationPending { email detail } } }""",
        {"i": {"email": "imp@example.org", "password": PASSWORD, "displayName": "I"}},
    )
    assert pending["data"]["register"]["__typename"] == "RegistrationPending"
    assert pending["data"]["register"]["email"] == "imp@example.org"


async def test_an_admin_vouches_for_an_address(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    admin = await make_person(session, email="admin@example.org", is_platform_admin=True)
    other = await make_person(session, email="other@example.org")
    person = await make_person(session, email="unproven@example.org", email_verified_at=None)
    url = f"{API}/people/{person.id}/verify-email"
    problem(await client.post(url, headers=auth(other)), 403, "forbidden")
    problem(await client.post(url, headers=bearer(await make_key(session, admin, "write"))), 403)
    problem(await client.post(url), 401, "unauthenticated")
    problem(
        await client.post(f"{API}/people/{uuid.uuid4()}/verify-email", headers=auth(admin)), 404
    )
    assert (
        await scalar(engine, "SELECT email_verified_at FROM people WHERE id = :p", p=person.id)
        is None
    )

    vouched = ok(await client.post(url, headers=auth(admin)))
    assert vouched["email_verified_at"] is not None
    again = ok(await client.post(url, headers=bearer(await make_key(session, admin, "admin"))))
    assert again["email_verified_at"] == vouched["email_verified_at"]
    audit = await rows(
        engine, "SELECT action, actor_person_id FROM audit_log WHERE resource_id = :p", p=person.id
    )
    assert [(a["action"], a["actor_person_id"]) for a in audit] == [
        ("person.email_verified", admin.id)
    ]

    third = await make_person(session, email="third@example.org", email_verified_at=None)
    done = await gql(
        client,
        "mutation($id: UUID!) { verifyPersonEmail(id: $id) { emailVerifiedAt } }",
        {"id": str(third.id)},
        as_=admin,
    )
    assert done["data"]["verifyPersonEmail"]["emailVerifiedAt"] is not None
    refused = await gql(
        client,
        "mutation($id: UUID!) { verifyPersonEmail(id: $id) { id } }",
        {"id": str(third.id)},
        as_=other,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
