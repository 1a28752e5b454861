"""Domains: creation, slugs, changes, affinity sub-groups, archiving."""

import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.memberships import Membership, MembershipEvent
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, count, ok, problem


def slugs(page: dict[str, Any]) -> list[str]:
    return [d["slug"] for d in page["items"]]


async def test_creator_becomes_the_active_convenor(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    body = {
        "name": "Palliative Care Nurses",
        "purpose": "Share what works at the bedside.",
        "goals": ["Meet monthly", "Meet monthly", "Build a library"],
        "themes": ["pain", "families"],
        "visibility": "private",
        "join_policy": "request",
        "max_active_members": 12,
        "lifecycle_stage": "coalescing",
        "timezone": "Europe/Amsterdam",
    }
    created = ok(await client.post(f"{API}/domains", json=body, headers=auth(amara)), 201)
    assert created["slug"] == "palliative-care-nurses"
    assert created["goals"] == ["Meet monthly", "Build a library"]
    assert created["archived_at"] is None
    for field in ("visibility", "join_policy", "max_active_members", "lifecycle_stage"):
        assert created[field] == body[field]

    membership = ok(
        await client.get(f"{API}/domains/{created['slug']}/members/{amara.id}", headers=auth(amara))
    )
    assert membership["status"] == "active"
    assert "convenor" in membership["roles"] and "member" in membership["roles"]
    assert membership["joined_at"] is not None
    assert [e["kind"] for e in membership["history"]] == ["joined"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Palliative Care Nurses", "palliative-care-nurses"),
        ("  Café Ünïcode -- Group!! ", "cafe-unicode-group"),
        ("!!!", "domain"),
        ("日本語", "domain"),
        ("x" * 120, "x" * 56),
    ],
)
async def test_slug_is_derived_from_the_name(
    client: AsyncClient, session: AsyncSession, name: str, slug: str
) -> None:
    person = await make_person(session)
    created = ok(
        await client.post(f"{API}/domains", json={"name": name}, headers=auth(person)), 201
    )
    assert created["slug"] == slug


async def test_derived_slugs_are_deduplicated(client: AsyncClient, session: AsyncSession) -> None:
    person = await make_person(session)
    made = [
        ok(
            await client.post(f"{API}/domains", json={"name": "Wound Care"}, headers=auth(person)),
            201,
        )
        for _ in range(3)
    ]
    assert [d["slug"] for d in made] == ["wound-care", "wound-care-2", "wound-care-3"]
    # An archived domain keeps its slug.
    ok(await client.delete(f"{API}/domains/wound-care-3", headers=auth(person)))
    again = ok(
        await client.post(f"{API}/domains", json={"name": "Wound Care"}, headers=auth(person)), 201
    )
    assert again["slug"] == "wound-care-4"


