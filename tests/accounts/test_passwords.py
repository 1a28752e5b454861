"""Changing a password needs the current one and signs the person out everywhere; a
password reset by mail does the same, and says nothing about which addresses exist."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Unauthenticated
from app.services.people.auth import actor_from_token, issue_access_token
from tests.accounts.conftest import Mailbox, delivered, token_in
from tests.factories import PASSWORD, SECRET, bearer, gql, login, make_domain, make_person, register
from tests.support import API, StatementCounter, ok, problem, rows, scalar

NEW = "a brand new passphrase"


def _change(password: str | None = NEW, current: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"password": password}
    if current is not None:
        body["current_password"] = current
    return body


async def test_a_new_password_needs_the_current_one(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    await register(client, "sam@example.org")
    headers = bearer((await login(client, "sam@example.org"))["access_token"])
    me = f"{API}/people/me"
    missing = problem(
        await client.patch(me, json=_change(), headers=headers), 422, "validation-error"
    )
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("current_password", "missing")]
    wrong = await client.patch(me, json=_change(current="not my password"), headers=headers)
    problem(wrong, 403, "current-password-wrong")
    too_long = await client.patch(me, json=_change(current="x" * 257), headers=headers)
    problem(too_long, 422, "validation-error")
    # Nothing changed, and the session goes on.
    await login(client, "sam@example.org", PASSWORD)
    ok(await client.get(me, headers=headers))
    assert await scalar(engine, "SELECT tokens_valid_after FROM people") is None
    # Other fields do not need it.
    ok(await client.patch(me, json={"bio": "Nurse"}, headers=headers))


async def test_changing_the_password_signs_out_everywhere(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    await register(client, "sam@example.org")
    laptop = await login(client, "sam@example.org")
    phone = await login(client, "sam@example.org")
    changed = await client.patch(
        f"{API}/people/me", json=_change(current=PASSWORD), headers=bearer(laptop["access_token"])
    )
    ok(changed)
    for pair in (laptop, phone):
        problem(
            await client.get(f"{API}/people/me", headers=bearer(pair["access_token"])),
            401,
            "invalid-token",
        )
        refreshed = await client.post(
            f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        problem(refreshed, 401, "invalid-token")
    assert await scalar(engine, "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL") == 0
    problem(
        await client.post(
            f"{API}/auth/token", data={"username": "sam@example.org", "password": PASSWORD}
        ),
        401,
        "invalid-credentials",
    )
    fresh = await login(client, "sam@example.org", NEW)
    ok(await client.get(f"{API}/people/me", headers=bearer(fresh["access_token"])))
    ok(await client.post(f"{API}/auth/refresh", json={"refresh_token": fresh["refresh_token"]}))
    audit = await rows(engine, "SELECT changes FROM audit_log WHERE action = 'person.updated'")
    assert audit[0]["changes"] == {"password": {"from": "…", "to": "…"}}


async def _actor(session: AsyncSession, token: str) -> Any:
    settings = Settings(environment="test", secret_key=SECRET)
    return await actor_from_token(session, settings, token)


def _token(person_id: uuid.UUID, iat: datetime, **extra: Any) -> str:
    claims = {
        "sub": str(person_id),
        "typ": "access",
        "iat": iat,
        "exp": iat + timedelta(minutes=5),
        **extra,
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


async def test_the_cutoff_tells_tokens_apart_within_one_second(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    """`iat` has whole seconds; a token issued just after a change, in the same second as
    it, works, and one issued just before it does not."""
    person = await make_person(session)
    cutoff = (datetime.now(UTC) - timedelta(seconds=3)).replace(microsecond=500_000)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE people SET tokens_valid_after = :c WHERE id = :p"),
            {"c": cutoff, "p": person.id},
        )
    ms = int(cutoff.timestamp() * 1000)
    second = cutoff.replace(microsecond=0)
    before = _token(person.id, second, iat_ms=ms - 200)
    after = _token(person.id, second, iat_ms=ms + 1)
    legacy = _token(person.id, second)  # no millisecond claim: refused in that second
    assert (
        jwt.decode(before, SECRET, algorithms=["HS256"])["iat"]
        == jwt.decode(after, SECRET, algorithms=["HS256"])["iat"]
    )
    assert (await _actor(session, after)).person_id == person.id
    for refused in (before, legacy, _token(person.id, second - timedelta(seconds=1))):
        with pytest.raises(Unauthenticated):
            await _actor(session, refused)
    assert (
        await _actor(session, _token(person.id, second + timedelta(seconds=1)))
    ).person_id == person.id
    # The tokens this service issues carry the milliseconds: one issued right after a
    # change (most often in the same second) works.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE people SET tokens_valid_after = :c WHERE id = :p"),
            {"c": datetime.now(UTC), "p": person.id},
        )
    settings = Settings(environment="test", secret_key=SECRET)
    assert (await _actor(session, issue_access_token(person.id, settings))).person_id == person.id


async def test_graphql_changes_the_password_with_the_current_one(client: AsyncClient) -> None:
    await register(client, "gql@example.org")
    headers = bearer((await login(client, "gql@example.org"))["access_token"])
    query = """mutation($i: PersonUpdateInput!) { updateMe(input: $i) { id } }"""
    wrong = await gql(
        client, query, {"i": {"password": NEW, "currentPassword": "nope nope"}}, headers=headers
    )
    assert wrong["errors"][0]["extensions"]["problemType"] == "/problems/current-password-wrong"
    missing = await gql(client, query, {"i": {"password": NEW}}, headers=headers)
    assert missing["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    ok_ = await gql(
        client, query, {"i": {"password": NEW, "currentPassword": PASSWORD}}, headers=headers
    )
    assert "errors" not in ok_
    gone = await gql(client, "{ me { id } }", headers=headers)
    assert gone["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await login(client, "gql@example.org", NEW)


async def test_a_password_reset_by_mail(
    client: AsyncClient, app: Any, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    me = await register(client, "ravi@example.org")  # never verified
    old = await login(client, "ravi@example.org")
    answer = ok(
        await client.post(f"{API}/auth/password-reset", json={"email": "Ravi@Example.org"}), 202
    )
    nobody = ok(
        await client.post(f"{API}/auth/password-reset", json={"email": "nobody@example.org"}), 202
    )
    assert answer == nobody
    message = await delivered(app, mailbox, "ravi@example.org", count=2)  # verification, then this
    assert message["Subject"] == "Reset your password"
    assert mailbox.to("nobody@example.org") == []
    token = token_in(message, "/reset-password")

    short = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    problem(short, 422, "validation-error")
    done = ok(
        await client.post(
            f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": NEW}
        )
    )
    assert done["id"] == me["id"]
    assert done["email_verified_at"] is not None  # the mailbox answered
    problem(
        await client.get(f"{API}/people/me", headers=bearer(old["access_token"])),
        401,
        "invalid-token",
    )
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": old["refresh_token"]}
    )
    problem(refreshed, 401, "invalid-token")
    await login(client, "ravi@example.org", NEW)
    again = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": NEW}
    )
    problem(again, 422, "invalid-link")
    assert await scalar(engine, "SELECT count(*) FROM account_tokens") == 0
    audit = await rows(
        engine, "SELECT action FROM audit_log WHERE resource_id = :p ORDER BY at", p=me["id"]
    )
    assert [a["action"] for a in audit] == ["person.registered", "person.password_reset"]


async def test_reset_requests_are_bounded_and_links_expire(
    client: AsyncClient, app: Any, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    await register(client, "li@example.org")
    for _ in range(3):
        ok(await client.post(f"{API}/auth/password-reset", json={"email": "li@example.org"}), 202)
    token = token_in(await delivered(app, mailbox, "li@example.org", count=2), "/reset-password")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE account_tokens SET expires_at = now() - interval '1 s'"))
    late = await client.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": NEW}
    )
    problem(late, 422, "invalid-link")
    problem(await client.post(f"{API}/auth/password-reset", json={"email": "not an email"}), 422)


async def test_a_reset_answers_alike_and_does_the_same_work_for_any_address(
    client: AsyncClient, app: Any, mailbox: Mailbox, count_statements: StatementCounter
) -> None:
    await register(client, "known@example.org")
    await app.state.mailer.drain()
    seen = {}
    for email in ("known@example.org", "unknown@example.org"):
        count_statements.reset()
        response = await client.post(f"{API}/auth/password-reset", json={"email": email})
        seen[email] = (response.status_code, response.json(), count_statements.count)
    assert seen["known@example.org"] == seen["unknown@example.org"]
    await delivered(app, mailbox, "known@example.org", count=2)


async def test_a_reset_claims_an_imported_person_but_not_a_deactivated_one(
    client: AsyncClient, app: Any, mailbox: Mailbox, session: AsyncSession, engine: AsyncEngine
) -> None:
    convenor = await make_person(session, email="convenor@example.org")
    domain = await make_domain(session, convenor, name="Hidden", visibility="private")
    imported = await make_person(
        session, email="imp@example.org", is_active=False, email_verified_at=None
    )
    gone = await make_person(session, email="gone@example.org", is_active=False, password_hash="x")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO memberships (id, domain_id, person_id, status, roles) "
                "VALUES (:i, :d, :p, 'active', '{member}')"
            ),
            {"i": uuid.uuid4(), "d": domain.id, "p": imported.id},
        )
    for email in ("imp@example.org", "gone@example.org"):
        ok(await client.post(f"{API}/auth/password-reset", json={"email": email}), 202)
    token = token_in(await delivered(app, mailbox, "imp@example.org"), "/reset-password")
    assert mailbox.to("gone@example.org") == []
    claimed = ok(
        await client.post(
            f"{API}/auth/password-reset/confirm", json={"token": token, "new_password": NEW}
        )
    )
    assert claimed["id"] == str(imported.id) and claimed["is_active"] is True
    headers = bearer((await login(client, "imp@example.org", NEW))["access_token"])
    ok(await client.get(f"{API}/domains/{domain.slug}", headers=headers))
    assert await scalar(engine, "SELECT is_active FROM people WHERE id = :p", p=gone.id) is False


async def test_graphql_resets_a_password(client: AsyncClient, app: Any, mailbox: Mailbox) -> None:
    await register(client, "g@example.org")
    asked = await gql(client, 'mutation { requestPasswordReset(email: "g@example.org") }')
    unknown = await gql(client, 'mutation { requestPasswordReset(email: "x@example.org") }')
    assert asked["data"]["requestPasswordReset"] == unknown["data"]["requestPasswordReset"]
    token = token_in(await delivered(app, mailbox, "g@example.org", count=2), "/reset-password")
    done = await gql(
        client,
        """mutation($t: String!, $p: String!) {
             confirmPasswordReset(token: $t, newPassword: $p) { emailVerifiedAt } }""",
        {"t": token, "p": NEW},
    )
    assert done["data"]["confirmPasswordReset"]["emailVerifiedAt"] is not None
    await login(client, "g@example.org", NEW)
