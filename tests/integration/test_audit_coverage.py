"""Writes that emit no webhook event still leave an audit row: profiles, API keys,
collections and reports."""

from httpx import AsyncClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.events import AuditEntry
from app.models.memberships import Role
from tests.factories import add_member, auth, make_domain, make_person


async def _actions(session: AsyncSession) -> list[str]:
    rows = await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.at)))
    return list(rows)


async def test_profile_key_collection_and_report_writes_are_audited(
    client: AsyncClient, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    convenor = await make_person(session)
    member = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, member, roles=[Role.member, Role.knowledge_broker])

    r = await client.patch("/api/v1/people/me", json={"bio": "Nurse"}, headers=auth(member))
    assert r.status_code == 200, r.text
    r = await client.patch("/api/v1/people/me", json={"display_name": None}, headers=auth(member))
    assert r.status_code == 422
    r = await client.post("/api/v1/api-keys", json={"name": "LMS"}, headers=auth(admin))
    key = r.json()["id"]
    await client.delete(f"/api/v1/api-keys/{key}", headers=auth(admin))
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/collections", json={"title": "Kit"}, headers=auth(member)
    )
    collection = r.json()["id"]
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/contributions",
        json={"kind": "story", "title": "S"},
        headers=auth(convenor),
    )
    story = r.json()["id"]
    await client.put(
        f"/api/v1/collections/{collection}/items",
        json={"contribution_id": story},
        headers=auth(member),
    )
    r = await client.post(
        f"/api/v1/contributions/{story}/reports", json={"reason": "off topic"}, headers=auth(member)
    )
    report = r.json()["id"]
    await client.post(
        f"/api/v1/reports/{report}/resolve", json={"status": "dismissed"}, headers=auth(convenor)
    )
    actions = await _actions(session)
    for expected in (
        "person.updated",
        "api_key.created",
        "api_key.revoked",
        "collection.created",
        "collection.item_put",
        "report.created",
        "report.dismissed",
    ):
        assert expected in actions, (expected, actions)
    updated = (
        await session.exec(select(AuditEntry).where(col(AuditEntry.action) == "person.updated"))
    ).all()
    assert len(updated) == 1 and updated[0].changes == {"bio": {"from": "", "to": "Nurse"}}
