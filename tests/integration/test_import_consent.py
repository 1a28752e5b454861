"""Imports and consent: a convenor's import sends invitations the people accept or
decline, and its report, the domain's log and the member list read the same whether or
not an address already had an account. Only a platform admin or an `admin` key (the
organisation's own directory sync) makes people members at once."""

import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.memberships import Role
from app.models.people import Person
from app.services.imports import jobs as import_jobs
from tests.factories import add_member, auth, bearer, make_domain, make_key, make_person, post_csv
from tests.support import API, membership_of, ok, rows, scalar, wait_for_job

EXISTING = "ada@example.org"
UNKNOWN = "nobody-yet@example.org"


@pytest.fixture
async def convenor(session: AsyncSession) -> Person:
    return await make_person(session, email="convenor@example.org", display_name="Connie")


@pytest.fixture
async def ada(session: AsyncSession) -> Person:
    """Someone with an account, in no domain of the convenor's."""
    return await make_person(session, email=EXISTING, display_name="Ada Real", bio="Surgeon")


def without_times(report: dict[str, Any]) -> dict[str, Any]:
    skip = {"created_at", "started_at", "finished_at", "domain_id"}
    return {k: v for k, v in report.items() if k not in skip}


async def test_a_convenors_import_invites_and_the_person_accepts(
    client: AsyncClient,
    engine: AsyncEngine,
    convenor: Person,
    ada: Person,
    domain: Domain,
) -> None:
    body = f"email,display_name,roles\n{EXISTING},Probe Name,member;core\n{UNKNOWN},New,\n"
    report = ok(await post_csv(client, "wound-care", body, auth(convenor)))
    assert report["invites"] is True
    assert (report["created"], report["invited"], report["people_created"]) == (2, 2, None)

    invited = await membership_of(engine, domain, EXISTING)
    assert invited["person_id"] == ada.id and invited["status"] == "invited"
    assert invited["joined_at"] is None and invited["roles"] == ["member", "core"]
    assert invited["display_name"] == "Ada Real"  # her profile is hers
    unknown = await membership_of(engine, domain, UNKNOWN)
    assert unknown["status"] == "invited"
    events = await rows(
        engine,
        "SELECT type, payload FROM events WHERE resource_id = ANY(:ids) AND actor_person_id = :a",
        ids=[invited["id"], unknown["id"]],
        a=convenor.id,
    )
    assert [e["type"] for e in events] == ["membership.invited"] * 2
    assert {e["payload"]["status"] for e in events} == {"invited"}
    history = await rows(
        engine,
        "SELECT kind, actor_id FROM membership_events WHERE membership_id = :m",
        m=invited["id"],
    )
    assert [(h["kind"], h["actor_id"]) for h in history] == [("invited", convenor.id)]

    # Ada sees who invited her, and accepts.
    card = ok(await client.get(f"{API}/domains/wound-care", headers=auth(ada)))
    assert card["invitation"]["invited_by_name"] == "Connie"
    assert card["invitation"]["roles"] == ["member", "core"]
    joined = ok(
        await client.post(f"{API}/domains/wound-care/members", json={}, headers=auth(ada)), 201
    )
    assert joined["status"] == "active" and joined["roles"] == ["member", "core"]
    # Now a member, she is seen by the convenor like any other.
    ok(await client.get(f"{API}/people/{ada.id}", headers=auth(convenor)))


async def test_the_report_reads_the_same_for_known_and_unknown_addresses(
    client: AsyncClient, session: AsyncSession, convenor: Person, ada: Person
) -> None:
    await make_domain(session, convenor, name="One", slug="one")
    await make_domain(session, convenor, name="Two", slug="two")
    await make_domain(session, convenor, name="Three", slug="three")
    await make_domain(session, convenor, name="Four", slug="four")
    known = ok(await post_csv(client, "one", f"email,display_name\n{EXISTING},X\n", auth(convenor)))
    unknown = ok(
        await post_csv(client, "two", f"email,display_name\n{UNKNOWN},X\n", auth(convenor))
    )
    assert without_times(known) == without_times(unknown)
    for report in (known, unknown):
        text = json.dumps(report)
        assert "@" not in text and report["people_created"] is None

    # Atomic imports refuse the same way too.
    bad = "email,display_name\n{},X\nbroken,Y\n"
    refusals = [
        (await post_csv(client, slug, bad.format(email), auth(convenor), atomic="true")).json()
        for slug, email in (("three", EXISTING), ("four", "another@example.org"))
    ]
    first, second = ({k: v for k, v in r.items() if k != "instance"} for r in refusals)
    assert first == second and first["type"] == "/problems/import-rejected"


async def test_the_convenor_learns_nothing_from_the_log_or_the_members(
    client: AsyncClient, convenor: Person, ada: Person, domain: Domain
) -> None:
    body = f"email,display_name\n{EXISTING},Probe Name\n{UNKNOWN},Probe Name\n"
    ok(await post_csv(client, "wound-care", body, auth(convenor)))
    log = ok(await client.get(f"{API}/audit?domain=wound-care&limit=100", headers=auth(convenor)))
    assert "@" not in json.dumps(log)
    assert "person.created" not in {e["action"] for e in log["items"]}
    invitations = ok(
        await client.get(f"{API}/domains/wound-care/members?status=invited", headers=auth(convenor))
    )["items"]
    assert len(invitations) == 2
    # Neither profile is shown until they accept: no name to tell them apart by.
    for membership in invitations:
        seen = await client.get(f"{API}/people/{membership['person_id']}", headers=auth(convenor))
        assert seen.status_code == 404
    listed = ok(await client.get(f"{API}/people?q=Probe", headers=auth(convenor)))
    assert listed["items"] == []


