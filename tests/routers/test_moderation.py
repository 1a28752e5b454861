"""A safe, caring space: reports, hiding and restoring, resolving reports, the
moderation log, and the code of conduct members accept on joining."""

from typing import Any

from httpx import AsyncClient
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import ModerationEvent, Report
from app.models.memberships import Membership, Role
from tests.factories import add_member, auth, community, contribute, item, make_domain, make_person
from tests.support import API, count, fetch, listed, ok, problem


async def report(
    client: AsyncClient, contribution: dict[str, Any], person: Any, reason: str
) -> Any:
    return await client.post(
        item(contribution["id"], "/reports"), json={"reason": reason}, headers=auth(person)
    )


async def test_members_report(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    secret = await make_domain(session, c.convenor, visibility="private")
    await add_member(session, secret, c.alice)
    story = await contribute(client, c.domain, c.alice)
    private = await contribute(client, secret, c.alice)
    made = ok(await report(client, story, c.bob, "Names a patient"), 201)
    assert made["status"] == "open" and made["reporter_id"] == str(c.bob.id)
    assert made["contribution_id"] == story["id"] and made["domain_id"] == str(c.domain.id)
    assert made["resolved_at"] is None

    problem(await report(client, story, c.outsider, "spam"), 403, "forbidden")
    problem(await report(client, private, c.outsider, "spam"), 404)
    problem(await report(client, story, c.bob, "   "), 422, "validation-error")
    problem(await client.post(item(story["id"], "/reports"), json={"reason": "x"}), 401)
    assert await count(session, Report) == 1


async def test_convenors_see_and_resolve_reports(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    story = await contribute(client, c.domain, c.alice, title="Careless")
    fine = await contribute(client, c.domain, c.alice, title="Fine")
    first = ok(await report(client, story, c.bob, "Names a patient"), 201)
    second = ok(await report(client, fine, c.bob, "I disagree"), 201)
    reports_url = f"{API}/domains/{c.domain.slug}/reports"
    for someone in (c.alice, c.bob, c.broker, c.outsider):
        problem(await client.get(reports_url, headers=auth(someone)), 403, "forbidden")
    open_reports = ok(await client.get(reports_url, headers=auth(c.convenor)))
    assert [r["id"] for r in open_reports["items"]] == [first["id"], second["id"]]

    resolve = f"{API}/reports/{first['id']}/resolve"
    decision = {"status": "resolved", "hide": True, "note": "Identifying details"}
    problem(await client.post(resolve, json=decision, headers=auth(c.bob)), 403, "forbidden")
    problem(await client.post(resolve, json={"status": "open"}, headers=auth(c.convenor)), 422)
    assert ok(await fetch(client, story["id"], c.bob))["hidden_at"] is None

    resolved = ok(await client.post(resolve, json=decision, headers=auth(c.convenor)))
    assert resolved["status"] == "resolved"
    assert resolved["resolved_by_id"] == str(c.convenor.id)
    assert resolved["resolution_note"] == "Identifying details"
    assert resolved["resolved_at"] is not None
    problem(await fetch(client, story["id"], c.bob), 404)
    problem(await fetch(client, story["id"], c.alice), 404)
    assert ok(await fetch(client, story["id"], c.convenor))["hidden_at"] is not None

    # A closed report stays closed.
    events = await count(session, ModerationEvent)
    problem(
        await client.post(resolve, json=decision, headers=auth(c.convenor)), 409, "report-closed"
    )
    problem(
        await client.post(resolve, json={"status": "dismissed"}, headers=auth(c.convenor)),
        409,
        "report-closed",
    )
    assert await count(session, ModerationEvent) == events

    dismissed = ok(
        await client.post(
            f"{API}/reports/{second['id']}/resolve",
            json={"status": "dismissed", "note": "A fair view"},
            headers=auth(c.convenor),
        )
    )
    assert dismissed["status"] == "dismissed"
    assert ok(await fetch(client, fine["id"], c.bob))["hidden_at"] is None
    assert ok(await client.get(reports_url, headers=auth(c.convenor)))["items"] == []
    closed = ok(
        await client.get(reports_url, params={"status": "resolved"}, headers=auth(c.convenor))
    )
    assert [r["id"] for r in closed["items"]] == [first["id"]]
    problem(
        await client.post(
            f"{API}/reports/00000000-0000-0000-0000-000000000000/resolve",
            json={"status": "resolved"},
            headers=auth(c.convenor),
        ),
        404,
    )


async def test_reports_of_a_private_domain_stay_private(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session, visibility="private")
    story = await contribute(client, c.domain, c.alice)
    made = ok(await report(client, story, c.bob, "spam"), 201)
    problem(
        await client.get(f"{API}/domains/{c.domain.slug}/reports", headers=auth(c.outsider)), 404
    )
    problem(
        await client.post(
            f"{API}/reports/{made['id']}/resolve",
            json={"status": "dismissed"},
            headers=auth(c.outsider),
        ),
        404,
    )
    assert (await session.get(Report, made["id"])) is not None


async def test_hide_and_restore(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    story = await contribute(client, c.domain, c.alice, title="Careless words")
    kept = await contribute(client, c.domain, c.alice, title="Kind words")
    for someone in (c.alice, c.bob, c.broker, c.outsider):
        problem(await client.post(item(story["id"], "/hide"), json={}, headers=auth(someone)), 403)
    problem(await client.post(item(story["id"], "/hide")), 401)

    hidden = ok(
        await client.post(
            item(story["id"], "/hide"), json={"reason": "Unkind"}, headers=auth(c.convenor)
        )
    )
    assert hidden["hidden_at"] is not None
    # Hidden for members and the public: by id, in lists, in threads, in search.
    for viewer in (c.alice, c.bob, c.outsider):
        problem(await fetch(client, story["id"], viewer), 404)
        problem(await client.get(item(story["id"], "/thread"), headers=auth(viewer)), 404)
        problem(await client.get(item(story["id"], "/revisions"), headers=auth(viewer)), 404)
        assert await listed(client, c.domain, viewer) == [kept["id"]]
        found = ok(await client.get(f"{API}/search", params={"q": "words"}, headers=auth(viewer)))
        assert [h["contribution"]["id"] for h in found["items"]] == [kept["id"]]
    problem(await client.get(item(story["id"])), 404)
    problem(await report(client, story, c.bob, "again"), 404)
    # ... but kept for moderators.
    assert ok(await fetch(client, story["id"], c.convenor))["title"] == "Careless words"
    assert set(await listed(client, c.domain, c.convenor)) == {story["id"], kept["id"]}
    # Hiding twice records nothing new.
    ok(await client.post(item(story["id"], "/hide"), headers=auth(c.convenor)))

    problem(await client.post(item(story["id"], "/restore"), headers=auth(c.bob)), 404)
    restored = ok(
        await client.post(
            item(story["id"], "/restore"), json={"reason": "Edited"}, headers=auth(c.convenor)
        )
    )
    assert restored["hidden_at"] is None
    assert set(await listed(client, c.domain, c.bob)) == {story["id"], kept["id"]}

    log = ok(await client.get(item(story["id"], "/moderation"), headers=auth(c.convenor)))
    assert [(e["action"], e["actor_id"], e["reason"]) for e in log] == [
        ("hidden", str(c.convenor.id), "Unkind"),
        ("restored", str(c.convenor.id), "Edited"),
    ]
    assert log[0]["at"] <= log[1]["at"]
    for someone in (c.alice, c.bob, c.broker):
        problem(await client.get(item(story["id"], "/moderation"), headers=auth(someone)), 403)


async def test_the_log_shows_who_did_what(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    second_convenor = await make_person(session)
    await add_member(session, c.domain, second_convenor, roles=[Role.member, Role.convenor])
    story = await contribute(client, c.domain, c.alice)
    made = ok(await report(client, story, c.bob, "Off topic"), 201)
    ok(await client.put(item(story["id"], "/curation"), headers=auth(c.broker)))
    ok(
        await client.post(
            f"{API}/reports/{made['id']}/resolve",
            json={"status": "resolved", "hide": True, "note": "Moved"},
            headers=auth(second_convenor),
        )
    )
    ok(await client.post(item(story["id"], "/restore"), headers=auth(c.convenor)))
    ok(await client.delete(item(story["id"]), headers=auth(c.convenor)))
    log = ok(await client.get(item(story["id"], "/moderation"), headers=auth(c.convenor)))
    assert [(e["action"], e["actor_id"]) for e in log] == [
        ("curated", str(c.broker.id)),
        ("hidden", str(second_convenor.id)),
        ("report_resolved", str(second_convenor.id)),
        ("restored", str(c.convenor.id)),
        ("archived", str(c.convenor.id)),
    ]
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    assert log[1]["reason"] == "Moved"


async def test_a_code_of_conduct_is_accepted_on_joining(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(
        session, convenor, code_of_conduct="Be kind. Keep patients anonymous."
    )
    members = f"{API}/domains/{domain.slug}/members"
    joined = col(Membership.domain_id) == domain.id
    for refused in ({}, {"accept_code_of_conduct": False}):
        body = problem(await client.post(members, json=refused, headers=auth(mei)), 422)
        assert body["errors"][0]["field"] == "accept_code_of_conduct"
    assert await count(session, Membership, joined, col(Membership.person_id) == mei.id) == 0
    made = ok(
        await client.post(members, json={"accept_code_of_conduct": True}, headers=auth(mei)), 201
    )
    assert made["status"] == "active" and made["conduct_accepted_at"] is not None
    read = ok(await client.get(f"{members}/{mei.id}", headers=auth(convenor)))
    assert read["conduct_accepted_at"] == made["conduct_accepted_at"]
    # The domain shows the code to whoever may join.
    shown = ok(await client.get(f"{API}/domains/{domain.slug}", headers=auth(mei)))
    assert shown["code_of_conduct"].startswith("Be kind")


async def test_an_invitee_accepts_the_code_to_join(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    kai = await make_person(session)
    domain = await make_domain(
        session, convenor, code_of_conduct="Be kind.", visibility="private", join_policy="invite"
    )
    members = f"{API}/domains/{domain.slug}/members"
    ok(await client.post(members, json={"person_id": str(kai.id)}, headers=auth(convenor)), 201)
    mine = f"{members}/{kai.id}"
    problem(await client.patch(mine, json={"status": "active"}, headers=auth(kai)), 422)
    assert ok(await client.get(mine, headers=auth(kai)))["status"] == "invited"
    accepted = ok(
        await client.patch(
            mine, json={"status": "active", "accept_code_of_conduct": True}, headers=auth(kai)
        )
    )
    assert accepted["status"] == "active" and accepted["conduct_accepted_at"] is not None


async def test_no_code_no_acceptance_needed(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, convenor)
    made = ok(
        await client.post(f"{API}/domains/{domain.slug}/members", json={}, headers=auth(mei)), 201
    )
    assert made["status"] == "active" and made["conduct_accepted_at"] is None
