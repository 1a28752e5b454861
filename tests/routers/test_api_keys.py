"""API keys: service accounts for integrations, made by platform admins, scoped."""

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Membership
from app.models.people import ApiKey
from app.services.people.auth import sha256
from tests.factories import auth, bearer, make_domain, make_key, make_person
from tests.support import API, count, ok, problem


async def test_only_platform_admins_create_keys(client: AsyncClient, session: AsyncSession) -> None:
    person = await make_person(session)
    response = await client.post(
        f"{API}/api-keys", json={"name": "sync", "scopes": ["write"]}, headers=auth(person)
    )
    problem(response, 403, "forbidden")
    problem(await client.get(f"{API}/api-keys", headers=auth(person)), 403, "forbidden")
    problem(await client.post(f"{API}/api-keys", json={"name": "sync"}), 401)
    assert await count(session, ApiKey) == 0


async def test_key_is_shown_once_and_stored_hashed(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    created = ok(
        await client.post(
            f"{API}/api-keys",
            json={"name": "LMS sync", "scopes": ["write", "read", "write"]},
            headers=auth(admin),
        ),
        201,
    )
    secret = created["key"]
    assert secret.startswith(f"cop_{created['prefix']}_")
    assert created["scopes"] == ["read", "write"]
    assert created["last_used_at"] is None and created["revoked_at"] is None

    stored = (await session.exec(select(ApiKey))).one()
    assert stored.key_hash == sha256(secret)
    assert secret not in {stored.key_hash, stored.prefix, stored.name}

    listed = ok(await client.get(f"{API}/api-keys", headers=auth(admin)))
    assert [k["id"] for k in listed["items"]] == [created["id"]]
    assert "key" not in listed["items"][0]
    assert "key_hash" not in listed["items"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["superuser"]},
        {"name": "   "},
        {"scopes": ["read"]},
    ],
)
async def test_key_creation_validates(
    client: AsyncClient, session: AsyncSession, body: dict[str, Any]
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    response = await client.post(f"{API}/api-keys", json=body, headers=auth(admin))
    problem(response, 422, "validation-error")


async def test_key_works_as_a_bearer_token_and_records_its_use(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    convenor = await make_person(session)
    private = await make_domain(session, convenor, visibility="private")
    secret = await make_key(session, admin, "read")

    page = ok(await client.get(f"{API}/domains", headers=bearer(secret)))
    assert [d["slug"] for d in page["items"]] == [private.slug]
    ok(await client.get(f"{API}/domains/{private.slug}/members", headers=bearer(secret)))
    ok(await client.get(f"{API}/people/{convenor.id}", headers=bearer(secret)))

    key = (await session.exec(select(ApiKey))).one()
    await session.refresh(key)
    assert key.last_used_at is not None
    listed = ok(await client.get(f"{API}/api-keys", headers=auth(admin)))
    assert listed["items"][0]["last_used_at"] is not None


async def test_a_key_is_not_a_person(client: AsyncClient, session: AsyncSession) -> None:
    admin = await make_person(session, is_platform_admin=True)
    secret = await make_key(session, admin, "admin")
    problem(await client.get(f"{API}/people/me", headers=bearer(secret)), 403, "person-required")
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    response = await client.post(
        f"{API}/domains/{domain.slug}/members", json={}, headers=bearer(secret)
    )
    problem(response, 422, "validation-error")


async def test_read_key_cannot_write_and_write_key_can(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    convenor = await make_person(session)
    newcomer = await make_person(session)
    domain = await make_domain(session, convenor)
    reader = bearer(await make_key(session, admin, "read"))
    writer = bearer(await make_key(session, admin, "write"))

    refused = [
        await client.post(f"{API}/domains", json={"name": "By key"}, headers=reader),
        await client.patch(f"{API}/domains/{domain.slug}", json={"purpose": "x"}, headers=reader),
        await client.delete(f"{API}/domains/{domain.slug}", headers=reader),
        await client.post(
            f"{API}/domains/{domain.slug}/members",
            json={"person_id": str(newcomer.id)},
            headers=reader,
        ),
        await client.patch(f"{API}/people/me", json={"bio": "x"}, headers=reader),
    ]
    for response in refused:
        problem(response, 403, "insufficient-scope")

    created = ok(await client.post(f"{API}/domains", json={"name": "By key"}, headers=writer), 201)
    # A service account convenes nothing: the domain has no members yet.
    assert (
        await count(session, Membership, col(Membership.domain_id) == uuid.UUID(created["id"])) == 0
    )
    ok(await client.patch(f"{API}/domains/{domain.slug}", json={"purpose": "x"}, headers=writer))
    invited = ok(
        await client.post(
            f"{API}/domains/{domain.slug}/members",
            json={"person_id": str(newcomer.id)},
            headers=writer,
        ),
        201,
    )
    assert invited["status"] == "invited"


async def test_only_admin_scoped_keys_manage_keys(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    writer = bearer(await make_key(session, admin, "write"))
    keymaster = bearer(await make_key(session, admin, "admin"))
    body = {"name": "child", "scopes": ["read"]}
    problem(await client.post(f"{API}/api-keys", json=body, headers=writer), 403, "forbidden")
    ok(await client.post(f"{API}/api-keys", json=body, headers=keymaster), 201)


async def test_revoked_key_stops_working(client: AsyncClient, session: AsyncSession) -> None:
    admin = await make_person(session, is_platform_admin=True)
    secret = await make_key(session, admin, "write")
    ok(await client.get(f"{API}/domains", headers=bearer(secret)))
    key_id = (await session.exec(select(ApiKey.id))).one()

    revoked = ok(await client.delete(f"{API}/api-keys/{key_id}", headers=auth(admin)))
    assert revoked["revoked_at"] is not None
    problem(await client.get(f"{API}/domains", headers=bearer(secret)), 401, "invalid-token")
    again = ok(await client.delete(f"{API}/api-keys/{key_id}", headers=auth(admin)))
    assert again["revoked_at"] == revoked["revoked_at"]
    problem(await client.delete(f"{API}/api-keys/{uuid.uuid4()}", headers=auth(admin)), 404)


async def test_a_forged_key_with_a_real_prefix_is_refused(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    secret = await make_key(session, admin, "read")
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    problem(await client.get(f"{API}/domains", headers=bearer(forged)), 401, "invalid-token")
