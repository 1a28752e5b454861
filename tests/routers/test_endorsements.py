"""Endorsements (helpful, applied), their counts and withdrawal, and value-creation
stories linked to the contributions that led to them."""

import uuid
from typing import Any

from httpx import AsyncClient
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import Endorsement, ValueStory
from tests.factories import add_member, auth, community, contribute, item, make_domain
from tests.support import API, count, fetch, listed, ok, problem


async def endorse(
    client: AsyncClient, contribution: dict[str, Any], person: Any, **body: Any
) -> Any:
    return await client.post(
        item(contribution["id"], "/endorsements"), json=body, headers=auth(person)
    )


async def counts(client: AsyncClient, contribution: dict[str, Any], person: Any) -> tuple[int, int]:
    state = ok(await fetch(client, contribution["id"], person))
    return state["helpful_count"], state["applied_count"]


async def test_each_kind_once_per_person(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    story = await contribute(client, c.domain, c.alice)
    first = ok(await endorse(client, story, c.bob, kind="helpful"), 201)
    assert first["kind"] == "helpful" and first["person_id"] == str(c.bob.id)
    again = ok(await endorse(client, story, c.bob, kind="helpful", note="changed my mind"), 200)
    assert again == first
    ok(await endorse(client, story, c.bob, kind="applied"), 201)
    ok(await endorse(client, story, c.broker, kind="helpful"), 201)
    assert await counts(client, story, c.alice) == (2, 1)
    assert await count(session, Endorsement) == 3
    listed_ = ok(await client.get(item(story["id"], "/endorsements"), headers=auth(c.outsider)))
    assert [(e["person_id"], e["kind"]) for e in listed_] == [
        (str(c.bob.id), "helpful"),
        (str(c.bob.id), "applied"),
        (str(c.broker.id), "helpful"),
    ]


async def test_withdrawing_decrements(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    story = await contribute(client, c.domain, c.alice)
    ok(await endorse(client, story, c.bob, kind="helpful"), 201)
    ok(await endorse(client, story, c.bob, kind="applied"), 201)
    ok(await endorse(client, story, c.broker, kind="applied"), 201)
    response = await client.delete(item(story["id"], "/endorsements/helpful"), headers=auth(c.bob))
    assert response.status_code == 204, response.text
    assert await counts(client, story, c.alice) == (0, 2)
    response = await client.delete(item(story["id"], "/endorsements/applied"), headers=auth(c.bob))
    assert response.status_code == 204
    assert await counts(client, story, c.alice) == (0, 1)
    # Nothing left to withdraw: 404, and the counts stay put.
    problem(
        await client.delete(item(story["id"], "/endorsements/applied"), headers=auth(c.bob)), 404
    )
    problem(
        await client.delete(item(story["id"], "/endorsements/helpful"), headers=auth(c.alice)), 404
    )
    problem(await client.delete(item(story["id"], "/endorsements/loved"), headers=auth(c.bob)), 422)
    assert await counts(client, story, c.alice) == (0, 1)
    # Endorsing again after withdrawing counts again.
    ok(await endorse(client, story, c.bob, kind="helpful"), 201)
    assert await counts(client, story, c.alice) == (1, 1)


async def test_who_may_endorse(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    secret = await make_domain(session, c.convenor, visibility="private")
    await add_member(session, secret, c.alice)
    story = await contribute(client, c.domain, c.alice)
    hidden_story = await contribute(client, secret, c.alice)
    draft = await contribute(client, c.domain, c.alice, status="draft")
    archived = await contribute(client, c.domain, c.alice)
    ok(await client.delete(item(archived["id"]), headers=auth(c.alice)))

    problem(await endorse(client, story, c.alice, kind="helpful"), 403, "forbidden")
    problem(await endorse(client, story, c.outsider, kind="helpful"), 403, "forbidden")
    problem(await endorse(client, hidden_story, c.outsider, kind="helpful"), 404)
    problem(await endorse(client, draft, c.bob, kind="helpful"), 404)
    problem(await endorse(client, archived, c.bob, kind="helpful"), 422)
    problem(await endorse(client, story, c.bob, kind="loved"), 422, "validation-error")
    problem(await endorse(client, story, c.bob, kind="applied", note="x" * 10_001), 422)
    problem(await client.post(item(story["id"], "/endorsements"), json={"kind": "helpful"}), 401)
    assert await count(session, Endorsement) == 0
    assert await counts(client, story, c.alice) == (0, 0)


async def test_applied_with_a_note_is_a_value_story(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    guide = await contribute(
        client, c.domain, c.alice, kind="resource", title="Family meeting guide"
    )
    endorsement = ok(
        await endorse(
            client, guide, c.bob, kind="applied", note="Used it on nights; calmer talks."
        ),
        201,
    )
    stories = ok(
        await client.get(f"{API}/domains/{c.domain.slug}/value-stories", headers=auth(c.alice))
    )
    assert len(stories["items"]) == 1
    story = stories["items"][0]
    assert story["cycle"] == "applied"
    assert story["contribution_ids"] == [guide["id"]]
    assert story["endorsement_id"] == endorsement["id"]
    assert story["author_id"] == str(c.bob.id)
    assert story["story"] == "Used it on nights; calmer talks."
    assert "Family meeting guide" in story["title"]
    # Without a note (or with only whitespace) there is no story to tell.
    ok(await endorse(client, guide, c.broker, kind="applied", note="   "), 201)
    ok(await endorse(client, guide, c.broker, kind="helpful", note="a helpful note"), 201)
    assert await count(session, ValueStory) == 1
    # Repeating the endorsement does not write a second story.
    ok(await endorse(client, guide, c.bob, kind="applied", note="again"), 200)
    assert await count(session, ValueStory) == 1


async def test_value_stories_with_their_cycle(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    other = await make_domain(session, c.convenor)
    await add_member(session, other, c.alice)
    url = f"{API}/domains/{c.domain.slug}/value-stories"
    guide = await contribute(client, c.domain, c.alice, kind="practice", title="Huddles")
    lesson = await contribute(client, c.domain, c.bob, kind="lesson", title="Listen first")
    elsewhere = await contribute(client, other, c.alice)
    draft = await contribute(client, c.domain, c.bob, status="draft")
    hidden = await contribute(client, c.domain, c.bob)
    ok(await client.post(item(hidden["id"], "/hide"), headers=auth(c.convenor)))

    realized = ok(
        await client.post(
            url,
            json={
                "cycle": "realized",
                "title": "Fewer crisis calls",
                "story": "Weekend calls halved after the huddles.",
                "contribution_ids": [guide["id"], lesson["id"], guide["id"]],
            },
            headers=auth(c.alice),
        ),
        201,
    )
    assert realized["contribution_ids"] == [guide["id"], lesson["id"]]
    assert realized["endorsement_id"] is None
    ok(
        await client.post(
            url,
            json={"cycle": "reframing", "title": "New goals", "story": "We measure calm now."},
            headers=auth(c.bob),
        ),
        201,
    )
    stored = await count(session, ValueStory)

    bad: list[tuple[dict[str, Any], int]] = [
        ({"contribution_ids": [elsewhere["id"]]}, 422),
        ({"contribution_ids": [str(uuid.uuid4())]}, 422),
        ({"contribution_ids": [draft["id"]]}, 422),
        ({"contribution_ids": [hidden["id"]]}, 422),
        ({"cycle": "eventual"}, 422),
        ({"title": ""}, 422),
        ({"story": ""}, 422),
    ]
    for change, status in bad:
        body = {"cycle": "potential", "title": "T", "story": "S", **change}
        problem(await client.post(url, json=body, headers=auth(c.alice)), status)
    valid = {"cycle": "potential", "title": "T", "story": "S"}
    problem(await client.post(url, json=valid, headers=auth(c.outsider)), 403, "forbidden")
    problem(await client.post(url, json=valid), 401)
    assert await count(session, ValueStory) == stored
    assert await count(session, ValueStory, col(ValueStory.domain_id) == other.id) == 0

    def cycles(body: dict[str, Any]) -> list[str]:
        return [s["cycle"] for s in body["items"]]

    everything = ok(await client.get(url, headers=auth(c.outsider)))
    assert cycles(everything) == ["realized", "reframing"]
    assert cycles(ok(await client.get(url, params={"cycle": "realized"}))) == ["realized"]
    assert cycles(ok(await client.get(url, params={"cycle": "immediate"}))) == []
    problem(await client.get(url, params={"cycle": "eventual"}), 422)


async def test_value_stories_of_a_private_domain_stay_private(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session, visibility="private")
    url = f"{API}/domains/{c.domain.slug}/value-stories"
    body = {"cycle": "immediate", "title": "Useful", "story": "The clinic helped."}
    ok(await client.post(url, json=body, headers=auth(c.alice)), 201)
    problem(await client.get(url, headers=auth(c.outsider)), 404)
    problem(await client.post(url, json=body, headers=auth(c.outsider)), 404)
    assert len(ok(await client.get(url, headers=auth(c.bob)))["items"]) == 1


async def test_most_endorsed_and_most_reused_follow_real_endorsements(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    quiet = await contribute(client, c.domain, c.alice, title="Quiet")
    liked = await contribute(client, c.domain, c.alice, title="Liked")
    reused = await contribute(client, c.domain, c.alice, title="Reused")
    for person in (c.bob, c.broker, c.convenor):
        ok(await endorse(client, liked, person, kind="helpful"), 201)
    for person in (c.bob, c.broker):
        ok(await endorse(client, reused, person, kind="applied"), 201)
    assert await listed(client, c.domain, c.bob, sort="most_endorsed") == [
        liked["id"],
        reused["id"],
        quiet["id"],
    ]
    assert await listed(client, c.domain, c.bob, sort="most_reused") == [
        reused["id"],
        liked["id"],
        quiet["id"],
    ]
    for person in (c.bob, c.broker):
        response = await client.delete(
            item(liked["id"], "/endorsements/helpful"), headers=auth(person)
        )
        assert response.status_code == 204, response.text
    assert (await listed(client, c.domain, c.bob, sort="most_endorsed"))[0] == reused["id"]
