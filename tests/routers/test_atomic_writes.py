"""One request, one transaction: a write that fails part-way leaves nothing behind."""

import asyncio

from httpx import AsyncClient
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Membership
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, count, domain_rows, ok, problem


async def test_failed_domain_creates_leave_no_domain_and_no_membership(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    newcomer = await make_person(session)
    await make_domain(session, convenor, slug="taken")
    before = await domain_rows(session)
    for body, status in (
        ({"name": "Clash", "slug": "taken"}, 409),
        ({"name": "Orphan", "parent_slug": "missing"}, 422),
        ({"name": "Bad", "max_active_members": -1}, 422),
        ({"name": "Nul\u0000byte"}, 422),
    ):
        response = await client.post(f"{API}/domains", json=body, headers=auth(newcomer))
        problem(response, status)
    assert await domain_rows(session) == before
    assert await count(session, Membership, col(Membership.person_id) == newcomer.id) == 0


async def test_concurrent_creates_with_one_name_all_succeed(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Two people naming their domain alike at the same moment both get one, with
    distinct derived slugs, and each becomes the convenor of their own."""
    people = [await make_person(session) for _ in range(4)]
    responses = await asyncio.gather(
        *(
            client.post(f"{API}/domains", json={"name": "Same Name"}, headers=auth(p))
            for p in people
        )
    )
    created = [ok(r, 201) for r in responses]
    assert sorted(d["slug"] for d in created) == [
        "same-name",
        "same-name-2",
        "same-name-3",
        "same-name-4",
    ]
    assert await count(session, Membership) == 4


async def test_a_refused_join_leaves_no_membership(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    full = await make_domain(session, convenor, max_active_members=1)
    invite_only = await make_domain(session, convenor, join_policy="invite")
    before = await domain_rows(session)
    for domain, slug in ((full, "domain-full"), (invite_only, "invitation-required")):
        response = await client.post(
            f"{API}/domains/{domain.slug}/members", json={}, headers=auth(mei)
        )
        problem(response, 409 if slug == "domain-full" else 403, slug)
    assert await domain_rows(session) == before


async def test_a_patch_that_fails_halfway_changes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Roles are applied before the status; a refused status must undo the roles too."""
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, mei)
    before = await domain_rows(session)
    url = f"{API}/domains/{domain.slug}/members/{mei.id}"
    response = await client.patch(
        url, json={"roles": ["core"], "status": "invited"}, headers=auth(convenor)
    )
    problem(response, 409, "invalid-transition")
    assert await domain_rows(session) == before
    assert ok(await client.get(url, headers=auth(mei)))["roles"] == ["member"]

    # Demoting the last convenor while also naming a new one in a later request works;
    # in one refused request nothing moves.
    me = f"{API}/domains/{domain.slug}/members/{convenor.id}"
    response = await client.patch(
        me, json={"roles": ["core"], "status": "left"}, headers=auth(convenor)
    )
    problem(response, 409, "last-convenor")
    assert await domain_rows(session) == before


async def test_failed_domain_update_changes_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, slug="here")
    await make_domain(session, convenor, slug="there", parent_slug="here")
    url = f"{API}/domains/here"
    for body in (
        {"purpose": "changed", "parent_slug": "there"},
        {"purpose": "changed", "max_active_members": 0},
        {"purpose": "changed", "slug": "there"},
    ):
        response = await client.patch(url, json=body, headers=auth(convenor))
        assert response.status_code in (409, 422), response.text
    after = ok(await client.get(url))
    assert after["purpose"] == "" and after["parent_id"] is None
    assert after["updated_at"] == domain.updated_at.isoformat().replace("+00:00", "Z")