async def test_a_convenors_import_does_what_an_invitation_would(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    convenor: Person,
    domain: Domain,
) -> None:
    people = {
        status: await make_person(session, email=f"{status}@example.org")
        for status in ("left", "declined", "removed", "requested", "active", "invited")
    }
    for status, person in people.items():
        await add_member(session, domain, person, status=status)
    body = "email,display_name,roles\n" + "".join(
        f"{status}@example.org,X,member;core\n" for status in people
    )
    report = ok(await post_csv(client, "wound-care", body, auth(convenor)))
    after = {s: (await membership_of(engine, domain, f"{s}@example.org"))["status"] for s in people}
    assert after == {
        "left": "invited",
        "declined": "invited",
        "removed": "invited",
        "requested": "active",  # they asked: the import approves them
        "active": "active",
        "invited": "invited",
    }
    assert (report["invited"], report["updated"], report["created"]) == (3, 6, 0)
    roles = await membership_of(engine, domain, "invited@example.org")
    assert roles["roles"] == ["member", "core"]  # a pending invitation's roles may change


async def test_external_ids_are_for_the_organisations_own_sync(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    convenor: Person,
    domain: Domain,
) -> None:
    """A convenor's file neither finds people by directory id nor writes one: it could
    otherwise probe ids, or plant one on a record for the organisation's sync to trust."""
    staff = await make_person(session, email="staff@example.org", external_id="hr-9")
    plain = await make_person(session, email="plain@example.org")
    body = [
        {"email": "someone@example.org", "display_name": "S", "external_id": "hr-9"},
        {"email": "plain@example.org", "display_name": "P", "external_id": "hr-2"},
        {"email": "staff@example.org", "display_name": "T", "external_id": "hr-3"},
    ]
    url = f"{API}/domains/wound-care/members/import"
    report = ok(await client.post(url, json=body, headers=auth(convenor)))
    assert (report["invited"], report["rejected"], report["errors"]) == (3, 0, [])
    assert (await membership_of(engine, domain, "staff@example.org"))["person_id"] == staff.id
    someone = await membership_of(engine, domain, "someone@example.org")
    assert someone["person_id"] != staff.id and someone["external_id"] is None
    assert await scalar(engine, "SELECT external_id FROM people WHERE id = :i", i=plain.id) is None
    assert await scalar(engine, "SELECT count(*) FROM people WHERE external_id IS NOT NULL") == 1


async def test_who_makes_members_at_once(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    admin: Person,
    ada: Person,
    domain: Domain,
) -> None:
    admin_key = bearer(await make_key(session, admin, "admin"))
    write_key = bearer(await make_key(session, admin, "write"))
    cases = [
        ("admin", auth(admin), "active", 1),
        ("admin key", admin_key, "active", 1),
        ("write key", write_key, "invited", None),
    ]
    for n, (who, headers, status, people_created) in enumerate(cases):
        body = f"email,display_name\n{EXISTING},A\nnew{n}@example.org,N\n"
        report = ok(await post_csv(client, "wound-care", body, headers))
        assert report["invites"] is (status == "invited"), who
        assert report["people_created"] == people_created, who
        for email in (EXISTING, f"new{n}@example.org"):
            assert (await membership_of(engine, domain, email))["status"] == status, who
        await client.delete(f"{API}/domains/wound-care/members/{ada.id}", headers=auth(admin))


async def test_a_job_reports_to_each_viewer_what_they_may_know(
    client: AsyncClient,
    session: AsyncSession,
    convenor: Person,
    admin: Person,
    domain: Domain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(import_jobs, "SYNC_MAX_ROWS", 1)
    co_convenor = await make_person(session)
    await add_member(session, domain, co_convenor, roles=[Role.member, Role.convenor])
    body = "email,display_name\na@example.org,A\nb@example.org,B\n"

    started = await post_csv(client, "wound-care", body, auth(convenor))
    assert started.status_code == 202 and started.json()["people_created"] is None
    location = started.headers["location"]
    done = await wait_for_job(client, location, auth(convenor))
    assert (done["invites"], done["invited"], done["people_created"]) == (True, 2, None)
    assert ok(await client.get(location, headers=auth(co_convenor)))["people_created"] is None
    assert ok(await client.get(location, headers=auth(admin)))["people_created"] == 2

    # An admin's import (its rows may name people) stays with admins.
    started = await post_csv(client, "wound-care", body.replace("@", "2@"), auth(admin))
    location = started.headers["location"]
    done = await wait_for_job(client, location, auth(admin))
    assert (done["invites"], done["people_created"]) == (False, 2)
    for who in (convenor, co_convenor):
        assert (await client.get(location, headers=auth(who))).status_code == 404
