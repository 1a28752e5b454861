"""Bulk member imports: CSV and JSON, row errors numbered as in the file, atomic imports,
idempotence, matching by external id, capacity and convenor rules, jobs for large files,
permissions, and claiming an imported person by signing up.

A platform admin's import (or an admin key's) makes members at once; anyone else's sends
invitations (the consent tests are in test_import_consent.py)."""

import asyncio
import logging
import re
import time
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_sessionmaker
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.imports import ImportJob
from app.models.memberships import Membership, Role
from app.models.people import Person, PersonCreate
from app.services.actors import SYSTEM
from app.services.imports import files as import_files
from app.services.imports import jobs as import_jobs
from app.services.imports import service as imports
from app.services.people import service as people
from app.services.people.auth import Passwords
from tests.factories import (
    actor_of,
    add_member,
    auth,
    make_domain,
    make_key,
    make_person,
    members_import_url,
    post_csv,
)
from tests.support import API, membership_of, ok, rows, scalar, wait_for_job

TABLES = ("people", "memberships", "membership_events", "events", "audit_log")


async def post_json(client: AsyncClient, slug: str, body: Any, who: Any, **query: str) -> Response:
    return await client.post(members_import_url(slug, **query), json=body, headers=who)


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    return {t: await scalar(engine, f"SELECT count(*) FROM {t}") for t in TABLES}


async def test_csv_import_creates_people_and_memberships(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    admin: Person,
    domain: Domain,
) -> None:
    existing = await make_person(session, email="ada@example.org", display_name="Ada L.")
    body = (
        "Email,Display Name,roles,external_id\n"
        "ADA@Example.org,Ada Lovelace,member;core,\n"
        "grace@example.org,Grace Hopper,member;knowledge_broker,lms-2\n"
        "alan@example.org,Alan Turing,,lms-3\n"
    )
    report = ok(await post_csv(client, "wound-care", body, auth(admin)))
    assert report["id"] is None and report["status"] == "succeeded"
    assert report["invites"] is False and report["invited"] == 0
    assert (report["total"], report["processed"], report["created"]) == (3, 3, 3)
    assert (report["updated"], report["unchanged"], report["rejected"]) == (0, 0, 0)
    assert report["people_created"] == 2 and report["errors"] == []

    ada = await membership_of(engine, domain, "ada@example.org")
    assert ada["person_id"] == existing.id and ada["roles"] == ["member", "core"]
    assert ada["status"] == "active" and ada["joined_at"] is not None
    assert ada["display_name"] == "Ada L."  # an existing person's profile is theirs
    grace = await membership_of(engine, domain, "grace@example.org")
    assert grace["roles"] == ["member", "knowledge_broker"]
    assert grace["external_id"] == "lms-2" and grace["is_active"] is False
    alan = await membership_of(engine, domain, "alan@example.org")
    assert alan["roles"] == ["member"] and alan["display_name"] == "Alan Turing"

    joined = await rows(
        engine,
        "SELECT resource_id, payload FROM events WHERE type = 'membership.joined' "
        "AND domain_id = :d AND actor_person_id = :a",
        d=domain.id,
        a=admin.id,
    )
    assert {e["resource_id"] for e in joined} == {ada["id"], grace["id"], alan["id"]}
    assert all(e["payload"]["status"] == "active" for e in joined)
    audit = await rows(
        engine,
        "SELECT action, count(*) AS n FROM audit_log WHERE domain_id = :d GROUP BY action",
        d=domain.id,
    )
    by_action = {a["action"]: a["n"] for a in audit}
    assert by_action["membership.joined"] == 4  # the convenor's own, and three imported
    # People are platform-wide: their audit rows are not in the domain's log.
    assert "person.created" not in by_action
    created = await rows(
        engine,
        "SELECT count(*) AS n FROM audit_log WHERE action = 'person.created' "
        "AND domain_id IS NULL AND actor_person_id = :a",
        a=admin.id,
    )
    assert created[0]["n"] == 2
    history = await rows(
        engine,
        "SELECT kind, actor_id FROM membership_events WHERE membership_id = :m",
        m=grace["id"],
    )
    assert [(h["kind"], h["actor_id"]) for h in history] == [("joined", admin.id)]


