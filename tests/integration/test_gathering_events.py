"""Gatherings, RSVPs and attendance reach the event log (webhooks, change feed, audit)."""

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.events import AuditEntry, Event
from tests.factories import add_member, auth, make_domain, make_person


async def _types(session: AsyncSession) -> list[str]:
    rows = await session.exec(select(Event.type).order_by(col(Event.seq)))
    return [t for t in rows if t.split(".")[0] in ("gathering", "rsvp", "attendance")]


async def test_gathering_lifecycle_emits_events(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    first = await make_person(session)
    second = await make_person(session)
    domain = await make_domain(session, convenor)
    for p in (first, second):
        await add_member(session, domain, p)
    start = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0)
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/gatherings",
        json={
            "title": "Clinic",
            "start": start.isoformat(),
            "timezone": "UTC",
            "duration_minutes": 60,
            "capacity": 1,
        },
        headers=auth(convenor),
    )
    gid = r.json()["id"]
    await client.put(
        f"/api/v1/gatherings/{gid}/rsvp", json={"response": "going"}, headers=auth(first)
    )
    await client.put(
        f"/api/v1/gatherings/{gid}/rsvp", json={"response": "going"}, headers=auth(second)
    )
    await client.delete(f"/api/v1/gatherings/{gid}/rsvps/{first.id}", headers=auth(first))
    await client.patch(f"/api/v1/gatherings/{gid}", json={"theme": "new"}, headers=auth(convenor))
    r = await client.post(
        f"/api/v1/gatherings/{gid}/attendance",
        json={"person_ids": [str(second.id)]},
        headers=auth(convenor),
    )
    assert r.status_code == 200, r.text
    again = await client.post(
        f"/api/v1/gatherings/{gid}/attendance",
        json={"person_ids": [str(second.id)]},
        headers=auth(convenor),
    )
    assert again.status_code == 200
    r = await client.put(
        f"/api/v1/gatherings/{gid}/summary", json={"summary": "Good."}, headers=auth(convenor)
    )
    assert r.status_code == 200, r.text
    assert await _types(session) == [
        "gathering.scheduled",
        "rsvp.created",
        "rsvp.created",
        "rsvp.withdrawn",
        "rsvp.changed",
        "gathering.changed",
        "attendance.recorded",
        "gathering.completed",
    ]
    scheduled = (
        await session.exec(select(Event).where(col(Event.type) == "gathering.scheduled"))
    ).one()
    assert scheduled.payload["id"] == gid and scheduled.payload["join_url"] is None
    audited = (
        await session.exec(select(AuditEntry.action).where(col(AuditEntry.resource_id) == gid))
    ).all()
    assert "gathering.completed" in audited


async def test_cancelling_emits_cancelled(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/gatherings",
        json={
            "title": "Weekly",
            "start": "2031-01-02T18:00:00",
            "timezone": "Europe/Paris",
            "duration_minutes": 60,
            "rrule": "FREQ=WEEKLY;COUNT=3",
        },
        headers=auth(convenor),
    )
    gid = r.json()["id"]
    r = await client.delete(f"/api/v1/gatherings/{gid}?scope=following", headers=auth(convenor))
    assert r.status_code == 200, r.text
    types = await _types(session)
    assert types == ["gathering.scheduled"] + ["gathering.cancelled"] * 3
