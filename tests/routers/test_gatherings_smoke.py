from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from icalendar import Calendar
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_member, auth, make_domain, make_person


async def test_series_rsvp_calendar(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, member)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/gatherings",
        json={
            "title": "Case clinic",
            "start": "2026-10-15T18:00:00",
            "timezone": "Europe/Amsterdam",
            "duration_minutes": 90,
            "modality": "online",
            "join_url": "https://meet.example.org/x",
            "capacity": 1,
            "rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=6",
            "agenda": [{"title": "Check-in", "kind": "check_in", "minutes": 15}],
        },
        headers=auth(convenor),
    )
    assert r.status_code == 201, r.text
    r = await client.get(
        f"/api/v1/domains/{domain.slug}/gatherings",
        params={"from": "2026-10-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        headers=auth(member),
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["start_local"][11:16] for i in items] == ["18:00"] * 6
    assert items[0]["start"].endswith("16:00:00Z") and items[3]["start"].endswith("17:00:00Z")
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/gatherings",
        json={
            "title": "Soon",
            "start": start.isoformat(),
            "timezone": "UTC",
            "duration_minutes": 60,
            "capacity": 1,
        },
        headers=auth(convenor),
    )
    gid = r.json()["id"]
    r1 = await client.put(
        f"/api/v1/gatherings/{gid}/rsvp", json={"response": "going"}, headers=auth(convenor)
    )
    r2 = await client.put(
        f"/api/v1/gatherings/{gid}/rsvp", json={"response": "going"}, headers=auth(member)
    )
    assert (r1.json()["status"], r2.json()["status"]) == ("going", "waitlisted")
    r = await client.put(
        f"/api/v1/gatherings/{gid}/rsvp", json={"response": "declined"}, headers=auth(convenor)
    )
    r = await client.get(f"/api/v1/gatherings/{gid}/rsvps", headers=auth(member))
    assert r.json()["mine"]["status"] == "going", r.json()
    third = items[2]["id"]
    r = await client.patch(
        f"/api/v1/gatherings/{third}?scope=following",
        json={"start": "2026-10-29T19:00:00", "theme": "later"},
        headers=auth(convenor),
    )
    assert r.status_code == 200, r.text
    r = await client.delete(f"/api/v1/gatherings/{items[1]['id']}", headers=auth(convenor))
    assert r.json()["status"] == "cancelled"
    r = await client.get(f"/api/v1/domains/{domain.slug}/calendar.ics", headers=auth(member))
    assert r.status_code == 200, r.text
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    rules = [str(e.get("rrule").to_ical()) for e in events if e.get("rrule")]
    assert len(rules) == 2, r.text
    assert any(e.get("status") == "CANCELLED" for e in events)
    assert list(cal.walk("VTIMEZONE"))
