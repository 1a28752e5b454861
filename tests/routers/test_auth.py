"""Sign-up, login, refresh rotation, the caller's own profile, and bad tokens."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from httpx import AsyncClient
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person, RefreshToken
from tests.factories import SECRET, auth, bearer, login, make_person, register
from tests.support import API, count, ok, problem


async def test_register_creates_a_person_and_hides_credentials(
    client: AsyncClient, session: AsyncSession
) -> None:
    body = await register(
        client,
        "Ada@Example.ORG",
        display_name="  Ada Lovelace ",
        timezone="Europe/London",
        expertise=["Analytics", "analytics", "facilitation"],
    )
    assert body["email"] == "ada@example.org"
    assert body["display_name"] == "Ada Lovelace"
    assert body["timezone"] == "Europe/London"
    assert body["expertise"] == ["analytics", "facilitation"]
    assert body["is_platform_admin"] is False
    assert not {"password", "password_hash"} & body.keys()
    person = await session.get(Person, uuid.UUID(body["id"]))
    assert person is not None and person.password_hash
    assert person.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("second", ["ada@example.org", "ADA@EXAMPLE.ORG", " Ada@example.org"])
async def test_email_is_unique_whatever_its_case(
    client: AsyncClient, session: AsyncSession, second: str
) -> None:
    await register(client, "Ada@example.org")
    response = await client.post(
        f"{API}/auth/register",
        json={"email": second, "password": "another password", "display_name": "Imposter"},
    )
    problem(response, 409, "email-taken")
    assert await count(session, Person) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"password": "short"}, "password"),
        ({"display_name": "   "}, "display_name"),
        ({"expertise": ["x" * 65]}, "expertise.0"),
    ],
)
async def test_register_rejects_invalid_input_field_by_field(
    client: AsyncClient, session: AsyncSession, change: dict[str, Any], field: str
) -> None:
    body = {"email": "ok@example.org", "password": "long enough", "display_name": "Ok", **change}
    response = await client.post(f"{API}/auth/register", json=body)
    errors = problem(response, 422, "validation-error")["errors"]
    assert [e["field"] for e in errors] == [field], errors
    assert all({"field", "message", "code"} <= e.keys() for e in errors)
    assert await count(session, Person) == 0


async def test_register_reports_every_invalid_field(client: AsyncClient) -> None:
    response = await client.post(f"{API}/auth/register", json={"email": "nope", "password": "x"})
    fields = {e["field"] for e in problem(response, 422, "validation-error")["errors"]}
    assert fields == {"email", "password", "display_name"}


async def test_register_rejects_a_body_that_is_not_json(client: AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = problem(response, 400, "malformed-json")
    assert body["errors"][0]["field"] == "body" and "character 1" in body["errors"][0]["message"]


async def test_token_logs_in_with_the_email_in_any_case(client: AsyncClient) -> None:
    await register(client, "mei@example.org")
    tokens = await login(client, "MEI@example.org")
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    me = ok(await client.get(f"{API}/people/me", headers=bearer(tokens["access_token"])))
    assert me["email"] == "mei@example.org"


@pytest.mark.parametrize(
    ("username", "password"),
    [("mei@example.org", "wrong password"), ("nobody@example.org", "correct horse battery")],
)
async def test_token_refuses_wrong_credentials_alike(
    client: AsyncClient, username: str, password: str
) -> None:
    await register(client, "mei@example.org")
    response = await client.post(
        f"{API}/auth/token", data={"username": username, "password": password}
    )
    body = problem(response, 401, "invalid-credentials")
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["detail"] == "Email or password is wrong."


async def test_token_refuses_a_person_without_a_password(
    client: AsyncClient, session: AsyncSession
) -> None:
    await make_person(session, email="nopass@example.org")
    response = await client.post(
        f"{API}/auth/token", data={"username": "nopass@example.org", "password": "anything at all"}
    )
    problem(response, 401, "invalid-credentials")


async def test_token_refuses_an_inactive_account(
    client: AsyncClient, session: AsyncSession
) -> None:
    await register(client, "gone@example.org")
    await session.exec(update(Person).values(is_active=False))
    await session.commit()
    response = await client.post(
        f"{API}/auth/token",
        data={"username": "gone@example.org", "password": "correct horse battery"},
    )
    problem(response, 401, "invalid-credentials")


async def test_token_wants_a_form_not_json(client: AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/token", json={"username": "a@example.org", "password": "whatever1"}
    )
    fields = {e["field"] for e in problem(response, 415, "unsupported-media-type")["errors"]}
    assert fields == {"Content-Type"}


async def test_refresh_token_works_once_and_reuse_revokes_the_rest(
    client: AsyncClient, session: AsyncSession
) -> None:
    await register(client, "ravi@example.org")
    first = await login(client, "ravi@example.org")
    other_device = await login(client, "ravi@example.org")

    second = ok(
        await client.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    )
    assert second["refresh_token"] != first["refresh_token"]
    ok(await client.get(f"{API}/people/me", headers=bearer(second["access_token"])))

    # Past the grace window for retries (tests/accounts/test_refresh_races.py has those).
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.revoked_at).is_not(None))
        .values(revoked_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await session.commit()
    reused = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    problem(reused, 401, "invalid-token")
    # A spent token came back: it was copied, so every live refresh token of the person dies.
    for token in (second["refresh_token"], other_device["refresh_token"]):
        response = await client.post(f"{API}/auth/refresh", json={"refresh_token": token})
        problem(response, 401, "invalid-token")
    assert await count(session, RefreshToken, col(RefreshToken.revoked_at).is_(None)) == 0


async def test_refresh_refuses_unknown_and_expired_tokens(
    client: AsyncClient, session: AsyncSession
) -> None:
    await register(client, "li@example.org")
    tokens = await login(client, "li@example.org")
    problem(
        await client.post(f"{API}/auth/refresh", json={"refresh_token": "nope"}),
        401,
        "invalid-token",
    )
    problem(await client.post(f"{API}/auth/refresh", json={"refresh_token": ""}), 422)
    await session.exec(
        update(RefreshToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    response = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    problem(response, 401, "invalid-token")


async def test_refresh_refuses_an_inactive_account(
    client: AsyncClient, session: AsyncSession
) -> None:
    await register(client, "li@example.org")
    tokens = await login(client, "li@example.org")
    await session.exec(update(Person).values(is_active=False))
    await session.commit()
    response = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    problem(response, 401, "invalid-token")


async def test_me_reads_and_updates_my_profile(client: AsyncClient) -> None:
    await register(client, "sam@example.org")
    headers = bearer((await login(client, "sam@example.org"))["access_token"])
    me = ok(await client.get(f"{API}/people/me", headers=headers))
    changed = ok(
        await client.patch(
            f"{API}/people/me",
            json={"bio": "Nurse educator", "expertise": ["Wound Care"], "timezone": "Asia/Tokyo"},
            headers=headers,
        )
    )
    assert changed["bio"] == "Nurse educator"
    assert changed["expertise"] == ["wound care"]
    assert changed["timezone"] == "Asia/Tokyo"
    assert changed["display_name"] == me["display_name"]
    assert changed["updated_at"] > me["updated_at"]
    again = ok(await client.get(f"{API}/people/me", headers=headers))
    assert again["bio"] == "Nurse educator"


async def test_me_changes_the_password(client: AsyncClient) -> None:
    await register(client, "sam@example.org")
    headers = bearer((await login(client, "sam@example.org"))["access_token"])
    ok(
        await client.patch(
            f"{API}/people/me",
            json={"password": "a new passphrase", "current_password": "correct horse battery"},
            headers=headers,
        )
    )
    await login(client, "sam@example.org", "a new passphrase")
    response = await client.post(
        f"{API}/auth/token",
        data={"username": "sam@example.org", "password": "correct horse battery"},
    )
    problem(response, 401, "invalid-credentials")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Nowhere/Else"}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"password": "short"}, "password"),
        ({"bio": "x" * 5001}, "bio"),
    ],
)
async def test_me_refuses_invalid_changes(
    client: AsyncClient, session: AsyncSession, change: dict[str, Any], field: str
) -> None:
    person = await make_person(session, bio="unchanged")
    response = await client.patch(f"{API}/people/me", json=change, headers=auth(person))
    errors = problem(response, 422, "validation-error")["errors"]
    assert [e["field"] for e in errors] == [field]
    me = ok(await client.get(f"{API}/people/me", headers=auth(person)))
    assert me["bio"] == "unchanged"


def _jwt(claims: dict[str, Any], key: str = SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def _claims(person_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(person_id),
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda pid: "garbage", id="not-a-jwt"),
        pytest.param(lambda pid: _jwt(_claims(pid), key="another-secret-" * 3), id="wrong-key"),
        pytest.param(
            lambda pid: _jwt(_claims(pid, exp=datetime.now(UTC) - timedelta(seconds=5))),
            id="expired",
        ),
        pytest.param(lambda pid: _jwt(_claims(pid, typ="refresh")), id="not-an-access-token"),
        pytest.param(lambda pid: _jwt(_claims(pid, exp=None)), id="no-expiry"),
        pytest.param(lambda pid: _jwt(_claims(pid, sub="not-a-uuid")), id="bad-subject"),
        pytest.param(lambda pid: _jwt(_claims(uuid.uuid4())), id="unknown-person"),
        pytest.param(lambda pid: jwt.encode(_claims(pid), None, algorithm="none"), id="unsigned"),
        pytest.param(lambda pid: "cop_deadbeef_" + "x" * 40, id="unknown-api-key"),
    ],
)
async def test_bad_bearer_tokens_get_401(
    client: AsyncClient, session: AsyncSession, make_token: Any
) -> None:
    person = await make_person(session)
    response = await client.get(f"{API}/people/me", headers=bearer(make_token(person.id)))
    problem(response, 401, "invalid-token")
    # A bad token is refused even where anonymous callers are welcome.
    response = await client.get(f"{API}/domains", headers=bearer(make_token(person.id)))
    problem(response, 401, "invalid-token")


async def test_no_token_gets_401_on_authenticated_routes(client: AsyncClient) -> None:
    problem(await client.get(f"{API}/people/me"), 401, "unauthenticated")
    problem(await client.patch(f"{API}/people/me", json={}), 401, "unauthenticated")


async def test_deactivated_person_token_stops_working(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    headers = auth(person)
    ok(await client.get(f"{API}/people/me", headers=headers))
    person.is_active = False
    session.add(person)
    await session.commit()
    problem(await client.get(f"{API}/people/me", headers=headers), 401, "invalid-token")
