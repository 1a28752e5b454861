"""Full-text search: only what the caller may read, stemming and spelling variants,
phrases, ranking, safe highlighted snippets, tags, and paging through hits."""

import re
from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_member, auth, community, contribute, item, make_domain, make_person
from tests.support import API, listed, ok, problem

SEARCH = f"{API}/search"


async def hits(client: AsyncClient, person: Any, q: str, **params: Any) -> list[dict[str, Any]]:
    headers = auth(person) if person else {}
    body = ok(await client.get(SEARCH, params={"q": q, **params}, headers=headers))
    return body["items"]  # type: ignore[no-any-return]


async def ids(client: AsyncClient, person: Any, q: str, **params: Any) -> list[str]:
    return [h["contribution"]["id"] for h in await hits(client, person, q, **params)]


async def test_search_covers_every_domain_the_caller_may_read(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    other = await make_domain(session, c.convenor)
    secret = await make_domain(session, c.convenor, visibility="private")
    invited_only = await make_domain(session, c.convenor, visibility="private")
    for domain in (other, secret):
        await add_member(session, domain, c.alice)
    await add_member(session, invited_only, c.bob, status="invited")
    public_one = await contribute(client, c.domain, c.alice, title="Rota swaps", body="nights")
    public_two = await contribute(client, other, c.alice, title="Rota planning")
    private = await contribute(client, secret, c.alice, title="Rota conflicts, privately")
    invited = await contribute(client, invited_only, c.convenor, title="Rota for the invited")

    assert set(await ids(client, c.alice, "rota")) == {
        public_one["id"],
        public_two["id"],
        private["id"],
    }
    # An invitee sees a private domain's card, not its content; an outsider sees neither.
    seen_by_invitee = set(await ids(client, c.bob, "rota"))
    assert seen_by_invitee == {public_one["id"], public_two["id"]}
    assert invited["id"] not in seen_by_invitee
    problem(
        await client.get(
            SEARCH, params={"q": "rota", "domain": invited_only.slug}, headers=auth(c.bob)
        ),
        404,
    )
    assert set(await ids(client, c.outsider, "rota")) == {public_one["id"], public_two["id"]}
    assert set(await ids(client, None, "rota")) == {public_one["id"], public_two["id"]}
    assert await ids(client, c.outsider, "privately") == []
    problem(
        await client.get(
            SEARCH, params={"q": "rota", "domain": secret.slug}, headers=auth(c.outsider)
        ),
        404,
    )
    assert await ids(client, c.alice, "rota", domain=secret.slug) == [private["id"]]
    assert await ids(client, c.alice, "rota", kind="question") == []


async def test_search_skips_drafts_hidden_archived_and_archived_domains(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    gone = await make_domain(session, c.convenor)
    await add_member(session, gone, c.alice)
    shown = await contribute(client, c.domain, c.alice, title="Debrief shown")
    await contribute(client, c.domain, c.alice, title="Debrief draft", status="draft")
    hidden = await contribute(client, c.domain, c.alice, title="Debrief hidden")
    ok(await client.post(item(hidden["id"], "/hide"), headers=auth(c.convenor)))
    archived = await contribute(client, c.domain, c.alice, title="Debrief archived")
    ok(await client.delete(item(archived["id"]), headers=auth(c.alice)))
    await contribute(client, gone, c.alice, title="Debrief in a closed domain")
    ok(await client.delete(f"{API}/domains/{gone.slug}", headers=auth(c.convenor)))
    for viewer in (c.alice, c.convenor, c.outsider):
        assert await ids(client, viewer, "debrief") == [shown["id"]]


async def test_spelling_variants_and_stems_find_each_other(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    british = await contribute(
        client, c.domain, c.alice, title="Practising handovers", body="We organise the ward."
    )
    american = await contribute(
        client, c.domain, c.bob, title="A practice for handover", body="We organize the clinic."
    )
    both = {british["id"], american["id"]}
    for q in ("practising", "practice", "practicing", "practise", "practices"):
        assert set(await ids(client, c.outsider, q)) == both, q
    for q in ("organise", "organize", "organising", "organized"):
        assert set(await ids(client, c.outsider, q)) == both, q
    assert set(await ids(client, c.outsider, "handovers")) == both
    assert await ids(client, c.outsider, "ward") == [british["id"]]
    assert await ids(client, c.outsider, "practice -ward") == [american["id"]]
    assert set(await ids(client, c.outsider, "ward OR clinic")) == both


async def test_a_quoted_phrase_matches_only_as_a_phrase(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    phrase = await contribute(
        client, c.domain, c.alice, title="Notes", body="Our family meeting guide works."
    )
    apart = await contribute(
        client, c.domain, c.alice, title="Notes", body="The meeting with the family went well."
    )
    reversed_ = await contribute(
        client, c.domain, c.alice, title="Notes", body="A meeting family is not a thing."
    )
    assert await ids(client, c.bob, '"family meeting"') == [phrase["id"]]
    assert set(await ids(client, c.bob, "family meeting")) == {
        phrase["id"],
        apart["id"],
        reversed_["id"],
    }
    assert await ids(client, c.bob, '"family meetings guide"') == [phrase["id"]]


async def test_a_title_match_ranks_above_a_body_match(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    body_only = await contribute(
        client, c.domain, c.alice, title="Night shifts", body="A word on sedation at night."
    )
    in_title = await contribute(
        client, c.domain, c.alice, title="Sedation at home", body="Some notes from the ward."
    )
    tagged = await contribute(
        client, c.domain, c.alice, title="Weekend cover", body="Rota.", tags=["sedation"]
    )
    found = await hits(client, c.bob, "sedation")
    assert [h["contribution"]["id"] for h in found][-1] == body_only["id"]
    assert {h["contribution"]["id"] for h in found[:2]} == {in_title["id"], tagged["id"]}
    ranks = [h["rank"] for h in found]
    assert ranks == sorted(ranks, reverse=True) and ranks[-1] < ranks[0]
    # The older body-only match does not win by being older or newer.
    newer = await contribute(client, c.domain, c.alice, title="Other", body="sedation again")
    assert (await ids(client, c.bob, "sedation"))[0] != newer["id"]


async def test_snippets_escape_the_body_and_mark_the_matches(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    body = (
        'Handover when the dose < 5 mg <script>alert("x")</script> then '
        '<img src=x onerror="alert(1)"> and '
        "<a href='javascript:alert(2)'>link</a> &amp; the handover \x01again \x02\x01 with "
        "<mark>fake</mark> marks"
    )
    await contribute(client, c.domain, c.alice, title="Handover <b>tips</b>", body=body)
    [hit] = await hits(client, c.bob, "handover")
    snippet = hit["snippet_html"]
    tags = re.findall(r"<[^>]*>", snippet)
    assert tags, snippet
    assert set(tags) <= {"<mark>", "</mark>"}, snippet
    assert tags.count("<mark>") == tags.count("</mark>")
    assert "<mark>Handover</mark>" in snippet or "<mark>handover</mark>" in snippet
    for dangerous in ("<script", "<img", "<a ", "<b>", 'onerror="', "\x01", "\x02"):
        assert dangerous not in snippet, snippet
    # Text that merely looks like markup comes back escaped, never as markup.
    assert "dose &lt; 5" in snippet, snippet
    # The body itself is returned as written: clients render it with a sanitizer.
    assert hit["contribution"]["body"] == body


async def test_bad_queries(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    await contribute(client, c.domain, c.alice, title="Anything")
    for q in ("", "   "):
        problem(await client.get(SEARCH, params={"q": q}), 422, "validation-error")
    problem(await client.get(SEARCH), 422, "validation-error")
    problem(await client.get(SEARCH, params={"q": "x" * 501}), 422)
    problem(await client.get(SEARCH, params={"q": "a", "kind": "rant"}), 422)
    problem(await client.get(SEARCH, params={"q": "a", "cursor": "junk"}), 422)
    # Odd syntax is never an error: web-search syntax accepts anything.
    for q in ("the", "a:* & !b | (c", "'\"", "-", "or", '"unclosed', "\\"):
        assert await hits(client, c.bob, q) == [], q


async def test_paging_through_hits(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    made = [
        await contribute(client, c.domain, c.alice, title=f"Huddle {i}", body="huddle " * i)
        for i in range(1, 6)
    ]
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": "huddle", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = ok(await client.get(SEARCH, params=params, headers=auth(c.bob)))
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    found = [h["contribution"]["id"] for h in seen]
    assert sorted(found) == sorted(m["id"] for m in made) and len(set(found)) == 5
    ranks = [h["rank"] for h in seen]
    assert ranks == sorted(ranks, reverse=True)


async def test_tags_are_searchable(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    secret = await make_domain(session, c.convenor, visibility="private")
    await add_member(session, secret, c.alice)
    await contribute(client, c.domain, c.alice, tags=["handover", "nights"])
    await contribute(client, c.domain, c.bob, tags=["handover", "100%_real"])
    await contribute(client, c.domain, c.bob, tags=["Hand hygiene"])
    await contribute(client, secret, c.alice, tags=["handover-secret", "handover"])
    await contribute(client, c.domain, c.bob, tags=["handover-draft"], status="draft")

    def pairs(body: list[dict[str, Any]]) -> list[tuple[str, int]]:
        return [(t["tag"], t["count"]) for t in body]

    url = f"{SEARCH}/tags"
    public = ok(await client.get(url, params={"q": "hand"}, headers=auth(c.outsider)))
    assert pairs(public) == [("handover", 2), ("hand hygiene", 1)]
    member = ok(await client.get(url, params={"q": "HAND"}, headers=auth(c.alice)))
    assert pairs(member) == [("handover", 3), ("hand hygiene", 1), ("handover-secret", 1)]
    # Wildcards are literal characters.
    assert pairs(ok(await client.get(url, params={"q": "%"}))) == [("100%_real", 1)]
    assert pairs(ok(await client.get(url, params={"q": "_"}))) == [("100%_real", 1)]
    problem(await client.get(url, params={"q": " "}), 422)


async def test_q_on_the_list_endpoint(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    mine = await contribute(client, c.domain, c.alice, title="Practising the handover")
    await contribute(client, c.domain, c.alice, title="Unrelated")
    elsewhere = await make_domain(session, await make_person(session))
    await add_member(session, elsewhere, c.alice)
    await contribute(client, elsewhere, c.alice, title="Handover elsewhere")
    assert await listed(client, c.domain, c.bob, q="practice") == [mine["id"]]
    assert await listed(client, c.domain, c.bob, q='"the handover"') == [mine["id"]]
    assert await listed(client, c.domain, c.bob, q="handover", kind="story") == [mine["id"]]
    assert await listed(client, c.domain, c.bob, q="handover", kind="lesson") == []
