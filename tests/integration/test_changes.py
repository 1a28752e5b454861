"""Keeping a copy in step: the change feed (with tombstones) and `updated_since`."""

import asyncio
from datetime import UTC, datetime

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_member, auth, make_domain, make_person


async def _feed(client: AsyncClient, who: object, **params: object) -> dict:
    r = await client.get("/api/v1/changes", params=params, headers=auth(who))  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return r.json()


async def test_feed_follows_changes_and_removals(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    stranger = await make_person(session)
    domain = await make_domain(session, convenor)
    other = await make_domain(session, stranger, visibility="private")
    await add_member(session, domain, member)

    first = await _feed(client, member)
    assert {i["type"] for i in first["items"]} <= {"domain", "membership"}
    assert all(i["domain_id"] == str(domain.id) for i in first["items"])
    cursor = first["next_cursor"]

    r = await client.post(
        f"/api/v1/domains/{domain.slug}/contributions",
        json={"kind": "story", "title": "A night shift", "body": "..."},
        headers=auth(member),
    )
    story = r.json()["id"]
    await client.delete(f"/api/v1/contributions/{story}", headers=auth(member))
    await client.post(
        f"/api/v1/domains/{other.slug}/contributions",
        json={"kind": "story", "title": "Elsewhere"},
        headers=auth(stranger),
    )

    later = await _feed(client, member, since_cursor=cursor)
    mine = [i for i in later["items"] if i["id"] == story]
    assert [i["event"] for i in mine] == ["contribution.created", "contribution.archived"]
    assert mine[0]["data"]["title"] == "A night shift" and mine[0]["deleted_at"] is None
    assert mine[0]["tombstone"] is False
    # The removal is a tombstone with the last state.
    assert mine[1]["tombstone"] is True and mine[1]["deleted_at"] is not None
    assert mine[1]["data"]["status"] == "archived" and mine[1]["data"]["title"] == "A night shift"
    assert all(i["domain_id"] == str(domain.id) for i in later["items"])
    assert later["has_more"] is False

    again = await _feed(client, member, since_cursor=later["next_cursor"])
    assert again["items"] == [] and again["next_cursor"] == later["next_cursor"]

    paged = await _feed(client, member, limit=1)
    assert len(paged["items"]) == 1 and paged["has_more"] is True

    only = await _feed(client, member, since_cursor=cursor, types="membership")
    assert only["items"] == []


async def test_bad_feed_input_is_422(client: AsyncClient, session: AsyncSession) -> None:
    person = await make_person(session)
    for params in ({"since_cursor": "nonsense"}, {"types": "planet"}, {"limit": 0}):
        r = await client.get("/api/v1/changes", params=params, headers=auth(person))
        assert r.status_code == 422, (params, r.text)
    assert (await client.get("/api/v1/changes")).status_code == 401


async def test_updated_since_lists_in_update_order(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    a = await make_domain(session, convenor, name="Alpha")
    b = await make_domain(session, convenor, name="Beta")
    await asyncio.sleep(0.01)
    since = datetime.now(UTC).isoformat()
    r = await client.patch(
        f"/api/v1/domains/{a.slug}", json={"purpose": "changed"}, headers=auth(convenor)
    )
    assert r.status_code == 200
    r = await client.get("/api/v1/domains", params={"updated_since": since}, headers=auth(convenor))
    assert [d["slug"] for d in r.json()["items"]] == [a.slug]
    await client.patch(f"/api/v1/domains/{b.slug}", json={"purpose": "x"}, headers=auth(convenor))
    r = await client.get(
        "/api/v1/domains", params={"updated_since": since, "limit": 1}, headers=auth(convenor)
    )
    assert [d["slug"] for d in r.json()["items"]] == [a.slug]
    nxt = r.json()["next_cursor"]
    r = await client.get(
        "/api/v1/domains",
        params={"updated_since": since, "limit": 1, "cursor": nxt},
        headers=auth(convenor),
    )
    assert [d["slug"] for d in r.json()["items"]] == [b.slug]

    r = await client.post(
        f"/api/v1/domains/{a.slug}/contributions",
        json={"kind": "lesson", "title": "Old"},
        headers=auth(convenor),
    )
    lesson = r.json()["id"]
    mark = datetime.now(UTC).isoformat()
    await client.patch(
        f"/api/v1/contributions/{lesson}", json={"body": "new"}, headers=auth(convenor)
    )
    r = await client.get(
        f"/api/v1/domains/{a.slug}/contributions",
        params={"updated_since": mark},
        headers=auth(convenor),
    )
    assert [c["id"] for c in r.json()["items"]] == [lesson]