async def test_explicit_duplicate_slug_is_a_conflict_and_leaves_nothing(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    other = await make_person(session)
    await make_domain(session, person, name="Wound Care", slug="wound-care")
    before = (await count(session, Domain), await count(session, Membership))
    response = await client.post(
        f"{API}/domains", json={"name": "Another", "slug": "wound-care"}, headers=auth(other)
    )
    problem(response, 409, "slug-taken")
    assert (await count(session, Domain), await count(session, Membership)) == before
    assert await count(session, Membership, col(Membership.person_id) == other.id) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Ok", "slug": "Not A Slug"}, "slug"),
        ({"name": "Ok", "slug": "trailing-"}, "slug"),
        ({"name": "Ok", "visibility": "secret"}, "visibility"),
        ({"name": "Ok", "join_policy": "lottery"}, "join_policy"),
        ({"name": "Ok", "lifecycle_stage": "dead"}, "lifecycle_stage"),
        ({"name": "Ok", "max_active_members": 0}, "max_active_members"),
        ({"name": "Ok", "timezone": "Atlantis/Capital"}, "timezone"),
        ({"name": "Ok", "themes": ["x" * 81]}, "themes.0"),
        ({"name": "Ok", "parent_slug": "no-such-domain"}, "parent_slug"),
    ],
)
async def test_domain_create_validates_and_leaves_nothing(
    client: AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    person = await make_person(session)
    response = await client.post(f"{API}/domains", json=body, headers=auth(person))
    errors = problem(response, 422)["errors"]
    assert [e["field"] for e in errors] == [field], errors
    assert await count(session, Domain) == 0
    assert await count(session, Membership) == 0


async def test_convenor_updates_member_may_not(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor, name="Wound Care")
    await add_member(session, domain, member)
    url = f"{API}/domains/{domain.slug}"

    changed = ok(
        await client.patch(
            url,
            json={"lifecycle_stage": "maturing", "themes": ["dressings"], "max_active_members": 5},
            headers=auth(convenor),
        )
    )
    assert changed["lifecycle_stage"] == "maturing"
    assert changed["themes"] == ["dressings"]
    assert changed["name"] == "Wound Care"
    assert changed["updated_at"] > changed["created_at"]

    for person in (member, outsider):
        problem(
            await client.patch(url, json={"name": "Mine"}, headers=auth(person)), 403, "forbidden"
        )
    assert ok(await client.get(url))["name"] == "Wound Care"


async def test_update_clears_nullable_fields_and_refuses_null_required_ones(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, max_active_members=10)
    url = f"{API}/domains/{domain.slug}"
    cleared = ok(await client.patch(url, json={"max_active_members": None}, headers=auth(convenor)))
    assert cleared["max_active_members"] is None
    response = await client.patch(url, json={"name": None, "goals": None}, headers=auth(convenor))
    errors = problem(response, 422, "validation-error")["errors"]
    assert {e["field"] for e in errors} == {"name", "goals"}


async def test_update_to_a_taken_slug_is_a_conflict(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    await make_domain(session, convenor, slug="taken")
    mine = await make_domain(session, convenor, slug="mine")
    response = await client.patch(
        f"{API}/domains/{mine.slug}", json={"slug": "taken", "purpose": "x"}, headers=auth(convenor)
    )
    problem(response, 409, "slug-taken")
    unchanged = ok(await client.get(f"{API}/domains/mine"))
    assert unchanged["purpose"] == ""
    renamed = ok(
        await client.patch(f"{API}/domains/mine", json={"slug": "renamed"}, headers=auth(convenor))
    )
    assert renamed["slug"] == "renamed"
    problem(await client.get(f"{API}/domains/mine"), 404)


async def test_affinity_subgroups_cannot_form_a_cycle(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    headers = auth(convenor)
    for slug, parent in (("a", None), ("b", "a"), ("c", "b")):
        body = {"name": slug.upper(), "slug": slug, "parent_slug": parent}
        created = ok(await client.post(f"{API}/domains", json=body, headers=headers), 201)
    assert created["parent_id"] is not None

    for slug, parent in (("a", "c"), ("a", "b"), ("a", "a"), ("b", "c")):
        response = await client.patch(
            f"{API}/domains/{slug}", json={"parent_slug": parent}, headers=headers
        )
        errors = problem(response, 422, "validation-error")["errors"]
        assert errors == [
            {"field": "parent_slug", "message": "would create a cycle", "code": "cycle"}
        ]

    children = ok(await client.get(f"{API}/domains?parent=a"))
    assert slugs(children) == ["b"]
    moved = ok(await client.patch(f"{API}/domains/c", json={"parent_slug": "a"}, headers=headers))
    assert moved["parent_id"] == ok(await client.get(f"{API}/domains/a"))["id"]
    detached = ok(
        await client.patch(f"{API}/domains/b", json={"parent_slug": None}, headers=headers)
    )
    assert detached["parent_id"] is None
    ok(await client.patch(f"{API}/domains/a", json={"parent_slug": "b"}, headers=headers))


async def test_a_private_domain_cannot_be_named_as_parent_by_outsiders(
    client: AsyncClient, session: AsyncSession
) -> None:
    owner = await make_person(session)
    outsider = await make_person(session)
    await make_domain(session, owner, slug="hidden", visibility="private")
    response = await client.post(
        f"{API}/domains", json={"name": "Child", "parent_slug": "hidden"}, headers=auth(outsider)
    )
    missing = await client.post(
        f"{API}/domains", json={"name": "Child", "parent_slug": "nowhere"}, headers=auth(outsider)
    )
    assert problem(response, 422)["errors"] == problem(missing, 422)["errors"]


async def test_archive_hides_from_lists_but_keeps_data(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    domain = await make_domain(session, convenor, slug="old")
    await add_member(session, domain, member)
    url = f"{API}/domains/old"

    archived = ok(await client.delete(url, headers=auth(convenor)))
    assert archived["archived_at"] is not None
    assert (
        ok(await client.delete(url, headers=auth(convenor)))["archived_at"]
        == archived["archived_at"]
    )

    for headers in ({}, auth(convenor), auth(member), auth(admin)):
        assert slugs(ok(await client.get(f"{API}/domains", headers=headers))) == []
    assert slugs(
        ok(await client.get(f"{API}/domains?include_archived=true", headers=auth(admin)))
    ) == ["old"]
    assert (
        slugs(ok(await client.get(f"{API}/domains?include_archived=true", headers=auth(member))))
        == []
    )

    assert (
        ok(await client.get(url, headers=auth(convenor)))["archived_at"] == archived["archived_at"]
    )
    ok(await client.get(url, headers=auth(admin)))
    ok(await client.get(f"{url}/members", headers=auth(convenor)))
    problem(await client.get(url), 404)
    problem(await client.get(url, headers=auth(member)), 404)

    problem(
        await client.patch(url, json={"name": "Revived"}, headers=auth(convenor)),
        409,
        "domain-archived",
    )
    problem(
        await client.post(f"{url}/members", json={}, headers=auth(admin)), 409, "domain-archived"
    )
    assert await count(session, Membership, col(Membership.domain_id) == domain.id) == 2
    assert await count(session, MembershipEvent) == 2


async def test_cap_cannot_go_below_the_active_members(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    for _ in range(2):
        await add_member(session, domain, await make_person(session))
    await add_member(session, domain, await make_person(session), status="invited")
    url = f"{API}/domains/{domain.slug}"
    response = await client.patch(
        url, json={"max_active_members": 2, "purpose": "x"}, headers=auth(convenor)
    )
    errors = problem(response, 422, "validation-error")["errors"]
    assert [e["field"] for e in errors] == ["max_active_members"]
    unchanged = ok(await client.get(url))
    assert unchanged["max_active_members"] is None and unchanged["purpose"] == ""
    assert (
        ok(await client.patch(url, json={"max_active_members": 3}, headers=auth(convenor)))[
            "max_active_members"
        ]
        == 3
    )


async def test_domain_list_filters(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    await make_domain(
        session,
        amara,
        slug="wounds",
        name="Wound care",
        themes=["dressings"],
        lifecycle_stage="maturing",
    )
    await make_domain(session, amara, slug="pain", name="Pain", purpose="Less pain for patients")
    await make_domain(session, amara, slug="quiet", name="Quiet", visibility="private")
    other = await make_person(session)
    await make_domain(session, other, slug="elsewhere", name="Elsewhere")

    async def listed(query: str, headers: dict[str, str] | None = None) -> list[str]:
        return slugs(ok(await client.get(f"{API}/domains?{query}", headers=headers or {})))

    assert await listed("") == ["wounds", "pain", "elsewhere"]
    assert await listed("", auth(amara)) == ["wounds", "pain", "quiet", "elsewhere"]
    assert await listed("q=PATIENT") == ["pain"]
    assert await listed("theme=dressings") == ["wounds"]
    assert await listed("lifecycle_stage=maturing") == ["wounds"]
    assert await listed("visibility=private") == []
    assert await listed("visibility=private", auth(amara)) == ["quiet"]
    assert await listed("mine=true", auth(amara)) == ["wounds", "pain", "quiet"]
    problem(await client.get(f"{API}/domains?mine=true"), 401)
    problem(await client.get(f"{API}/domains?visibility=secret"), 422)
    problem(await client.get(f"{API}/domains?parent=quiet"), 404)


async def test_unknown_domain_is_404_on_every_route(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    headers = auth(admin)
    base = f"{API}/domains/nowhere"
    someone = uuid.uuid4()
    for method, url, body in (
        ("GET", base, None),
        ("PATCH", base, {"name": "x"}),
        ("DELETE", base, None),
        ("GET", f"{base}/members", None),
        ("POST", f"{base}/members", {}),
        ("GET", f"{base}/members/{someone}", None),
        ("PATCH", f"{base}/members/{someone}", {"status": "active"}),
        ("DELETE", f"{base}/members/{someone}", None),
    ):
        response = await client.request(method, url, json=body, headers=headers)
        problem(response, 404, "not-found")
    problem(await client.get(f"{API}/domains/{'x' * 65}"), 422)
    problem(await client.put(base, json={}), 405, "method-not-allowed")
    problem(await client.get(f"{API}/no-such-thing"), 404, "not-found")
