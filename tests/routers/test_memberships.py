"""Memberships: joining under each policy, invitations, the cap, the last convenor,
roles, and a history that survives leaving and rejoining."""

import asyncio
from typing import Any

from httpx import AsyncClient
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.memberships import Membership, MembershipEvent
from app.models.people import Person
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, count, ok, problem


def url(domain: Domain, person: Person | None = None) -> str:
    base = f"{API}/domains/{domain.slug}/members"
    return f"{base}/{person.id}" if person else base


async def join(client: AsyncClient, domain: Domain, person: Person) -> Any:
    return await client.post(url(domain), json={}, headers=auth(person))


async def history(client: AsyncClient, domain: Domain, person: Person, caller: Person) -> list[str]:
    body = ok(await client.get(url(domain, person), headers=auth(caller)))
    return [e["kind"] for e in body["history"]]


async def test_joining_an_open_domain_makes_you_active(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    joined = ok(await join(client, domain, mei), 201)
    assert joined["status"] == "active" and joined["roles"] == ["member"]
    assert joined["joined_at"] is not None
    problem(await join(client, domain, mei), 409, "already-member")
    assert await history(client, domain, mei, convenor) == ["joined"]
    members = ok(await client.get(url(domain), headers=auth(mei)))
    assert {m["person_id"] for m in members["items"]} == {str(convenor.id), str(mei.id)}


async def test_only_convenors_hand_out_roles(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    response = await client.post(url(domain), json={"roles": ["convenor"]}, headers=auth(mei))
    problem(response, 403, "forbidden")
    assert await count(session, Membership, col(Membership.person_id) == mei.id) == 0
    ok(await client.post(url(domain), json={"roles": ["member"]}, headers=auth(mei)), 201)

    response = await client.patch(url(domain, mei), json={"roles": ["core"]}, headers=auth(mei))
    problem(response, 403, "forbidden")
    changed = ok(
        await client.patch(
            url(domain, mei),
            json={"roles": ["core", "knowledge_broker", "core"]},
            headers=auth(convenor),
        )
    )
    assert changed["roles"] == ["member", "core", "knowledge_broker"]
    assert await history(client, domain, mei, mei) == ["joined", "roles_changed"]
    problem(
        await client.patch(url(domain, mei), json={"roles": ["owner"]}, headers=auth(convenor)), 422
    )


async def test_request_policy_waits_for_a_convenor(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    mei = await make_person(session)
    ravi = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request")
    await add_member(session, domain, member)

    asked = ok(await join(client, domain, mei), 201)
    assert asked["status"] == "requested" and asked["joined_at"] is None
    problem(await join(client, domain, mei), 409, "already-requested")
    ok(await join(client, domain, ravi), 201)

    # Members do not see pending requests; convenors do.
    active_only = ok(await client.get(url(domain), headers=auth(member)))
    assert {m["status"] for m in active_only["items"]} == {"active"}
    problem(await client.get(url(domain, mei), headers=auth(member)), 404)
    pending = ok(await client.get(f"{url(domain)}?status=requested", headers=auth(convenor)))
    assert {m["person_id"] for m in pending["items"]} == {str(mei.id), str(ravi.id)}

    # Nobody approves themselves; to other members the request is not even there.
    response = await client.patch(url(domain, mei), json={"status": "active"}, headers=auth(mei))
    problem(response, 403, "forbidden")
    response = await client.patch(url(domain, mei), json={"status": "active"}, headers=auth(member))
    problem(response, 404, "not-found")

    approved = ok(
        await client.patch(url(domain, mei), json={"status": "active"}, headers=auth(convenor))
    )
    assert approved["status"] == "active" and approved["joined_at"] is not None
    declined = ok(
        await client.patch(url(domain, ravi), json={"status": "declined"}, headers=auth(convenor))
    )
    assert declined["status"] == "declined"
    assert await history(client, domain, mei, mei) == ["requested", "approved"]
    assert await history(client, domain, ravi, ravi) == ["requested", "declined"]
    # A declined request can be made again.
    assert ok(await join(client, domain, ravi), 201)["status"] == "requested"


async def test_a_request_can_be_withdrawn_or_turned_down_with_delete(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    ravi = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request")
    ok(await join(client, domain, mei), 201)
    ok(await join(client, domain, ravi), 201)
    assert ok(await client.delete(url(domain, mei), headers=auth(mei)))["status"] == "left"
    turned_down = ok(await client.delete(url(domain, ravi), headers=auth(convenor)))
    assert turned_down["status"] == "declined"


async def test_invite_policy(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    mei = await make_person(session)
    ravi = await make_person(session)
    li = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="invite")
    await add_member(session, domain, member)

    problem(await join(client, domain, mei), 403, "invitation-required")
    response = await client.post(url(domain), json={"person_id": str(mei.id)}, headers=auth(member))
    problem(response, 403, "forbidden")
    assert await count(session, Membership, col(Membership.person_id) == mei.id) == 0

    for person in (mei, ravi, li):
        invited = ok(
            await client.post(
                url(domain), json={"person_id": str(person.id)}, headers=auth(convenor)
            ),
            201,
        )
        assert invited["status"] == "invited"
    response = await client.post(
        url(domain), json={"person_id": str(mei.id)}, headers=auth(convenor)
    )
    problem(response, 409, "already-invited")
    response = await client.post(
        url(domain), json={"person_id": str(member.id)}, headers=auth(convenor)
    )
    problem(response, 409, "already-member")

    # Only the invitee answers.
    response = await client.patch(
        url(domain, mei), json={"status": "active"}, headers=auth(convenor)
    )
    problem(response, 403, "forbidden")
    accepted = ok(
        await client.patch(url(domain, mei), json={"status": "active"}, headers=auth(mei))
    )
    assert accepted["status"] == "active"
    assert ok(await join(client, domain, ravi), 201)["status"] == "active"
    declined = ok(
        await client.patch(url(domain, li), json={"status": "declined"}, headers=auth(li))
    )
    assert declined["status"] == "declined"
    problem(await join(client, domain, li), 403, "invitation-required")
    assert await history(client, domain, mei, mei) == ["invited", "joined"]
    assert await history(client, domain, li, convenor) == ["invited", "declined"]


async def test_invitation_carries_roles_and_can_be_withdrawn(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    ravi = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="invite")
    body = {"person_id": str(mei.id), "roles": ["convenor"]}
    ok(await client.post(url(domain), json=body, headers=auth(convenor)), 201)
    accepted = ok(
        await client.patch(url(domain, mei), json={"status": "active"}, headers=auth(mei))
    )
    assert accepted["roles"] == ["member", "convenor"]

    ok(
        await client.post(url(domain), json={"person_id": str(ravi.id)}, headers=auth(convenor)),
        201,
    )
    withdrawn = ok(await client.delete(url(domain, ravi), headers=auth(mei)))
    assert withdrawn["status"] == "removed"
    assert await history(client, domain, ravi, ravi) == ["invited", "removed"]


async def test_inviting_someone_who_asked_approves_them(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request")
    ok(await join(client, domain, mei), 201)
    approved = ok(
        await client.post(url(domain), json={"person_id": str(mei.id)}, headers=auth(convenor)), 201
    )
    assert approved["status"] == "active"


async def test_inviting_an_unknown_person_is_invalid(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    response = await client.post(
        url(domain),
        json={"person_id": "00000000-0000-4000-8000-000000000000"},
        headers=auth(convenor),
    )
    assert problem(response, 422, "validation-error")["errors"][0]["field"] == "person_id"
    problem(await client.post(url(domain), json={"person_id": "nope"}, headers=auth(convenor)), 422)
    assert await count(session, Membership) == 1


async def test_a_full_domain_refuses_new_members_until_the_cap_rises(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    ravi = await make_person(session)
    domain = await make_domain(session, convenor, max_active_members=2)
    ok(await join(client, domain, mei), 201)

    body = problem(await join(client, domain, ravi), 409, "domain-full")
    assert body["title"] == "Domain is full"
    assert await count(session, Membership, col(Membership.person_id) == ravi.id) == 0

    ok(
        await client.patch(
            f"{API}/domains/{domain.slug}", json={"max_active_members": 3}, headers=auth(convenor)
        )
    )
    assert ok(await join(client, domain, ravi), 201)["status"] == "active"


async def test_the_cap_also_holds_for_approvals_and_accepted_invitations(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    asker = await make_person(session)
    invitee = await make_person(session)
    domain = await make_domain(session, convenor, join_policy="request", max_active_members=1)
    ok(await join(client, domain, asker), 201)
    ok(
        await client.post(url(domain), json={"person_id": str(invitee.id)}, headers=auth(convenor)),
        201,
    )

    response = await client.patch(
        url(domain, asker), json={"status": "active"}, headers=auth(convenor)
    )
    problem(response, 409, "domain-full")
    response = await client.patch(
        url(domain, invitee), json={"status": "active"}, headers=auth(invitee)
    )
    problem(response, 409, "domain-full")
    assert ok(await client.get(url(domain, asker), headers=auth(convenor)))["status"] == "requested"
    assert await history(client, domain, invitee, invitee) == ["invited"]


async def test_concurrent_joins_never_exceed_the_cap(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, max_active_members=4)
    people = [await make_person(session) for _ in range(8)]
    responses = await asyncio.gather(*(join(client, domain, p) for p in people))
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 5
    assert all(
        r.json()["type"] == "/problems/domain-full" for r in responses if r.status_code == 409
    )
    assert (
        await count(
            session,
            Membership,
            col(Membership.domain_id) == domain.id,
            col(Membership.status) == "active",
        )
        == 4
    )


async def test_the_last_convenor_cannot_leave_or_be_demoted(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, mei)
    me = url(domain, convenor)

    for response in (
        await client.delete(me, headers=auth(convenor)),
        await client.patch(me, json={"status": "left"}, headers=auth(convenor)),
        await client.patch(me, json={"roles": ["member"]}, headers=auth(convenor)),
        await client.patch(me, json={"roles": []}, headers=auth(admin)),
        await client.delete(me, headers=auth(admin)),
    ):
        problem(response, 409, "last-convenor")
    assert await history(client, domain, convenor, convenor) == ["joined"]

    # With a second convenor named, the first may step down and then leave.
    ok(await client.patch(url(domain, mei), json={"roles": ["convenor"]}, headers=auth(convenor)))
    stepped_down = ok(await client.patch(me, json={"roles": ["core"]}, headers=auth(convenor)))
    assert stepped_down["roles"] == ["member", "core"]
    problem(
        await client.patch(url(domain, mei), json={"roles": []}, headers=auth(mei)),
        409,
        "last-convenor",
    )
    assert ok(await client.delete(me, headers=auth(convenor)))["status"] == "left"


async def test_leaving_keeps_history_and_rejoining_adds_to_it(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    first = ok(await join(client, domain, mei), 201)

    left = ok(await client.delete(url(domain, mei), headers=auth(mei)))
    assert left["status"] == "left" and left["left_at"] is not None
    assert left["joined_at"] == first["joined_at"]
    problem(await client.delete(url(domain, mei), headers=auth(mei)), 409, "invalid-transition")
    # A former member no longer reads the member list, but keeps their own record.
    problem(await client.get(url(domain), headers=auth(mei)), 403)
    assert await history(client, domain, mei, mei) == ["joined", "left"]

    back = ok(await join(client, domain, mei), 201)
    assert back["status"] == "active"
    assert back["id"] == first["id"]
    assert back["joined_at"] == first["joined_at"]
    detail = ok(await client.get(url(domain, mei), headers=auth(convenor)))
    assert [e["kind"] for e in detail["history"]] == ["joined", "left", "rejoined"]
    assert [e["status"] for e in detail["history"]] == ["active", "left", "active"]
    assert all(e["actor_id"] == str(mei.id) for e in detail["history"])
    times = [e["at"] for e in detail["history"]]
    assert times == sorted(times)


async def test_removed_members_come_back_only_by_invitation(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    ok(await join(client, domain, mei), 201)
    removed = ok(await client.delete(url(domain, mei), headers=auth(convenor)))
    assert removed["status"] == "removed"
    problem(await join(client, domain, mei), 403, "invitation-required")
    ok(await client.post(url(domain), json={"person_id": str(mei.id)}, headers=auth(convenor)), 201)
    ok(await join(client, domain, mei), 201)
    assert await history(client, domain, mei, convenor) == [
        "joined",
        "removed",
        "invited",
        "rejoined",
    ]


async def test_invalid_status_changes_are_conflicts(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    ok(await join(client, domain, mei), 201)
    for status in ("invited", "requested", "declined"):
        response = await client.patch(
            url(domain, mei), json={"status": status}, headers=auth(convenor)
        )
        problem(response, 409, "invalid-transition")
    problem(
        await client.patch(url(domain, mei), json={"status": "sleeping"}, headers=auth(mei)), 422
    )
    problem(
        await client.patch(url(domain, mei), json={"status": "removed"}, headers=auth(mei)), 403
    )
    assert await count(session, MembershipEvent) == 2


async def test_membership_routes_only_reach_visible_memberships(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    outsider = await make_person(session)
    stranger = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, member)

    problem(await client.get(url(domain), headers=auth(outsider)), 403, "forbidden")
    problem(await client.get(url(domain, member), headers=auth(outsider)), 403, "forbidden")
    problem(await client.get(url(domain, stranger), headers=auth(member)), 404, "not-found")
    problem(await client.get(url(domain, outsider), headers=auth(outsider)), 404, "not-found")
    problem(await client.get(url(domain), headers=auth(member), params={"role": "boss"}), 422)
    convenors = ok(await client.get(url(domain), headers=auth(member), params={"role": "convenor"}))
    assert [m["person_id"] for m in convenors["items"]] == [str(convenor.id)]
