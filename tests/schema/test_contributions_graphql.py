"""Contributions over GraphQL: the same services as REST, batched through loaders."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import Contribution, ContributionCreate
from app.models.domains import Domain
from app.models.people import Person
from app.services.contributions import service as contributions
from tests.factories import (
    actor_of,
    add_member,
    auth,
    community,
    contribute,
    gql,
    make_domain,
    make_person,
)
from tests.support import count, error_codes, gql_ok, gql_statements, listed

NESTED = """query($slug: String!) { domain(slug: $slug) {
  contributions(first: 100) { edges { node { title
    author { displayName }
    answers { body author { displayName } } } } } } }"""


async def _ask(
    session: AsyncSession, domain: Domain, asker: Person, helpers: list[Person], n: int
) -> None:
    for i in range(n):
        question = await contributions.create_contribution(
            session,
            actor_of(asker),
            domain.slug,
            ContributionCreate(kind="question", title=f"Question {i}", body="How?"),
        )
        for helper in helpers:
            await contributions.create_contribution(
                session,
                actor_of(helper),
                domain.slug,
                ContributionCreate(kind="answer", parent_id=question.id, body="Like this"),
            )


async def test_nested_contributions_do_not_grow_with_data(
    client: AsyncClient, session: AsyncSession, count_statements: Any
) -> None:
    convenor = await make_person(session)
    helpers = [await make_person(session) for _ in range(3)]
    domain = await make_domain(session, convenor)
    for h in helpers:
        await add_member(session, domain, h)
    await _ask(session, domain, convenor, helpers, 2)
    small = await gql_statements(
        count_statements, client, NESTED, {"slug": domain.slug}, as_=convenor
    )
    await _ask(session, domain, convenor, helpers, 20)
    body = await gql(client, NESTED, {"slug": domain.slug}, as_=convenor)
    edges = gql_ok(body)["domain"]["contributions"]["edges"]
    questions = [e["node"] for e in edges if e["node"]["title"]]
    assert len(questions) == 22
    assert all(len(q["answers"]) == 3 for q in questions)
    assert all(q["author"]["displayName"] == convenor.display_name for q in questions)
    large = await gql_statements(
        count_statements, client, NESTED, {"slug": domain.slug}, as_=convenor
    )
    assert small == large, (small, large)


async def test_contribute_search_and_parity(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    outsider = await make_person(session)
    domain = await make_domain(session, convenor, visibility="private")
    await add_member(session, domain, member)
    body = await gql(
        client,
        """mutation($slug: String!) { contribute(slug: $slug, input: {
             kind: lesson, title: "Practising handovers", body: "Say it <b>twice</b>",
             tags: ["Handover"] }) { uuid kind title tags author { displayName } } }""",
        {"slug": domain.slug},
        as_=member,
    )
    made = gql_ok(body)["contribute"]
    assert made["tags"] == ["handover"]
    rest = (await client.get(f"/api/v1/contributions/{made['uuid']}", headers=auth(member))).json()
    assert (rest["title"], rest["kind"], rest["tags"]) == (made["title"], "lesson", ["handover"])
    found = await gql(
        client,
        """{ search(q: "practice handover") { edges { node { snippetHtml
             contribution { uuid } } } } }""",
        as_=convenor,
    )
    hits = gql_ok(found)["search"]["edges"]
    assert [h["node"]["contribution"]["uuid"] for h in hits] == [made["uuid"]]
    assert "<b>" not in hits[0]["node"]["snippetHtml"]
    hidden = await gql(
        client, """{ search(q: "handover") { edges { node { rank } } } }""", as_=outsider
    )
    assert gql_ok(hidden)["search"]["edges"] == []
    missing = await gql(
        client,
        """mutation($slug: String!) { contribute(slug: $slug, input: {
            kind: story, body: "no title" }) { id } }""",
        {"slug": domain.slug},
        as_=member,
    )
    assert error_codes(missing) == ["BAD_USER_INPUT"]
    assert missing["errors"][0]["extensions"]["fieldErrors"][0]["field"] == "title"
    assert await count(session, Contribution) == 1


FILTERED = """query($slug: String!, $filter: ContributionFilterInput) { domain(slug: $slug) {
  contributions(first: 100, filter: $filter) { edges { node { uuid } } } } }"""


async def test_the_filter_reads_the_same_over_graphql_as_over_rest(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    story = await contribute(client, c.domain, c.alice, tags=["Handover"], themes=["pain"])
    question = await contribute(client, c.domain, c.bob, kind="question", title="Waiting?")
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({}, {}),
        ({"author": str(c.bob.id)}, {"authorId": str(c.bob.id)}),
        ({"tag": "HANDOVER "}, {"tag": "HANDOVER "}),
        ({"unanswered": "true"}, {"unanswered": True}),
        ({"kind": "story", "theme": "pain"}, {"kind": "story", "theme": "pain"}),
    ]
    for rest, graphql in cases:
        body = await gql(client, FILTERED, {"slug": c.domain.slug, "filter": graphql}, as_=c.bob)
        edges = gql_ok(body)["domain"]["contributions"]["edges"]
        assert {e["node"]["uuid"] for e in edges} == set(
            await listed(client, c.domain, c.bob, **rest)
        ), rest
    assert set(await listed(client, c.domain, c.bob, author=str(c.bob.id))) == {question["id"]}
    # Only the documented names filter: the field name of `author` is an unknown parameter.
    assert set(await listed(client, c.domain, c.bob, author_id=str(c.bob.id))) == {
        story["id"],
        question["id"],
    }
    too_long = await gql(
        client, FILTERED, {"slug": c.domain.slug, "filter": {"tag": "x" * 65}}, as_=c.bob
    )
    assert error_codes(too_long) == ["BAD_USER_INPUT"]
