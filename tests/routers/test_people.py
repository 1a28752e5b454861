"""Who may see whom: yourself, and the people who share an active domain with you."""

import uuid

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Role
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, ok, problem


def ids(page: dict[str, object]) -> set[str]:
    items = page["items"]
    assert isinstance(items, list)
    return {item["id"] for item in items}


async def test_you_see_yourself_and_people_sharing_an_active_domain(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    stranger = await make_person(session)
    domain = await make_domain(session, amara)
    await add_member(session, domain, mei)

    ok(await client.get(f"{API}/people/{amara.id}", headers=auth(amara)))
    seen = ok(await client.get(f"{API}/people/{mei.id}", headers=auth(amara)))
    assert seen["display_name"] == mei.display_name
    assert "email" not in seen
    ok(await client.get(f"{API}/people/{amara.id}", headers=auth(mei)))

    hidden = await client.get(f"{API}/people/{amara.id}", headers=auth(stranger))
    missing = await client.get(f"{API}/people/{uuid.uuid4()}", headers=auth(stranger))
    assert problem(hidden, 404, "not-found")["detail"] == problem(missing, 404)["detail"]

    listed = ok(await client.get(f"{API}/people", headers=auth(amara)))
    assert ids(listed) == {str(amara.id), str(mei.id)}
    assert ids(ok(await client.get(f"{API}/people", headers=auth(stranger)))) == {str(stranger.id)}


async def test_a_public_domain_alone_does_not_make_members_visible(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Seeing a public domain is not the same as belonging to it."""
    amara = await make_person(session)
    visitor = await make_person(session)
    await make_domain(session, amara, visibility="public")
    problem(await client.get(f"{API}/people/{amara.id}", headers=auth(visitor)), 404)


async def test_only_an_active_shared_membership_counts(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    asking = await make_person(session)
    departed = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request")
    await add_member(session, domain, member)
    await add_member(session, domain, asking, status="requested")
    await add_member(session, domain, departed, status="left")

    # A member sees active members only; a convenor also sees who is asking to join.
    problem(await client.get(f"{API}/people/{asking.id}", headers=auth(member)), 404)
    problem(await client.get(f"{API}/people/{departed.id}", headers=auth(member)), 404)
    ok(await client.get(f"{API}/people/{asking.id}", headers=auth(convenor)))
    # Those not (or no longer) active see nobody through the domain.
    problem(await client.get(f"{API}/people/{member.id}", headers=auth(asking)), 404)
    problem(await client.get(f"{API}/people/{member.id}", headers=auth(departed)), 404)


async def test_people_list_filters_by_text_and_expertise(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session, display_name="Amara Okafor", expertise=["facilitation"])
    mei = await make_person(
        session, display_name="Mei Chen", bio="Wound care nurse", expertise=["wound care"]
    )
    ravi = await make_person(session, display_name="Ravi Rao", expertise=["wound care", "pain"])
    outsider = await make_person(session, display_name="Mei Outside", expertise=["wound care"])
    domain = await make_domain(session, amara)
    await add_member(session, domain, mei)
    await add_member(session, domain, ravi)
    headers = auth(amara)

    async def listed(query: str) -> set[str]:
        return ids(ok(await client.get(f"{API}/people?{query}", headers=headers)))

    assert await listed("q=mei") == {str(mei.id)}
    assert await listed("q=WOUND") == {str(mei.id)}
    assert await listed("expertise=wound%20care") == {str(mei.id), str(ravi.id)}
    assert await listed("expertise=Wound%20Care") == {str(mei.id), str(ravi.id)}
    assert await listed("expertise=wound%20care&q=ravi") == {str(ravi.id)}
    assert await listed("q=nobody-like-this") == set()
    assert str(outsider.id) not in await listed("q=")
    # Not a way to probe email addresses.
    assert await listed(f"q={mei.email}") == set()


async def test_admin_sees_everyone_and_searches_email(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    mei = await make_person(session, email="mei.chen@example.org")
    ok(await client.get(f"{API}/people/{mei.id}", headers=auth(admin)))
    found = ok(await client.get(f"{API}/people?q=mei.chen@", headers=auth(admin)))
    assert ids(found) == {str(mei.id)}


async def test_people_rejects_bad_ids_and_parameters(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    headers = auth(person)
    problem(await client.get(f"{API}/people/not-a-uuid", headers=headers), 422, "validation-error")
    problem(await client.get(f"{API}/people?q={'x' * 201}", headers=headers), 422)
    problem(await client.get(f"{API}/people?expertise={'x' * 65}", headers=headers), 422)
    problem(await client.get(f"{API}/people/{uuid.uuid4()}/memberships", headers=headers), 404)
    problem(await client.get(f"{API}/people"), 401, "unauthenticated")


async def test_person_memberships_show_only_what_the_caller_may_see(
    client: AsyncClient, session: AsyncSession
) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    outsider = await make_person(session)
    shared = await make_domain(session, amara, name="Shared")
    mei_private = await make_domain(session, mei, name="Mei private", visibility="private")
    mei_public = await make_domain(session, mei, name="Mei public")
    invited_to = await make_domain(session, amara, name="Invited to")
    await add_member(session, shared, mei)
    await add_member(session, invited_to, mei, status="invited")

    def domains_of(page: dict[str, object]) -> set[str]:
        items = page["items"]
        assert isinstance(items, list)
        return {item["domain_id"] for item in items}

    url = f"{API}/people/{mei.id}/memberships"
    mine = ok(await client.get(url, headers=auth(mei)))
    assert domains_of(mine) == {str(d.id) for d in (shared, mei_private, mei_public, invited_to)}
    # Amara shares one domain with Mei; she does not see Mei's other communities.
    seen = domains_of(ok(await client.get(url, headers=auth(amara))))
    assert str(shared.id) in seen
    assert not {str(mei_private.id), str(mei_public.id)} & seen
    assert len(ok(await client.get(url, headers=auth(admin)))["items"]) == 4
    problem(await client.get(url, headers=auth(outsider)), 404, "not-found")

    roles = ok(await client.get(f"{API}/people/{amara.id}/memberships", headers=auth(mei)))
    assert [(m["domain_id"], m["roles"]) for m in roles["items"]] == [
        (str(shared.id), [Role.member, Role.convenor])
    ]