async def test_json_import_is_idempotent(
    client: AsyncClient, engine: AsyncEngine, convenor: Person, domain: Domain
) -> None:
    body = [
        {"email": "ann@example.org", "display_name": "Ann", "roles": ["member", "core"]},
        {"email": "bo@example.org", "display_name": "Bo", "roles": "member", "external_id": "x9"},
        {"email": "cy@example.org", "display_name": "Cy"},
    ]
    first = ok(await post_json(client, "wound-care", body, auth(convenor)))
    assert (first["created"], first["invited"], first["people_created"]) == (3, 3, None)
    before = await table_counts(engine)

    again = ok(await post_json(client, "wound-care", body, auth(convenor)))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert again["invited"] == 0
    assert await table_counts(engine) == before

    # Role order and case do not matter either.
    body[0]["roles"] = ["CORE", "member"]
    assert ok(await post_json(client, "wound-care", body, auth(convenor)))["unchanged"] == 3
    assert await table_counts(engine) == before


async def test_row_errors_are_numbered_as_in_the_file(
    client: AsyncClient, engine: AsyncEngine, convenor: Person, domain: Domain
) -> None:
    body = (
        "email,display_name,roles\n"  # line 1
        'ok1@example.org,"Two-line\nname",member\n'  # lines 2-3
        "not-an-email,Bad Email,member\n"  # line 4
        "ok2@example.org,Bad Role,member;wizard\n"  # line 5
        "\n"  # line 6: blank, skipped
        "ok3@example.org,,member\n"  # line 7
        "OK1@example.org,Again,member\n"  # line 8: the same person as line 2
        "ok4@example.org,Fine,core\n"  # line 9
    )
    report = ok(await post_csv(client, "wound-care", body, auth(convenor)))
    assert (report["total"], report["created"], report["rejected"]) == (6, 2, 4)
    found = [(e["row"], e["field"], e["code"]) for e in report["errors"]]
    assert found == [
        (4, "email", "value_error"),
        (5, "roles", "enum"),
        (7, "display_name", "string_too_short"),
        (8, "email", "duplicate"),
    ]
    assert "row 2" in report["errors"][3]["message"]
    assert all(e["message"] for e in report["errors"])
    ok4 = await membership_of(engine, domain, "ok4@example.org")
    assert ok4["roles"] == ["member", "core"]
    assert (await membership_of(engine, domain, "ok1@example.org"))["display_name"] == (
        "Two-line\nname"
    )

    listing = ok(
        await post_json(client, "wound-care", [{"email": "x@example.org"}, 3], auth(convenor))
    )
    assert [(e["row"], e["field"]) for e in listing["errors"]] == [(1, "display_name"), (2, "row")]


async def test_atomic_import_writes_nothing_if_any_row_is_invalid(
    client: AsyncClient, engine: AsyncEngine, convenor: Person, domain: Domain
) -> None:
    before = await table_counts(engine)
    body = "email,display_name\nfine@example.org,Fine\nbroken,Broken\n"
    response = await post_csv(client, "wound-care", body, auth(convenor), atomic="true")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/import-rejected"
    assert problem["errors"] == [
        {
            "row": 3,
            "field": "email",
            "message": problem["errors"][0]["message"],
            "code": "value_error",
        }
    ]
    assert (problem["total"], problem["rejected"]) == (2, 1)
    assert await table_counts(engine) == before

    fixed = "email,display_name\nfine@example.org,Fine\nbetter@example.org,Better\n"
    report = ok(await post_csv(client, "wound-care", fixed, auth(convenor), atomic="true"))
    assert report["created"] == 2 and report["atomic"] is True


async def test_matching_by_external_id_then_email(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    admin: Person,
    domain: Domain,
) -> None:
    moved = await make_person(session, email="old@example.org", external_id="hr-1")
    unlinked = await make_person(session, email="plain@example.org")
    await make_person(session, email="taken@example.org", external_id="hr-9")
    body = [
        {"email": "new@example.org", "display_name": "Moved", "external_id": "hr-1"},
        {"email": "Plain@example.org", "display_name": "Plain", "external_id": "hr-2"},
        {"email": "taken@example.org", "display_name": "Clash", "external_id": "hr-3"},
    ]
    report = ok(await post_json(client, "wound-care", body, auth(admin)))
    assert (report["created"], report["people_created"], report["rejected"]) == (2, 0, 1)
    assert report["errors"][0]["row"] == 3
    assert report["errors"][0]["code"] == "external_id_mismatch"
    members = await rows(
        engine, "SELECT person_id FROM memberships WHERE domain_id = :d", d=domain.id
    )
    assert {moved.id, unlinked.id} < {m["person_id"] for m in members}
    assert await scalar(engine, "SELECT email FROM people WHERE id = :i", i=moved.id) == (
        "old@example.org"
    )
    assert await scalar(engine, "SELECT external_id FROM people WHERE id = :i", i=unlinked.id) == (
        "hr-2"
    )
    linked = await rows(engine, "SELECT changes FROM audit_log WHERE action = 'person.updated'")
    assert linked == [{"changes": {"external_id": {"from": None, "to": "hr-2"}}}]

    # The same file again: now everyone is found by external id, and nothing changes.
    again = ok(await post_json(client, "wound-care", body[:2], auth(admin)))
    assert (again["unchanged"], again["updated"], again["created"]) == (2, 0, 0)


