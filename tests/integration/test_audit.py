"""The audit log and the event log: every write leaves one of each, with who, what,
which fields and which request; a failed write leaves neither. Convenors read their
domains' log, admins all; nothing can change it through the API."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.base import utcnow
from tests.factories import add_member, auth, gql, make_domain, make_person
from tests.support import API, counts, error_codes, ok, rows

AUDIT = f"{API}/audit"


async def test_a_write_records_who_what_which_fields_and_the_request(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    amara = await make_person(session)
    r = await client.post(
        f"{API}/domains",
        json={"name": "Case Clinic"},
        headers={**auth(amara), "X-Request-ID": "req-create-1"},
    )
    domain = ok(r, 201)
    assert r.headers["x-request-id"] == "req-create-1"

    r = await client.patch(
        f"{API}/domains/{domain['slug']}",
        json={"name": "Case Clinic North", "purpose": "Cases", "themes": []},
        headers=auth(amara),
    )
    updated = ok(r)
    generated = r.headers["x-request-id"]
    assert len(generated) == 32

    log = ok(await client.get(AUDIT, params={"domain": domain["slug"]}, headers=auth(amara)))
    entries = log["items"]
    assert [(e["action"], e["resource_type"]) for e in entries] == [
        ("domain.created", "domain"),
        ("membership.joined", "membership"),
        ("domain.updated", "domain"),
    ]
    assert all(e["actor_person_id"] == str(amara.id) for e in entries)
    assert all(e["domain_id"] == domain["id"] for e in entries)
    assert [e["request_id"] for e in entries] == ["req-create-1", "req-create-1", generated]
    assert entries[2]["changes"] == {
        "name": {"from": "Case Clinic", "to": "Case Clinic North"},
        "purpose": {"from": "", "to": "Cases"},
    }

    events = await rows(
        engine,
        "SELECT seq, id::text AS id, type, resource_id::text AS rid, payload, tombstone"
        " FROM events ORDER BY seq",
    )
    assert [e["type"] for e in events] == [e["action"] for e in entries]
    assert [e["id"] for e in events] == [e["event_id"] for e in entries]
    assert events[2]["payload"] == updated and events[2]["rid"] == domain["id"]
    assert events[0]["seq"] < events[1]["seq"] < events[2]["seq"]

    ok(await client.delete(f"{API}/domains/{domain['slug']}", headers=auth(amara)))
    [archived] = await rows(engine, "SELECT type, tombstone FROM events ORDER BY seq DESC LIMIT 1")
    assert archived == {"type": "domain.archived", "tombstone": True}


async def test_an_unacceptable_request_id_is_replaced(client: AsyncClient) -> None:
    r = await client.get(f"{API}/domains", headers={"X-Request-ID": "bad id\twith spaces"})
    assert r.headers["x-request-id"] != "bad id\twith spaces"
    assert len(r.headers["x-request-id"]) == 32


async def test_failed_writes_leave_no_event_and_no_audit_entry(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    amara = await make_person(session)
    ben = await make_person(session)
    cleo = await make_person(session)
    full = await make_domain(session, amara, max_active_members=1)
    other = await make_domain(session, amara)
    before = await counts(engine)

    failures = [
        # slug taken: fails at commit time, after the event was written, and rolls it back
        (
            client.patch(
                f"{API}/domains/{full.slug}", json={"slug": other.slug}, headers=auth(amara)
            ),
            409,
        ),
        (client.post(f"{API}/domains/{full.slug}/members", json={}, headers=auth(ben)), 409),
        (client.patch(f"{API}/domains/{full.slug}", json={"name": "x"}, headers=auth(ben)), 403),
        (client.patch(f"{API}/domains/{full.slug}", json={"name": None}, headers=auth(amara)), 422),
        (client.delete(f"{API}/domains/{full.slug}/members/{amara.id}", headers=auth(amara)), 409),
        (
            client.patch(
                f"{API}/domains/{full.slug}/members/{amara.id}",
                json={"roles": ["member"]},
                headers=auth(amara),
            ),
            409,
        ),
        (
            client.post(
                f"{API}/domains/{other.slug}/members",
                json={"person_id": str(uuid.uuid4())},
                headers=auth(amara),
            ),
            422,
        ),
    ]
    for request, status in failures:
        r = await request
        assert r.status_code == status, r.text
    assert await counts(engine) == before

    # The GraphQL mutation of a write that fails leaves nothing either.
    body = await gql(
        client,
        "mutation($s: String!) { updateDomain(slug: $s, input: {slug: $t}) { slug } }".replace(
            "$t", f'"{other.slug}"'
        ),
        {"s": full.slug},
        as_=amara,
    )
    assert error_codes(body) == ["CONFLICT"], body
    assert await counts(engine) == before

    ok(await client.post(f"{API}/domains/{other.slug}/members", json={}, headers=auth(cleo)), 201)
    assert await counts(engine) == (before[0] + 1, before[1] + 1, before[2])


async def test_graphql_writes_are_recorded_too(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    amara = await make_person(session)
    body = await gql(
        client,
        'mutation { createDomain(input: {name: "Graph Group"}) { slug } }',
        as_=amara,
        headers={"X-Request-ID": "gql-1"},
    )
    assert "errors" not in body, body
    entries = await rows(engine, "SELECT action, request_id FROM audit_log ORDER BY id")
    assert [(e["action"], e["request_id"]) for e in entries] == [
        ("domain.created", "gql-1"),
        ("membership.joined", "gql-1"),
    ]


async def test_who_may_read_the_log(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    ben = await make_person(session)
    outsider = await make_person(session)
    admin = await make_person(session, is_platform_admin=True)
    mine = await make_domain(session, amara)
    secret = await make_domain(session, amara, visibility="private")
    elsewhere = await make_domain(session, outsider)
    await add_member(session, mine, ben)

    def domains(page: dict[str, Any]) -> set[str]:
        return {e["domain_id"] for e in page["items"]}

    assert domains(ok(await client.get(AUDIT, headers=auth(amara)))) == {
        str(mine.id),
        str(secret.id),
    }
    assert domains(ok(await client.get(AUDIT, headers=auth(admin)))) == {
        str(mine.id),
        str(secret.id),
        str(elsewhere.id),
    }
    # A member who is no convenor reads nothing; a private domain does not leak.
    assert ok(await client.get(AUDIT, headers=auth(ben)))["items"] == []
    r = await client.get(AUDIT, params={"domain": mine.slug}, headers=auth(ben))
    assert r.status_code == 403, r.text
    r = await client.get(AUDIT, params={"domain": secret.slug}, headers=auth(ben))
    assert r.status_code == 404, r.text
    r = await client.get(AUDIT, params={"domain": elsewhere.slug}, headers=auth(admin))
    assert domains(ok(r)) == {str(elsewhere.id)}
    assert (await client.get(AUDIT)).status_code == 401


async def test_filters_and_cursor_pages(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    ben = await make_person(session)
    domain = await make_domain(session, amara)
    start = utcnow()
    for n in range(3):
        ok(
            await client.patch(
                f"{API}/domains/{domain.slug}", json={"purpose": f"p{n}"}, headers=auth(amara)
            )
        )
    ok(await client.post(f"{API}/domains/{domain.slug}/members", json={}, headers=auth(ben)), 201)

    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"domain": domain.slug, "limit": 2}
    while True:
        r = await client.get(AUDIT, params=params, headers=auth(amara))
        page = ok(r)
        seen += page["items"]
        if not page["next_cursor"]:
            assert "link" not in r.headers
            break
        assert 'rel="next"' in r.headers["link"]
        params["cursor"] = page["next_cursor"]
    assert len(seen) == 6 and [e["id"] for e in seen] == sorted(e["id"] for e in seen)

    by_ben = ok(await client.get(AUDIT, params={"actor": str(ben.id)}, headers=auth(amara)))
    assert [e["action"] for e in by_ben["items"]] == ["membership.joined"]
    since = ok(await client.get(AUDIT, params={"since": start.isoformat()}, headers=auth(amara)))
    assert [e["action"] for e in since["items"]] == ["domain.updated"] * 3 + ["membership.joined"]
    later = (start + timedelta(days=1)).isoformat()
    assert ok(await client.get(AUDIT, params={"since": later}, headers=auth(amara)))["items"] == []
    r = await client.get(AUDIT, params={"since": "2026-01-01T00:00:00"}, headers=auth(amara))
    assert r.status_code == 422  # a time without a zone is ambiguous
    r = await client.get(AUDIT, params={"cursor": "garbage"}, headers=auth(amara))
    assert r.status_code == 422


async def test_the_log_is_append_only(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    await make_domain(session, admin)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert (await client.request(method, AUDIT, headers=auth(admin))).status_code == 405
    with pytest.raises(DBAPIError, match="cannot be changed"):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE audit_log SET action = 'tampered'"))
