"""Domain export and import: a richly populated domain goes out as one document and comes
back as a new domain (in the same database, in a fresh one, and through the command
line) with nothing lost; permissions, slugs, broken documents, and events."""

import asyncio
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from httpx import AsyncClient
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_sessionmaker
from app.dbadmin import create_database, drop_database, migrate
from app.models.domains import Domain
from app.models.memberships import Role
from app.models.people import Person
from app.services.actors import SYSTEM
from app.services.exports import export_domain, import_domain
from app.services.exports.spec import NOT_EXPORTED, PERSON, walk
from tests.conftest import database_on
from tests.factories import add_member, auth, make_key, make_person
from tests.support import API, ok, rows, scalar

ADMIN = SYSTEM
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def normalise(document: dict[str, Any]) -> dict[str, Any]:
    """Ids become labels in order of first appearance; the slug and export time go."""
    labels: dict[str, str] = {}

    def walk_(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk_(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk_(v) for v in value]
        if isinstance(value, str) and UUID_RE.match(value):
            return labels.setdefault(value, f"<id {len(labels)}>")
        return value

    copy = dict(document)
    copy.pop("exported_at")
    copy["domain"] = {**copy["domain"], "slug": "<slug>"}
    return walk_(copy)  # type: ignore[no-any-return]


class Cast:
    def __init__(self, **people: Person) -> None:
        self.__dict__.update(people)


async def call(
    client: AsyncClient, method: str, url: str, who: Person, status: int = 200, **kwargs: Any
) -> Any:
    response = await client.request(method, f"{API}{url}", headers=auth(who), **kwargs)
    assert response.status_code == status, f"{method} {url}: {response.text}"
    return response.json() if response.content else None


async def populate(client: AsyncClient, session: AsyncSession) -> tuple[str, Cast]:
    """A domain with something in every section of the export."""
    cast = Cast(
        convenor=await make_person(
            session,
            email="convenor@example.org",
            external_id="hr-1",
            bio="Hospice nurse",
            expertise=["pain"],
            timezone="Europe/London",
        ),
        member=await make_person(session, email="member@example.org"),
        broker=await make_person(session, email="broker@example.org"),
        leaver=await make_person(session, email="leaver@example.org", share_participation=False),
        admin=await make_person(session, email="admin@example.org", is_platform_admin=True),
    )
    c = cast.convenor
    await make_person(session, email="parent-owner@example.org")
    await call(client, "POST", "/domains", c, 201, json={"name": "Parent", "slug": "parent"})
    domain = await call(
        client,
        "POST",
        "/domains",
        c,
        201,
        json={
            "name": "Palliative Care Nurses",
            "slug": "palliative",
            "purpose": "Share what works at the bedside.",
            "description": "Nurses in hospice care.",
            "goals": ["Meet monthly", "Build a library"],
            "boundaries": "Registered nurses.",
            "themes": ["pain", "families"],
            "visibility": "private",
            "join_policy": "request",
            "max_active_members": 40,
            "parent_slug": "parent",
            "lifecycle_stage": "coalescing",
            "timezone": "Europe/Amsterdam",
            "code_of_conduct": "Be kind.",
        },
    )
    slug = domain["slug"]
    await add_member(session, _domain_of(domain), cast.member)
    await add_member(
        session, _domain_of(domain), cast.broker, roles=[Role.member, Role.knowledge_broker]
    )
    await add_member(session, _domain_of(domain), cast.leaver)
    imported = [{"email": "new@example.org", "display_name": "Newcomer", "external_id": "hr-7"}]
    # An admin's import: the newcomer is a member at once (a convenor's would invite them).
    await call(client, "POST", f"/domains/{slug}/members/import", cast.admin, json=imported)
    await call(
        client,
        "PATCH",
        f"/domains/{slug}/members/{cast.member.id}",
        c,
        json={"roles": ["member", "core"]},
    )
    await call(client, "DELETE", f"/domains/{slug}/members/{cast.leaver.id}", cast.leaver)

    series = await call(
        client,
        "POST",
        f"/domains/{slug}/gatherings",
        c,
        201,
        json={
            "title": "Case clinic",
            "theme": "Families",
            "guiding_question": "What helped?",
            "start": "2030-10-03T18:00:00",
            "timezone": "Europe/Amsterdam",
            "duration_minutes": 90,
            "modality": "hybrid",
            "location": "Room 2",
            "join_url": "https://meet.example.org/clinic",
            "capacity": 1,
            "rrule": "FREQ=MONTHLY;BYDAY=1TH;COUNT=3",
            "agenda": [{"title": "Check-in", "kind": "check_in", "minutes": 15}],
        },
    )
    listed = await call(
        client,
        "GET",
        f"/domains/{slug}/gatherings",
        c,
        params={"from": "2030-01-01T00:00:00Z", "to": "2031-01-01T00:00:00Z"},
    )
    first = listed["items"][0]["id"]
    await call(client, "PUT", f"/gatherings/{first}/rsvp", cast.member, json={"response": "going"})
    await call(client, "PUT", f"/gatherings/{first}/rsvp", cast.broker, json={"response": "going"})
    await call(client, "DELETE", f"/gatherings/{listed['items'][2]['id']}", c)
    del series
    now = await call(
        client,
        "POST",
        f"/domains/{slug}/gatherings",
        c,
        201,
        json={
            "title": "Drop-in",
            "start": (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None).isoformat(),
            "timezone": "UTC",
            "duration_minutes": 60,
            "modality": "online",
        },
    )
    await call(
        client, "PUT", f"/gatherings/{now['id']}/rsvp", cast.member, json={"response": "maybe"}
    )
    await call(
        client,
        "POST",
        f"/gatherings/{now['id']}/attendance",
        c,
        json={"person_ids": [str(cast.member.id), str(cast.broker.id)]},
    )

    base = f"/domains/{slug}/contributions"
    question = await call(
        client,
        "POST",
        base,
        cast.member,
        201,
        json={
            "kind": "question",
            "title": "Night handovers?",
            "body": "How do you do them?",
            "tags": ["handover"],
            "themes": ["pain"],
            "gathering_id": now["id"],
        },
    )
    answer = await call(
        client,
        "POST",
        base,
        cast.broker,
        201,
        json={"kind": "answer", "parent_id": question["id"], "body": "SBAR"},
    )
    reply = await call(
        client,
        "POST",
        base,
        cast.member,
        201,
        json={"kind": "reply", "parent_id": answer["id"], "body": "Thanks!"},
    )
    await call(client, "POST", f"/contributions/{reply['id']}/hide", cast.admin)
    await call(client, "POST", f"/contributions/{reply['id']}/restore", cast.admin)
    await call(
        client,
        "POST",
        f"/contributions/{question['id']}/accept",
        cast.member,
        json={"answer_id": answer["id"]},
    )
    await call(
        client,
        "POST",
        base,
        c,
        201,
        json={
            "kind": "appreciation",
            "title": "Thank you",
            "body": "For the night shifts",
            "recipient_ids": [str(cast.broker.id)],
        },
    )
    resource = await call(
        client,
        "POST",
        base,
        cast.broker,
        201,
        json={
            "kind": "resource",
            "title": "Pain scale",
            "body": "A chart",
            "url": "https://example.org/pain-scale",
        },
    )
    await call(
        client,
        "POST",
        base,
        cast.member,
        201,
        json={"kind": "story", "title": "Draft", "body": "Not yet", "status": "draft"},
    )
    await call(
        client,
        "PATCH",
        f"/contributions/{resource['id']}",
        cast.broker,
        json={"body": "A better chart", "tags": ["tools"]},
    )
    await call(
        client,
        "POST",
        f"/contributions/{answer['id']}/endorsements",
        cast.member,
        201,
        json={"kind": "applied", "note": "Used it"},
    )
    await call(
        client,
        "POST",
        f"/contributions/{resource['id']}/endorsements",
        c,
        201,
        json={"kind": "helpful"},
    )
    await call(
        client,
        "POST",
        f"/domains/{slug}/value-stories",
        c,
        201,
        json={
            "cycle": "realized",
            "title": "Fewer incidents",
            "story": "Handovers got shorter.",
            "contribution_ids": [answer["id"], resource["id"]],
        },
    )
    await call(client, "PUT", f"/contributions/{resource['id']}/curation", cast.broker)
    collection = await call(
        client,
        "POST",
        f"/domains/{slug}/collections",
        cast.broker,
        201,
        json={"title": "Starter kit", "description": "Read first"},
    )
    for item in (resource["id"], question["id"]):
        await call(
            client,
            "PUT",
            f"/collections/{collection['id']}/items",
            cast.broker,
            json={"contribution_id": item, "note": "start here"},
        )
    report = await call(
        client,
        "POST",
        f"/contributions/{answer['id']}/reports",
        cast.member,
        201,
        json={"reason": "Too short"},
    )
    await call(
        client,
        "POST",
        f"/reports/{report['id']}/resolve",
        c,
        json={"status": "dismissed", "note": "It is fine"},
    )
    await call(
        client,
        "POST",
        f"/contributions/{resource['id']}/reports",
        cast.member,
        201,
        json={"reason": "Broken link"},
    )
    return slug, cast


def _domain_of(public: dict[str, Any]) -> Domain:
    return Domain(id=uuid.UUID(public["id"]), slug=public["slug"], name=public["name"])


def assert_rich(document: dict[str, Any]) -> None:
    """Every section holds something, so that the round trip proves something."""
    assert document["format"] == "cop-api.domain" and document["version"] == 1
    domain = document["domain"]
    assert domain["purpose"] and domain["goals"] and domain["code_of_conduct"]
    assert domain["parent_slug"] == "parent" and domain["max_active_members"] == 40
    members = document["members"]
    assert len(members) == 5
    assert {m["status"] for m in members} == {"active", "left"}
    assert sum(len(m["history"]) for m in members) >= 7
    emails = {p["email"] for p in document["people"]}
    assert {"new@example.org", "admin@example.org", "leaver@example.org"} <= emails
    by_email = {p["email"]: p for p in document["people"]}
    assert by_email["convenor@example.org"]["bio"] == "Hospice nurse"
    assert by_email["new@example.org"]["external_id"] == "hr-7"
    assert by_email["leaver@example.org"]["share_participation"] is False
    assert "password_hash" not in by_email["convenor@example.org"]
    series = document["gathering_series"]
    assert len(series) == 2
    gatherings = [g for s in series for g in s["gatherings"]]
    assert len(gatherings) == 4
    assert {g["status"] for g in gatherings} == {"scheduled", "cancelled"}
    assert sum(len(g["rsvps"]) for g in gatherings) == 3
    assert sum(len(g["attendance"]) for g in gatherings) == 2
    assert any(g["agenda"] for g in gatherings)
    contributions = document["contributions"]
    assert len(contributions) == 5  # and not the member's draft
    kinds = {c["kind"]: c for c in contributions}
    assert kinds["question"]["accepted_answer_id"] == kinds["answer"]["id"]
    assert kinds["reply"]["parent_id"] == kinds["answer"]["id"]
    assert kinds["question"]["gathering_id"] is not None
    assert kinds["appreciation"]["recipient_ids"]
    assert kinds["resource"]["revisions"] and kinds["resource"]["curated_at"]
    assert {c["status"] for c in contributions} == {"published"}
    assert sum(len(c["endorsements"]) for c in contributions) == 2
    assert sum(len(c["moderation"]) for c in contributions) >= 2
    assert len(document["collections"][0]["items"]) == 2
    assert len(document["value_stories"]) >= 2  # one written, one from the "applied"
    assert {r["status"] for r in document["reports"]} == {"dismissed", "open"}


async def test_round_trip_into_a_new_domain_loses_nothing(
    client: AsyncClient, engine: AsyncEngine, session: AsyncSession
) -> None:
    slug, cast = await populate(client, session)
    response = await client.get(f"{API}/domains/{slug}/export", headers=auth(cast.admin))
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    original = response.json()
    assert_rich(original)

    created = ok(
        await client.post(
            f"{API}/domains/import?slug=restored", json=original, headers=auth(cast.admin)
        ),
        201,
    )
    assert created["domain"]["slug"] == "restored"
    assert created["domain"]["id"] != original["domain"]["id"]
    assert created["people_created"] == 0 and created["people_matched"] == len(original["people"])
    assert created["counts"]["members"] == 5 and created["counts"]["rsvps"] == 3

    again = ok(await client.get(f"{API}/domains/restored/export", headers=auth(cast.admin)))
    assert normalise(again) == normalise(original)
    old_ids = set(re.findall(r'"([0-9a-f-]{36})"', orjson.dumps(original).decode()))
    new_ids = set(re.findall(r'"([0-9a-f-]{36})"', orjson.dumps(again).decode()))
    person_ids = {p["id"] for p in original["people"]}
    assert old_ids & new_ids == person_ids  # every row got a new id; people are the same

    # The restored domain works like any other.
    question = next(c for c in again["contributions"] if c["kind"] == "question")
    thread = ok(
        await client.get(
            f"{API}/contributions/{question['id']}/thread", headers=auth(cast.convenor)
        )
    )
    assert [t["depth"] for t in thread] == [0, 1, 2]
    members = ok(await client.get(f"{API}/domains/restored/members", headers=auth(cast.member)))
    assert len(members["items"]) == 4

    # Its creation reached the event log and the audit log.
    events = await rows(
        engine,
        "SELECT e.type, a.changes FROM events e JOIN audit_log a ON a.event_id = e.id "
        "WHERE e.domain_id = :d ORDER BY e.seq",
        d=created["domain"]["id"],
    )
    assert events[0]["type"] == "domain.created"
    assert events[0]["changes"]["imported_from"]["slug"] == slug
    assert [e["type"] for e in events[1:]] == ["membership.joined"] * 4


@pytest.fixture
async def other_engine(server_url: str) -> Any:
    url = database_on(server_url, f"cop_api_other_{os.getpid()}")
    await create_database(url, drop_first=True)
    await asyncio.to_thread(migrate, url)
    engine = create_async_engine(url)
    yield engine
    await engine.dispose()
    await drop_database(url)


async def test_round_trip_into_another_instance(
    client: AsyncClient, session: AsyncSession, other_engine: AsyncEngine
) -> None:
    """Another instance knows none of the people: they are created, inactive."""
    slug, _ = await populate(client, session)
    original = await export_domain(session, ADMIN, slug)
    original["domain"]["parent_slug"] = None  # no such domain over there

    async with create_sessionmaker(other_engine)() as there:
        restored = await import_domain(there, ADMIN, orjson.loads(orjson.dumps(original)))
        assert restored.domain.slug == slug
        assert restored.people_created == len(original["people"])
        assert restored.people_matched == 0
    async with create_sessionmaker(other_engine)() as there:
        again = await export_domain(there, ADMIN, slug)
        people = (await there.exec(sa.text("SELECT bool_or(is_active) FROM people"))).one()
    assert people == (False,)
    assert normalise(again) == normalise(original)


async def test_who_may_export_and_import(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    outsider = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    await call(
        client,
        "POST",
        "/domains",
        convenor,
        201,
        json={"name": "Quiet", "slug": "quiet", "visibility": "private"},
    )
    domain = (await session.exec(select(Domain).where(Domain.slug == "quiet"))).one()
    await add_member(session, domain, member)
    url = f"{API}/domains/quiet/export"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth(member))).status_code == 403
    assert (await client.get(url, headers=auth(outsider))).status_code == 404
    document = ok(await client.get(url, headers=auth(admin)))
    for scopes, status in ((("read",), 403), (("write",), 403), (("admin",), 200)):
        key = await make_key(session, admin, *scopes)
        response = await client.get(url, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == status, (scopes, response.text)

    importing = f"{API}/domains/import"
    assert (await client.post(importing, json=document)).status_code == 401
    refused = await client.post(importing, json=document, headers=auth(convenor))
    assert refused.status_code == 403
    write_key = await make_key(session, admin, "write")
    refused = await client.post(
        importing, json=document, headers={"Authorization": f"Bearer {write_key}"}
    )
    assert refused.status_code == 403
    admin_key = await make_key(session, admin, "admin")
    restored = ok(
        await client.post(
            importing, json=document, headers={"Authorization": f"Bearer {admin_key}"}
        ),
        201,
    )
    assert restored["domain"]["slug"] == "quiet-2"  # the exported slug was taken
    assert restored["domain"]["visibility"] == "private"
    assert (
        await client.get(f"{API}/domains/quiet-2/export", headers=auth(convenor))
    ).status_code == 200
    taken = await client.post(f"{importing}?slug=quiet", json=document, headers=auth(admin))
    assert taken.status_code == 409 and taken.json()["type"] == "/problems/slug-taken"
    bad = await client.post(f"{importing}?slug=Not%20A%20Slug", json=document, headers=auth(admin))
    assert bad.status_code == 422


async def test_broken_documents_are_refused_whole(
    client: AsyncClient, engine: AsyncEngine, session: AsyncSession
) -> None:
    slug, cast = await populate(client, session)
    document = ok(await client.get(f"{API}/domains/{slug}/export", headers=auth(cast.admin)))
    before = {
        t: await scalar(engine, f"SELECT count(*) FROM {t}")
        for t in ("domains", "people", "contributions", "events")
    }

    async def refused(doc: Any, field: str | None = None) -> dict[str, Any]:
        response = await client.post(
            f"{API}/domains/import?slug=broken", json=doc, headers=auth(cast.admin)
        )
        assert response.status_code == 422, response.text
        body: dict[str, Any] = response.json()
        if field is not None:
            assert field in [e["field"] for e in body["errors"]], body
        return body

    await refused({"format": "something else"}, "format")
    await refused({**document, "version": 99}, "version")
    await refused({**document, "surprise": 1}, "surprise")
    no_people = {**document, "people": []}
    body = await refused(no_people)
    assert body["errors"][0]["code"] == "unknown_person"
    dangling = orjson.loads(orjson.dumps(document))
    reply = next(c for c in dangling["contributions"] if c["kind"] == "reply")
    reply["parent_id"] = "00000000-0000-0000-0000-000000000001"
    index = dangling["contributions"].index(reply)
    await refused(dangling, f"contributions.{index}.parent_id")
    bad_zone = orjson.loads(orjson.dumps(document))
    bad_zone["gathering_series"][0]["gatherings"][0]["timezone"] = "Mars/Olympus"
    await refused(bad_zone, "gathering_series.0.gatherings.0.timezone")
    bad_status = orjson.loads(orjson.dumps(document))
    bad_status["members"][0]["status"] = "royalty"
    body = await refused(bad_status)
    assert "refused" in body["detail"]
    twice = orjson.loads(orjson.dumps(document))
    twice["contributions"][1]["id"] = twice["contributions"][0]["id"]
    await refused(twice, "contributions.1.id")
    after = {t: await scalar(engine, f"SELECT count(*) FROM {t}") for t in before}
    assert after == before


async def test_the_command_line_exports_and_imports(
    client: AsyncClient, session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    slug, _ = await populate(client, session)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "development",
        "DATA_DIR": str(tmp_path / "data"),
    }
    cli = [sys.executable, "-c", "from app.cli import main; main()"]
    file = tmp_path / "export.json"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=120)

    done = await asyncio.to_thread(run, "export", slug, "--output", str(file))
    assert done.returncode == 0, done.stderr
    exported = orjson.loads(file.read_bytes())
    assert_rich(exported)
    done = await asyncio.to_thread(run, "import", str(file), "--slug", "from-cli")
    assert done.returncode == 0, done.stderr
    assert "imported as 'from-cli'" in done.stdout
    again = await export_domain(session, ADMIN, "from-cli")
    assert normalise(again) == normalise(exported)

    missing = await asyncio.to_thread(run, "export", "no-such-domain")
    assert missing.returncode == 1 and "No domain" in missing.stderr