async def test_roles_change_and_former_members_come_back(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    admin: Person,
    domain: Domain,
) -> None:
    member = await make_person(session, email="member@example.org")
    gone = await make_person(session, email="gone@example.org")
    await add_member(session, domain, member)
    left = await add_member(session, domain, gone, status="left")
    await session.exec(
        update(Membership).where(col(Membership.id) == left.id).values(joined_at=utcnow())
    )
    await session.commit()
    body = (
        "email,display_name,roles\n"
        "member@example.org,M,member;knowledge_broker\n"
        "gone@example.org,G,\n"
        "convenor@example.org,C,\n"  # no roles: an existing member keeps theirs
    )
    report = ok(await post_csv(client, "wound-care", body, auth(admin)))
    assert (report["updated"], report["unchanged"], report["created"]) == (2, 1, 0)
    assert (await membership_of(engine, domain, "member@example.org"))["roles"] == [
        "member",
        "knowledge_broker",
    ]
    back = await membership_of(engine, domain, "gone@example.org")
    assert back["status"] == "active" and back["roles"] == ["member"]
    assert (await membership_of(engine, domain, "convenor@example.org"))["roles"] == [
        "member",
        "convenor",
    ]
    types = await rows(
        engine,
        "SELECT type, changes FROM events e JOIN audit_log a ON a.event_id = e.id "
        "WHERE e.resource_id = ANY(:ids) ORDER BY e.seq",
        ids=[back["id"], (await membership_of(engine, domain, "member@example.org"))["id"]],
    )
    assert [t["type"] for t in types] == ["membership.role_changed", "membership.joined"]
    assert types[0]["changes"]["roles"] == {
        "from": ["member"],
        "to": ["member", "knowledge_broker"],
    }
    kinds = await rows(
        engine, "SELECT kind FROM membership_events WHERE membership_id = :m ORDER BY at", m=left.id
    )
    assert [k["kind"] for k in kinds] == ["joined", "rejoined"]


async def test_rows_beyond_the_cap_are_errors(
    client: AsyncClient, session: AsyncSession, convenor: Person, admin: Person
) -> None:
    await make_domain(session, convenor, name="Small", slug="small", max_active_members=3)
    body = "email,display_name\n" + "".join(f"p{i}@example.org,P{i}\n" for i in range(4))
    report = ok(await post_csv(client, "small", body, auth(admin)))
    assert (report["created"], report["rejected"]) == (2, 2)
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (4, "domain_full"),
        (5, "domain_full"),
    ]
    response = await post_csv(client, "small", body, auth(admin), atomic="true")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/import-rejected"
    # Invitations take no seat: a convenor may invite more people than the cap holds.
    invited = ok(await post_csv(client, "small", body, auth(convenor)))
    assert (invited["invited"], invited["rejected"]) == (2, 0)


async def test_the_domain_keeps_a_convenor(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    convenor: Person,
    admin: Person,
    domain: Domain,
) -> None:
    demote = "email,display_name,roles\nconvenor@example.org,C,member\n"
    report = ok(await post_csv(client, "wound-care", demote, auth(convenor)))
    assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
        (2, "roles", "last_convenor")
    ]
    assert "convenor" in (await membership_of(engine, domain, "convenor@example.org"))["roles"]

    # A convenor cannot hand the role over to someone merely invited: they may decline.
    handover = demote + "next@example.org,Next,member;convenor\n"
    report = ok(await post_csv(client, "wound-care", handover, auth(convenor)))
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(2, "last_convenor")]
    assert (await membership_of(engine, domain, "next@example.org"))["status"] == "invited"

    # An admin's import hands it over in one file, whichever row comes first.
    report = ok(await post_csv(client, "wound-care", handover, auth(admin)))
    assert (report["updated"], report["created"], report["rejected"]) == (2, 0, 0)
    assert (await membership_of(engine, domain, "next@example.org"))["status"] == "active"
    assert (await membership_of(engine, domain, "next@example.org"))["roles"] == [
        "member",
        "convenor",
    ]
    assert (await membership_of(engine, domain, "convenor@example.org"))["roles"] == ["member"]


