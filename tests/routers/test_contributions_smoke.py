from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.memberships import Role
from tests.factories import add_member, auth, make_domain, make_person


async def test_repertoire_round_trip(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    asker = await make_person(session)
    helper = await make_person(session)
    broker = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor, themes=["pain"], visibility="private")
    for p in (asker, helper):
        await add_member(session, domain, p)
    await add_member(session, domain, broker, roles=[Role.member, Role.knowledge_broker])
    base = f"/api/v1/domains/{domain.slug}/contributions"
    r = await client.post(
        base,
        json={
            "kind": "question",
            "title": "How to practise",
            "body": "We keep practising <script>alert(1)</script> handovers",
            "tags": ["Handover"],
            "themes": ["pain"],
        },
        headers=auth(asker),
    )
    assert r.status_code == 201, r.text
    q = r.json()
    r = await client.get(base, params={"unanswered": "true"}, headers=auth(helper))
    assert [c["id"] for c in r.json()["items"]] == [q["id"]]
    r = await client.post(
        base,
        json={"kind": "answer", "parent_id": q["id"], "body": "Use SBAR"},
        headers=auth(helper),
    )
    assert r.status_code == 201, r.text
    a = r.json()
    r = await client.post(
        f"/api/v1/contributions/{q['id']}/accept", json={"answer_id": a["id"]}, headers=auth(asker)
    )
    assert r.json()["accepted_answer_id"] == a["id"], r.text
    assert r.json()["first_answer_at"] is not None
    r = await client.get(base, params={"unanswered": "true"}, headers=auth(helper))
    assert r.json()["items"] == []
    r = await client.get("/api/v1/search", params={"q": "practice"}, headers=auth(helper))
    hits = r.json()["items"]
    assert [h["contribution"]["id"] for h in hits] == [q["id"]], r.text
    assert "<script>" not in hits[0]["snippet_html"] and "<mark>" in hits[0]["snippet_html"]
    r = await client.get("/api/v1/search", params={"q": "practice"}, headers=auth(outsider))
    assert r.json()["items"] == []
    r = await client.post(
        f"/api/v1/contributions/{a['id']}/endorsements",
        json={"kind": "applied", "note": "Used it on nights"},
        headers=auth(asker),
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/domains/{domain.slug}/value-stories", headers=auth(asker))
    assert r.json()["items"][0]["cycle"] == "applied"
    r = await client.get(base, params={"sort": "most_reused"}, headers=auth(asker))
    assert r.json()["items"][0]["id"] == a["id"]
    r = await client.put(f"/api/v1/contributions/{q['id']}/curation", headers=auth(broker))
    assert r.json()["curated_at"], r.text
    r = await client.post(
        f"/api/v1/domains/{domain.slug}/collections",
        json={"title": "Handover kit"},
        headers=auth(broker),
    )
    cid = r.json()["id"]
    r = await client.put(
        f"/api/v1/collections/{cid}/items",
        json={"contribution_id": a["id"], "note": "start here"},
        headers=auth(broker),
    )
    r = await client.put(
        f"/api/v1/collections/{cid}/items",
        json={"contribution_id": q["id"], "position": 0},
        headers=auth(broker),
    )
    assert [i["contribution_id"] for i in r.json()["items"]] == [q["id"], a["id"]], r.text
    r = await client.post(
        f"/api/v1/contributions/{a['id']}/reports", json={"reason": "rude"}, headers=auth(asker)
    )
    rep = r.json()
    r = await client.post(
        f"/api/v1/reports/{rep['id']}/resolve",
        json={"status": "resolved", "hide": True},
        headers=auth(convenor),
    )
    assert r.status_code == 200, r.text
    r = await client.get(f"/api/v1/contributions/{a['id']}", headers=auth(asker))
    assert r.status_code == 404
    r = await client.get(f"/api/v1/contributions/{q['id']}/thread", headers=auth(convenor))
    assert [t["depth"] for t in r.json()] == [0, 1]
    r = await client.patch(
        f"/api/v1/contributions/{q['id']}", json={"body": "v2"}, headers=auth(asker)
    )
    r = await client.get(f"/api/v1/contributions/{q['id']}/revisions", headers=auth(asker))
    assert r.json()[0]["body"].startswith("We keep")