def test_every_reference_column_is_mapped() -> None:
    """A column holding ids must be a reference the export maps (or the row's own id, or
    its link to the domain or parent); otherwise an import would carry stale ids."""
    kinds = {s.kind for s in walk()} | {PERSON}
    for section in walk():
        for column in section.table.columns:
            item = column.type.item_type if isinstance(column.type, ARRAY) else column.type
            holds_ids = isinstance(item, sa.Uuid) or bool(column.foreign_keys)
            if column.name in ("id", section.link, "domain_id") or not holds_ids:
                continue
            assert column.name in section.refs, f"{section.table.name}.{column.name}"
        assert set(section.refs.values()) <= kinds


def test_every_table_of_a_domain_is_exported() -> None:
    """A table that hangs off a domain (directly or through exported rows) must be in the
    export, or listed as not part of a domain's record."""
    exported = {s.table.name for s in walk()}
    for table in SQLModel.metadata.sorted_tables:
        if table.name in exported or table.name in NOT_EXPORTED:
            continue
        targets = {fk.column.table.name for fk in table.foreign_keys}
        assert not targets & (exported | {"domains"}), table.name


async def test_a_convenors_export_names_no_one_by_email(
    client: AsyncClient, session: AsyncSession
) -> None:
    """A convenor's export is a record to read: no emails or directory ids, no profile of
    someone merely invited; it cannot be restored. An admin's export holds them all."""
    slug, cast = await populate(client, session)
    guest = await make_person(session, email="guest@example.org", display_name="Guest Real")
    invite = [{"email": "guest@example.org", "display_name": "Probe"}]
    report = await call(
        client, "POST", f"/domains/{slug}/members/import", cast.convenor, json=invite
    )
    assert report["invited"] == 1

    document = await call(client, "GET", f"/domains/{slug}/export", cast.convenor)
    text = orjson.dumps(document).decode()
    assert "@example.org" not in text and "hr-1" not in text and "hr-7" not in text
    profile = {"id", "display_name", "bio", "expertise", "timezone", "share_participation"}
    assert all(set(p) == profile for p in document["people"])
    invited = [m for m in document["members"] if m["status"] == "invited"]
    assert [m["person_id"] for m in invited] == [str(guest.id)]
    assert str(guest.id) not in {p["id"] for p in document["people"]}
    assert "Guest Real" not in text
    refused = await client.post(
        f"{API}/domains/import?slug=from-convenor", json=document, headers=auth(cast.admin)
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "not_restorable"

    full = await call(client, "GET", f"/domains/{slug}/export", cast.admin)
    by_id = {p["id"]: p for p in full["people"]}
    assert by_id[str(guest.id)]["email"] == "guest@example.org"
    assert by_id[str(cast.convenor.id)]["external_id"] == "hr-1"


async def test_no_export_holds_a_draft(client: AsyncClient, session: AsyncSession) -> None:
    """A draft is its author's alone: neither a convenor's nor an admin's export holds
    one, nor what hangs from it."""
    slug, cast = await populate(client, session)
    base = f"/domains/{slug}/contributions"
    unfinished = {"kind": "question", "title": "Unfinished thought", "body": "Half"}
    draft = await call(
        client, "POST", base, cast.member, 201, json=unfinished | {"status": "draft"}
    )
    note = {"kind": "reply", "parent_id": draft["id"], "body": "A note to self"}
    reply = await call(client, "POST", base, cast.member, 201, json=note)
    later = {"kind": "story", "title": "Convenor draft", "body": "Later", "status": "draft"}
    own = await call(client, "POST", base, cast.convenor, 201, json=later)
    for who in (cast.convenor, cast.admin):
        document = await call(client, "GET", f"/domains/{slug}/export", who)
        text = orjson.dumps(document).decode()
        for left_out in (draft, reply, own):
            assert left_out["id"] not in text
        assert {c["status"] for c in document["contributions"]} == {"published"}
        assert "Unfinished thought" not in text and "Convenor draft" not in text