async def test_who_may_import(
    client: AsyncClient, session: AsyncSession, convenor: Person, domain: Domain
) -> None:
    body = "email,display_name\nsomeone@example.org,Someone\n"
    member = await make_person(session)
    await add_member(session, domain, member)
    admin = await make_person(session, is_platform_admin=True)
    outsider = await make_person(session)
    await make_domain(session, convenor, name="Hidden", slug="hidden", visibility="private")

    assert (await post_csv(client, "wound-care", body, {})).status_code == 401
    forbidden = await post_csv(client, "wound-care", body, auth(member))
    assert forbidden.status_code == 403
    assert (await post_csv(client, "hidden", body, auth(outsider))).status_code == 404
    assert (await post_csv(client, "nowhere", body, auth(admin))).status_code == 404
    read_key = await make_key(session, admin, "read")
    refused = await post_csv(client, "wound-care", body, {"Authorization": f"Bearer {read_key}"})
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/insufficient-scope"
    write_key = await make_key(session, admin, "write")
    ok(await post_csv(client, "wound-care", body, {"Authorization": f"Bearer {write_key}"}))
    assert ok(await post_csv(client, "hidden", body, auth(admin)))["created"] == 1

    wrong = await client.post(
        members_import_url("wound-care"),
        content=b"<members/>",
        headers={**auth(convenor), "Content-Type": "application/xml"},
    )
    assert wrong.status_code == 415
    assert wrong.json()["type"] == "/problems/unsupported-media-type"
    for bad in ("", "name,roles\nx,member\n"):
        response = await post_csv(client, "wound-care", bad, auth(convenor))
        assert response.status_code == 422, response.text
    assert (await post_json(client, "wound-care", {"x": 1}, auth(convenor))).status_code == 422
    garbled = await client.post(
        members_import_url("wound-care"),
        content=b"\xff\xfe\x00",
        headers={**auth(convenor), "Content-Type": "text/csv"},
    )
    assert garbled.status_code == 422

    ok(await client.delete(f"{API}/domains/wound-care", headers=auth(convenor)))
    archived = await post_csv(client, "wound-care", body, auth(convenor))
    assert archived.status_code == 409


