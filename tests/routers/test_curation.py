"""Curation by knowledge brokers and convenors, and ordered collections of
contributions (the community's map of where things are)."""

import uuid
from typing import Any

from httpx import AsyncClient, Response
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import Collection, CollectionItem, Contribution, ModerationEvent
from tests.factories import Community, add_member, auth, community, contribute, item, make_domain
from tests.support import API, count, listed, ok, problem


async def test_brokers_and_convenors_curate(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    story = await contribute(client, c.domain, c.alice)
    lesson = await contribute(client, c.domain, c.alice, kind="lesson")
    for someone in (c.alice, c.bob):
        problem(await client.put(item(story["id"], "/curation"), headers=auth(someone)), 403)
    problem(await client.put(item(story["id"], "/curation"), headers=auth(c.outsider)), 403)
    problem(await client.put(item(story["id"], "/curation")), 401)
    assert await listed(client, c.domain, c.bob, curated="true") == []

    curated = ok(await client.put(item(story["id"], "/curation"), headers=auth(c.broker)))
    assert curated["curated_at"] is not None
    # Curating again keeps the first mark.
    again = ok(await client.put(item(story["id"], "/curation"), headers=auth(c.convenor)))
    assert again["curated_at"] == curated["curated_at"]
    ok(await client.put(item(lesson["id"], "/curation"), headers=auth(c.convenor)))
    assert set(await listed(client, c.domain, c.bob, curated="true")) == {
        story["id"],
        lesson["id"],
    }

    problem(await client.delete(item(story["id"], "/curation"), headers=auth(c.bob)), 403)
    uncurated = ok(await client.delete(item(story["id"], "/curation"), headers=auth(c.broker)))
    assert uncurated["curated_at"] is None
    assert await listed(client, c.domain, c.bob, curated="true") == [lesson["id"]]
    log = ok(await client.get(item(story["id"], "/moderation"), headers=auth(c.convenor)))
    assert [(e["action"], e["actor_id"]) for e in log] == [
        ("curated", str(c.broker.id)),
        ("uncurated", str(c.broker.id)),
    ]


async def test_only_published_contributions_are_curated(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    archived = await contribute(client, c.domain, c.alice)
    ok(await client.delete(item(archived["id"]), headers=auth(c.alice)))
    problem(
        await client.put(item(archived["id"], "/curation"), headers=auth(c.broker)),
        409,
        "not-published",
    )
    draft = await contribute(client, c.domain, c.broker, status="draft")
    problem(
        await client.put(item(draft["id"], "/curation"), headers=auth(c.broker)),
        409,
        "not-published",
    )
    others_draft = await contribute(client, c.domain, c.alice, status="draft")
    problem(await client.put(item(others_draft["id"], "/curation"), headers=auth(c.broker)), 404)
    assert await count(session, Contribution, col(Contribution.curated_at).is_not(None)) == 0


def collections_url(c: Community) -> str:
    return f"{API}/domains/{c.domain.slug}/collections"


async def put_item(
    client: AsyncClient, collection_id: str, person: Any, contribution: Any, **fields: Any
) -> Response:
    contribution_id = contribution["id"] if isinstance(contribution, dict) else contribution
    return await client.put(
        f"{API}/collections/{collection_id}/items",
        json={"contribution_id": contribution_id, **fields},
        headers=auth(person),
    )


def order(collection: dict[str, Any]) -> list[str]:
    return [i["contribution_id"] for i in collection["items"]]


async def test_collections_crud(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    new = {"title": "Start here", "description": "For newcomers"}
    problem(await client.post(collections_url(c), json=new, headers=auth(c.alice)), 403)
    problem(await client.post(collections_url(c), json=new, headers=auth(c.outsider)), 403)
    problem(await client.post(collections_url(c), json={"title": " "}, headers=auth(c.broker)), 422)
    assert await count(session, Collection) == 0

    made = ok(await client.post(collections_url(c), json=new, headers=auth(c.broker)), 201)
    assert (made["title"], made["description"], made["items"]) == (
        "Start here",
        "For newcomers",
        [],
    )
    assert made["created_by_id"] == str(c.broker.id)
    second = ok(
        await client.post(collections_url(c), json={"title": "Tools"}, headers=auth(c.convenor)),
        201,
    )
    listing = ok(await client.get(collections_url(c), headers=auth(c.outsider)))
    assert [x["id"] for x in listing["items"]] == [made["id"], second["id"]]
    url = f"{API}/collections/{made['id']}"
    assert ok(await client.get(url))["title"] == "Start here"

    problem(await client.patch(url, json={"title": "Mine"}, headers=auth(c.alice)), 403)
    problem(await client.patch(url, json={"title": None}, headers=auth(c.broker)), 422)
    renamed = ok(await client.patch(url, json={"title": "Begin here"}, headers=auth(c.broker)))
    assert renamed["title"] == "Begin here" and renamed["description"] == "For newcomers"

    story = await contribute(client, c.domain, c.alice)
    ok(await put_item(client, made["id"], c.broker, story))
    problem(await client.delete(url, headers=auth(c.alice)), 403)
    response = await client.delete(url, headers=auth(c.broker))
    assert response.status_code == 204, response.text
    problem(await client.get(url), 404)
    assert await count(session, CollectionItem) == 0
    # The arrangement is gone; the contribution stays.
    assert ok(await client.get(item(story["id"])))["id"] == story["id"]
    problem(await client.get(f"{API}/collections/{uuid.uuid4()}"), 404)


async def test_items_are_ordered_moved_and_removed(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    collection = ok(
        await client.post(collections_url(c), json={"title": "Kit"}, headers=auth(c.broker)), 201
    )
    cid = collection["id"]
    a, b, d, e = [await contribute(client, c.domain, c.alice, title=t) for t in "abde"]

    ok(await put_item(client, cid, c.broker, a, note="start here"))
    ok(await put_item(client, cid, c.broker, b))
    added = ok(await put_item(client, cid, c.broker, d, position=0))
    assert order(added) == [d["id"], a["id"], b["id"]]
    assert [i["position"] for i in added["items"]] == [0, 1, 2]
    assert added["items"][1]["note"] == "start here"
    # A position past the end means the end.
    ok(await put_item(client, cid, c.convenor, e, position=99))
    # Moving keeps the note unless a new one is given.
    moved = ok(await put_item(client, cid, c.broker, a, position=3))
    assert order(moved) == [d["id"], b["id"], e["id"], a["id"]]
    assert moved["items"][3]["note"] == "start here"
    noted = ok(await put_item(client, cid, c.broker, a, note="then this"))
    assert order(noted) == [d["id"], b["id"], e["id"], a["id"]]
    assert noted["items"][3]["note"] == "then this"
    moved = ok(await put_item(client, cid, c.broker, e, position=0))
    assert order(moved) == [e["id"], d["id"], b["id"], a["id"]]

    removed = ok(
        await client.delete(f"{API}/collections/{cid}/items/{d['id']}", headers=auth(c.broker))
    )
    assert order(removed) == [e["id"], b["id"], a["id"]]
    assert [i["position"] for i in removed["items"]] == [0, 1, 2]
    problem(
        await client.delete(f"{API}/collections/{cid}/items/{d['id']}", headers=auth(c.broker)),
        404,
    )
    problem(
        await client.delete(f"{API}/collections/{cid}/items/{a['id']}", headers=auth(c.alice)),
        403,
    )
    assert order(ok(await client.get(f"{API}/collections/{cid}", headers=auth(c.bob)))) == [
        e["id"],
        b["id"],
        a["id"],
    ]
    assert await count(session, CollectionItem) == 3


async def test_only_visible_published_contributions_join(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    other = await make_domain(session, c.convenor)
    await add_member(session, other, c.alice)
    cid = ok(
        await client.post(collections_url(c), json={"title": "Kit"}, headers=auth(c.broker)), 201
    )["id"]
    elsewhere = await contribute(client, other, c.alice)
    others_draft = await contribute(client, c.domain, c.alice, status="draft")
    own_draft = await contribute(client, c.domain, c.broker, status="draft")
    archived = await contribute(client, c.domain, c.alice)
    ok(await client.delete(item(archived["id"]), headers=auth(c.alice)))
    hidden = await contribute(client, c.domain, c.alice)
    ok(await client.post(item(hidden["id"], "/hide"), headers=auth(c.convenor)))
    story = await contribute(client, c.domain, c.alice)

    for wrong in (elsewhere, others_draft, own_draft, archived, hidden, {"id": str(uuid.uuid4())}):
        body = problem(await put_item(client, cid, c.broker, wrong), 422, "validation-error")
        assert body["errors"][0]["field"] == "contribution_id"
    problem(await put_item(client, cid, c.alice, story), 403, "forbidden")
    problem(await put_item(client, cid, c.broker, story, position=-1), 422)
    assert await count(session, CollectionItem) == 0


async def test_hidden_and_archived_drop_out_for_members(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    cid = ok(
        await client.post(collections_url(c), json={"title": "Kit"}, headers=auth(c.broker)), 201
    )["id"]
    first, second, third = [await contribute(client, c.domain, c.alice) for _ in range(3)]
    for contribution in (first, second, third):
        ok(await put_item(client, cid, c.broker, contribution))
    ok(await client.post(item(first["id"], "/hide"), headers=auth(c.convenor)))
    ok(await client.delete(item(third["id"]), headers=auth(c.alice)))

    url = f"{API}/collections/{cid}"
    for viewer in (c.bob, c.broker, c.outsider):
        assert order(ok(await client.get(url, headers=auth(viewer)))) == [second["id"]]
    assert order(ok(await client.get(url))) == [second["id"]]
    listing = ok(await client.get(collections_url(c), headers=auth(c.bob)))
    assert order(listing["items"][0]) == [second["id"]]
    # Moderators still see every item, to restore or remove it.
    as_convenor = ok(await client.get(url, headers=auth(c.convenor)))
    assert order(as_convenor) == [first["id"], second["id"], third["id"]]
    ok(await client.post(item(first["id"], "/restore"), headers=auth(c.convenor)))
    assert order(ok(await client.get(url, headers=auth(c.bob)))) == [first["id"], second["id"]]


async def test_a_private_domains_collections_stay_private(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session, visibility="private")
    cid = ok(
        await client.post(collections_url(c), json={"title": "Kit"}, headers=auth(c.broker)), 201
    )["id"]
    story = await contribute(client, c.domain, c.alice)
    ok(await put_item(client, cid, c.broker, story))
    for request in (
        client.get(collections_url(c), headers=auth(c.outsider)),
        client.get(f"{API}/collections/{cid}", headers=auth(c.outsider)),
        client.get(f"{API}/collections/{cid}"),
        client.patch(f"{API}/collections/{cid}", json={"title": "x"}, headers=auth(c.outsider)),
        client.delete(f"{API}/collections/{cid}", headers=auth(c.outsider)),
        put_item(client, cid, c.outsider, story),
        client.put(item(story["id"], "/curation"), headers=auth(c.outsider)),
    ):
        problem(await request, 404)
    assert await count(session, ModerationEvent) == 0
    assert order(ok(await client.get(f"{API}/collections/{cid}", headers=auth(c.bob)))) == [
        story["id"]
    ]
