"""A private domain is invisible to non-members: every route answers exactly as it does
for a domain that does not exist, and no list mentions it."""

from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.people import Person
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, ok, problem


def routes(slug: str, person_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"{API}/domains/{slug}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"name": "Renamed"}),
        ("DELETE", base, None),
        ("GET", f"{base}/members", None),
        ("POST", f"{base}/members", {}),
        ("POST", f"{base}/members", {"person_id": person_id}),
        ("GET", f"{base}/members/{person_id}", None),
        ("PATCH", f"{base}/members/{person_id}", {"roles": ["member", "core"]}),
        ("PATCH", f"{base}/members/{person_id}", {"status": "left"}),
        ("DELETE", f"{base}/members/{person_id}", None),
        ("GET", f"{API}/domains?parent={slug}", None),
    ]


def same_as_missing(hidden: Response, missing: Response, slug: str) -> None:
    assert hidden.status_code == missing.status_code, (hidden.text, missing.text)
    if hidden.status_code >= 400:
        body = {k: v for k, v in hidden.json().items() if k != "instance"}
        expected = {k: v for k, v in missing.json().items() if k != "instance"}
        assert body == {**expected, "detail": expected["detail"].replace("nowhere", slug)}


@pytest.mark.parametrize(
    "status", [None, "requested", "left", "removed", "declined"], ids=lambda s: s or "stranger"
)
async def test_private_domain_is_404_on_every_route_for_non_members(
    client: AsyncClient, session: AsyncSession, status: str | None
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    caller = await make_person(session)
    domain = await make_domain(session, convenor, slug="hidden", visibility="private")
    await add_member(session, domain, member)
    if status is not None:
        await add_member(session, domain, caller, status=status)

    for target in (member, caller):
        hidden_routes = routes("hidden", str(target.id))
        missing_routes = routes("nowhere", str(target.id))
        for (method, url, body), (_, missing_url, _) in zip(
            hidden_routes, missing_routes, strict=True
        ):
            hidden = await client.request(method, url, json=body, headers=auth(caller))
            missing = await client.request(method, missing_url, json=body, headers=auth(caller))
            problem(hidden, 404, "not-found")
            same_as_missing(hidden, missing, "hidden")

    # Nothing was changed along the way.
    seen = ok(await client.get(f"{API}/domains/hidden", headers=auth(convenor)))
    assert seen["name"] == domain.name and seen["archived_at"] is None
    members = ok(await client.get(f"{API}/domains/hidden/members", headers=auth(convenor)))
    assert {m["person_id"] for m in members["items"] if m["status"] == "active"} == {
        str(convenor.id),
        str(member.id),
    }


async def test_anonymous_callers_learn_nothing_either(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    await make_domain(session, convenor, slug="hidden", visibility="private")
    for (method, url, body), (_, missing_url, _) in zip(
        routes("hidden", str(convenor.id)), routes("nowhere", str(convenor.id)), strict=True
    ):
        hidden = await client.request(method, url, json=body)
        missing = await client.request(method, missing_url, json=body)
        assert hidden.status_code in (401, 404)
        same_as_missing(hidden, missing, "hidden")


async def _lists_for(client: AsyncClient, caller: Person | None, person: Person) -> list[str]:
    headers = auth(caller) if caller else {}
    texts = [
        (await client.get(f"{API}/domains", headers=headers)).text,
        (await client.get(f"{API}/domains?q=Secret", headers=headers)).text,
        (await client.get(f"{API}/domains?visibility=private", headers=headers)).text,
    ]
    if caller is not None:
        texts.append(
            (await client.get(f"{API}/people/{person.id}/memberships", headers=headers)).text
        )
    return texts


async def test_private_domain_is_absent_from_lists(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    colleague = await make_person(session)
    secret = await make_domain(session, convenor, name="Secret circle", visibility="private")
    shared = await make_domain(session, colleague, name="Open circle")
    await add_member(session, secret, member)
    await add_member(session, shared, member)

    for caller in (None, colleague):
        for text in await _lists_for(client, caller, member):
            assert str(secret.id) not in text and secret.slug not in text
    # The colleague does see the shared, public domain.
    assert shared.slug in (await client.get(f"{API}/domains", headers=auth(colleague))).text
    for text in await _lists_for(client, member, member):
        assert str(secret.id) in text


async def test_an_invitation_reveals_the_domain_to_the_invitee(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    invitee = await make_person(session)
    domain = await make_domain(session, convenor, slug="hidden", visibility="private")
    problem(await client.get(f"{API}/domains/hidden", headers=auth(invitee)), 404)
    ok(
        await client.post(
            f"{API}/domains/hidden/members",
            json={"person_id": str(invitee.id)},
            headers=auth(convenor),
        ),
        201,
    )
    card = ok(await client.get(f"{API}/domains/hidden", headers=auth(invitee)))
    assert card["invitation"]["invited_by_id"] == str(convenor.id)
    listed = ok(await client.get(f"{API}/domains", headers=auth(invitee)))
    assert [d["id"] for d in listed["items"]] == [str(domain.id)]
    # Seeing the domain's card is not reading what it holds, its members included: that
    # waits until they accept (tests/routers/test_invitees.py goes through the rest).
    problem(await client.get(f"{API}/domains/hidden/members", headers=auth(invitee)), 404)
    own = ok(await client.get(f"{API}/domains/hidden/members/{invitee.id}", headers=auth(invitee)))
    assert own["status"] == "invited"