async def test_signing_up_claims_an_imported_person_once_the_mailed_link_is_used(
    client: AsyncClient,
    app: Any,
    settings: Settings,
    engine: AsyncEngine,
    session: AsyncSession,
    convenor: Person,
    domain: Domain,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With no SMTP server configured, the mail is an .eml file in DATA_DIR/mail and its
    link is logged; the sign-up waits for it (tests/accounts covers this over SMTP)."""
    ok(
        await post_csv(
            client, "wound-care", "email,display_name\nnew@example.org,New\n", auth(convenor)
        )
    )
    imported = await scalar(engine, "SELECT id FROM people WHERE email = 'new@example.org'")
    login = {"username": "new@example.org", "password": "correct horse battery"}
    assert (await client.post(f"{API}/auth/token", data=login)).status_code == 401

    mail_dir = settings.data_dir / "mail"
    before = set(mail_dir.glob("*.eml")) if mail_dir.exists() else set()
    with caplog.at_level(logging.INFO, logger="cop_api.mail"):
        pending = await client.post(
            f"{API}/auth/register",
            json={
                "email": "New@Example.org",
                "password": "correct horse battery",
                "display_name": "New Person",
            },
        )
        assert pending.status_code == 202, pending.text
        await app.state.mailer.drain()
    assert (await client.post(f"{API}/auth/token", data=login)).status_code == 401
    [written] = set(mail_dir.glob("*.eml")) - before
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "new@example.org" and message["Subject"] == "Finish signing up"
    link = re.findall(r"https?://\S+", str(message.get_body(("plain",)).get_content()))[0]
    assert link.startswith(f"{settings.public_url}/verify-email?token=")
    assert any(
        link in r.getMessage() and "Finish signing up" in r.getMessage() for r in caplog.records
    )

    token = parse_qs(urlsplit(link).query)["token"][0]
    me = ok(await client.post(f"{API}/auth/verify-email", json={"token": token}))
    assert me["id"] == str(imported) and me["is_active"] is True
    assert me["display_name"] == "New Person"
    tokens = ok(await client.post(f"{API}/auth/token", data=login))
    mine = ok(
        await client.get(
            f"{API}/domains/wound-care/members/{imported}",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
    )
    # A convenor's import invited them: they join by accepting.
    assert mine["status"] == "invited"
    accepted = ok(
        await client.post(
            f"{API}/domains/wound-care/members",
            json={},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        ),
        201,
    )
    assert accepted["status"] == "active"
    # A claimed record is not claimed twice.
    again = await client.post(
        f"{API}/auth/register",
        json={"email": "new@example.org", "password": "another password", "display_name": "X"},
    )
    assert again.status_code == 409

    # `cop-api create-admin` claims too, and vouches for the address.
    ok(
        await post_csv(
            client, "wound-care", "email,display_name\nboss@example.org,B\n", auth(convenor)
        )
    )
    admin = await people.create_person(
        session,
        Passwords(1),
        SYSTEM,
        PersonCreate(
            email="boss@example.org",
            display_name="Boss",
            password="a long password",
            is_platform_admin=True,
        ),
    )
    assert admin.is_active and admin.is_platform_admin and admin.email_verified_at is not None
    assert str(admin.id) == str(
        await scalar(
            engine,
            "SELECT person_id FROM memberships m JOIN people p ON p.id = "
            "m.person_id WHERE p.email = 'boss@example.org'",
        )
    )


# Large files: jobs.


def roster(count: int, start: int = 0) -> str:
    lines = ["email,display_name,roles,external_id"]
    lines += [
        f"member{i}@example.org,Member {i},member{';core' if i % 10 == 0 else ''},ext-{i}"
        for i in range(start, start + count)
    ]
    return "\n".join(lines) + "\n"


async def test_ten_thousand_rows_in_a_job(
    client: AsyncClient, engine: AsyncEngine, admin: Person, domain: Domain
) -> None:
    body = roster(10_000)
    started = time.perf_counter()
    response = await post_csv(client, "wound-care", body, auth(admin))
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] in ("queued", "running") and accepted["total"] == 10_000
    assert response.headers["location"] == f"{API}/jobs/{accepted['id']}"

    seen: list[dict[str, Any]] = []
    job = await wait_for_job(client, response.headers["location"], auth(admin), seen)
    elapsed = time.perf_counter() - started
    print(f"\n10,000-row import: {elapsed:.2f} s")
    assert job["status"] == "succeeded", job
    assert (job["processed"], job["created"], job["people_created"]) == (10_000,) * 3
    assert job["rejected"] == 0 and job["errors"] == []
    assert job["started_at"] and job["finished_at"]
    processed = [j["processed"] for j in seen]
    assert processed == sorted(processed)
    assert elapsed < 60
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM memberships WHERE domain_id = :d AND 'core' = ANY(roles)",
            d=domain.id,
        )
        == 1_000
    )
    assert (
        await scalar(
            engine,
            "SELECT count(*) FROM events WHERE type = 'membership.joined' AND domain_id = :d",
            d=domain.id,
        )
        == 10_001
    )

    before = await table_counts(engine)
    started = time.perf_counter()
    again = await post_csv(client, "wound-care", body, auth(admin))
    job = await wait_for_job(client, again.headers["location"], auth(admin))
    print(f"the same 10,000 rows again: {time.perf_counter() - started:.2f} s")
    assert (job["status"], job["unchanged"], job["created"]) == ("succeeded", 10_000, 0)
    assert await table_counts(engine) == before


async def test_progress_is_reported_chunk_by_chunk(
    engine: AsyncEngine,
    session: AsyncSession,
    convenor: Person,
    domain: Domain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imports, "CHUNK_ROWS", 400)
    raw = import_files.parse(roster(1_000).encode(), "text/csv")
    heard: list[tuple[int, int]] = []

    async def progress(outcome: import_files.Outcome) -> None:
        heard.append((outcome.processed, outcome.created))

    outcome = await imports.import_members(
        session, actor_of(convenor), "wound-care", raw, progress=progress
    )
    assert heard == [(400, 400), (800, 800), (1_000, 1_000)]
    assert outcome.created == 1_000


async def test_a_job_shows_its_progress_while_it_runs(
    client: AsyncClient,
    engine: AsyncEngine,
    convenor: Person,
    domain: Domain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The job row is committed chunk by chunk while the import's own transaction is still
    open: a client polling in between sees the rows handled so far."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 500)
    gate = asyncio.Event()
    reached: list[int] = []
    original = imports.apply_chunk

    async def slow_chunk(*args: Any) -> None:
        await original(*args)
        reached.append(1)
        if len(reached) == 2:
            await gate.wait()

    monkeypatch.setattr(imports, "apply_chunk", slow_chunk)
    response = await post_csv(client, "wound-care", roster(1_500), auth(convenor))
    location = response.headers["location"]
    for _ in range(500):
        job = ok(await client.get(location, headers=auth(convenor)))
        if job["processed"] == 500 and len(reached) == 2:
            break
        await asyncio.sleep(0.01)
    assert job["status"] == "running" and job["processed"] == 500 and job["created"] == 500
    # Nothing of the import is visible yet: only the convenor is a member.
    assert await scalar(engine, "SELECT count(*) FROM memberships") == 1
    gate.set()
    job = await wait_for_job(client, location, auth(convenor))
    assert (job["status"], job["processed"], job["created"]) == ("succeeded", 1_500, 1_500)


async def test_an_atomic_job_with_an_invalid_row_fails_and_writes_nothing(
    client: AsyncClient, engine: AsyncEngine, convenor: Person, domain: Domain
) -> None:
    before = await table_counts(engine)
    body = roster(1_200) + "broken,Broken,member,ext-x\n"
    response = await post_csv(client, "wound-care", body, auth(convenor), atomic="true")
    assert response.status_code == 202
    job = await wait_for_job(client, response.headers["location"], auth(convenor))
    assert job["status"] == "failed" and job["atomic"] is True
    assert (job["rejected"], job["created"], job["processed"]) == (1, 0, 1_201)
    assert job["errors"] == [
        {
            "row": 1_202,
            "field": "email",
            "code": "value_error",
            "message": job["errors"][0]["message"],
        }
    ]
    assert "nothing was imported" in job["detail"]
    assert await table_counts(engine) == before


async def test_who_sees_a_job(
    client: AsyncClient, session: AsyncSession, convenor: Person, domain: Domain
) -> None:
    other_convenor = await make_person(session)
    await add_member(session, domain, other_convenor, roles=[Role.member, Role.convenor])
    member = await make_person(session)
    await add_member(session, domain, member)
    elsewhere = await make_person(session)
    await make_domain(session, elsewhere)
    admin = await make_person(session, is_platform_admin=True)

    response = await post_csv(client, "wound-care", roster(1_001), auth(convenor))
    location = response.headers["location"]
    await wait_for_job(client, location, auth(convenor))
    for who in (other_convenor, admin):
        assert ok(await client.get(location, headers=auth(who)))["status"] == "succeeded"
    for who in (member, elsewhere):
        assert (await client.get(location, headers=auth(who))).status_code == 404
    assert (await client.get(location)).status_code == 401
    missing = await client.get(
        f"{API}/jobs/00000000-0000-0000-0000-000000000000", headers=auth(admin)
    )
    assert missing.status_code == 404


async def test_a_stopped_process_fails_its_jobs(
    client: AsyncClient,
    engine: AsyncEngine,
    session: AsyncSession,
    convenor: Person,
    domain: Domain,
) -> None:
    sessionmaker = create_sessionmaker(engine)
    old = utcnow() - timedelta(minutes=5)

    async def job(status: str, heartbeat: Any) -> ImportJob:
        row = ImportJob(
            kind="members",
            domain_id=domain.id,
            actor_person_id=convenor.id,
            status=status,
            total=5_000,
            heartbeat_at=heartbeat,
        )
        session.add(row)
        await session.commit()
        return row

    # Read after its heartbeat went quiet: failed.
    quiet = await job("running", old)
    shown = ok(await client.get(f"{API}/jobs/{quiet.id}", headers=auth(convenor)))
    assert shown["status"] == "failed" and "Import the file again" in shown["detail"]

    # At start, a new process fails what an earlier one left behind; a live job is kept.
    left_behind = await job("queued", old)
    live = await job("running", utcnow())
    runner = import_jobs.JobRunner()
    async with import_jobs.running(runner, sessionmaker):
        statuses = dict(
            (
                await session.exec(
                    select(ImportJob.id, ImportJob.status).execution_options(populate_existing=True)
                )
            ).all()
        )
        assert statuses[left_behind.id] == "failed" and statuses[live.id] == "running"

        # At shutdown, the jobs still running in this process are stopped and fail.
        runner.start(live.id, asyncio.sleep(3_600))
    status = await scalar(engine, "SELECT status FROM import_jobs WHERE id = :i", i=live.id)
    assert status == "failed"
