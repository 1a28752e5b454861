"""Questions and answers: the first answer from someone other than the asker, answer
counts, accepting an answer, and the questions still waiting."""

from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import Contribution
from tests.factories import auth, community, contribute, item, post
from tests.support import count, fetch, listed, ok, problem


async def test_first_answer_comes_from_someone_else(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="How?")
    assert (question["answer_count"], question["first_answer_at"]) == (0, None)

    # The asker answering their own question does not make it answered.
    await contribute(client, c.domain, c.alice, kind="answer", parent_id=question["id"])
    state = ok(await fetch(client, question["id"], c.bob))
    assert (state["answer_count"], state["first_answer_at"]) == (1, None)
    assert await listed(client, c.domain, c.bob, unanswered="true") == [question["id"]]

    answer = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    state = ok(await fetch(client, question["id"], c.bob))
    assert state["answer_count"] == 2
    first = state["first_answer_at"]
    assert first is not None and question["created_at"] <= first
    assert answer["created_at"][:19] <= first[:19]
    assert await listed(client, c.domain, c.bob, unanswered="true") == []

    await contribute(client, c.domain, c.broker, kind="answer", parent_id=question["id"])
    state = ok(await fetch(client, question["id"], c.bob))
    assert state["answer_count"] == 3 and state["first_answer_at"] == first


async def test_draft_answers_count_once_published(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="How?")
    draft = await contribute(
        client, c.domain, c.bob, kind="answer", parent_id=question["id"], status="draft"
    )
    state = ok(await fetch(client, question["id"], c.alice))
    assert (state["answer_count"], state["first_answer_at"]) == (0, None)
    assert await listed(client, c.domain, c.alice, unanswered="true") == [question["id"]]
    ok(await client.patch(item(draft["id"]), json={"status": "published"}, headers=auth(c.bob)))
    state = ok(await fetch(client, question["id"], c.alice))
    assert state["answer_count"] == 1 and state["first_answer_at"] is not None
    assert await listed(client, c.domain, c.alice, unanswered="true") == []


async def test_answer_count_follows_archiving_and_hiding(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="How?")
    one = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    two = await contribute(client, c.domain, c.broker, kind="answer", parent_id=question["id"])
    await contribute(client, c.domain, c.bob, kind="reply", parent_id=question["id"])

    async def answers() -> int:
        return int(ok(await fetch(client, question["id"], c.alice))["answer_count"])

    assert await answers() == 2
    ok(await client.post(item(one["id"], "/hide"), headers=auth(c.convenor)))
    assert await answers() == 1
    ok(await client.delete(item(two["id"]), headers=auth(c.broker)))
    assert await answers() == 0
    ok(await client.post(item(one["id"], "/restore"), headers=auth(c.convenor)))
    assert await answers() == 1


async def test_answers_need_a_visible_open_question(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="How?")
    closed = await contribute(client, c.domain, c.alice, kind="question", title="Old")
    ok(await client.delete(item(closed["id"]), headers=auth(c.alice)))
    hidden = await contribute(client, c.domain, c.alice, kind="question", title="Spam")
    ok(await client.post(item(hidden["id"], "/hide"), headers=auth(c.convenor)))
    answer = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    before = await count(session, Contribution)

    body = problem(await post(client, c.domain, c.bob, kind="answer", parent_id=answer["id"]), 422)
    assert body["errors"][0]["code"] == "not_a_question"
    problem(
        await post(client, c.domain, c.bob, kind="answer", parent_id=closed["id"]),
        409,
        "contribution-archived",
    )
    problem(await post(client, c.domain, c.bob, kind="answer", parent_id=hidden["id"]), 422)
    problem(await post(client, c.domain, c.bob, kind="reply", parent_id=hidden["id"]), 422)
    assert await count(session, Contribution) == before
    state = ok(await fetch(client, closed["id"], c.alice))
    assert state["answer_count"] == 0


async def accept(client: AsyncClient, question: dict[str, Any], answer: Any, person: Any) -> Any:
    answer_id = answer["id"] if isinstance(answer, dict) else answer
    return await client.post(
        item(question["id"], "/accept"), json={"answer_id": answer_id}, headers=auth(person)
    )


async def test_the_asker_or_a_convenor_accepts(client: AsyncClient, session: AsyncSession) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="How?")
    first = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    second = await contribute(client, c.domain, c.broker, kind="answer", parent_id=question["id"])

    for someone in (c.bob, c.broker, c.outsider):
        problem(await accept(client, question, first, someone), 403, "forbidden")
    anonymous = await client.post(item(question["id"], "/accept"), json={"answer_id": first["id"]})
    problem(anonymous, 401)
    assert ok(await fetch(client, question["id"], c.alice))["accepted_answer_id"] is None

    accepted = ok(await accept(client, question, first, c.alice))
    assert accepted["accepted_answer_id"] == first["id"]
    # A convenor may change which answer is accepted.
    accepted = ok(await accept(client, question, second, c.convenor))
    assert accepted["accepted_answer_id"] == second["id"]
    assert ok(await fetch(client, question["id"], c.bob))["accepted_answer_id"] == second["id"]


async def test_accepting_something_that_is_not_this_questions_answer(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    question = await contribute(client, c.domain, c.alice, kind="question", title="How?")
    other = await contribute(client, c.domain, c.alice, kind="question", title="Other?")
    mine = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    theirs = await contribute(client, c.domain, c.bob, kind="answer", parent_id=other["id"])
    reply = await contribute(client, c.domain, c.bob, kind="reply", parent_id=question["id"])
    draft = await contribute(
        client, c.domain, c.bob, kind="answer", parent_id=question["id"], status="draft"
    )
    hidden = await contribute(client, c.domain, c.bob, kind="answer", parent_id=question["id"])
    ok(await client.post(item(hidden["id"], "/hide"), headers=auth(c.convenor)))
    ok(await accept(client, question, mine, c.alice))

    for wrong in (theirs, reply, draft, hidden, other, question):
        body = problem(await accept(client, question, wrong, c.alice), 422, "validation-error")
        assert body["errors"][0]["field"] == "answer_id"
    problem(await accept(client, question, "not-a-uuid", c.alice), 422)
    problem(await accept(client, question, "00000000-0000-0000-0000-000000000000", c.alice), 422)
    assert ok(await fetch(client, question["id"], c.alice))["accepted_answer_id"] == mine["id"]
    assert ok(await fetch(client, other["id"], c.alice))["accepted_answer_id"] is None

    story = await contribute(client, c.domain, c.alice)
    problem(await accept(client, story, mine, c.alice), 409, "not-a-question")


async def test_unanswered_lists_only_questions_still_waiting(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await community(session)
    waiting = await contribute(client, c.domain, c.alice, kind="question", title="Waiting")
    self_answered = await contribute(client, c.domain, c.alice, kind="question", title="Self")
    await contribute(client, c.domain, c.alice, kind="answer", parent_id=self_answered["id"])
    replied = await contribute(client, c.domain, c.alice, kind="question", title="Replied")
    await contribute(client, c.domain, c.bob, kind="reply", parent_id=replied["id"])
    answered = await contribute(client, c.domain, c.alice, kind="question", title="Answered")
    await contribute(client, c.domain, c.bob, kind="answer", parent_id=answered["id"])
    archived = await contribute(client, c.domain, c.alice, kind="question", title="Archived")
    ok(await client.delete(item(archived["id"]), headers=auth(c.alice)))
    hidden = await contribute(client, c.domain, c.alice, kind="question", title="Hidden")
    ok(await client.post(item(hidden["id"], "/hide"), headers=auth(c.convenor)))
    draft = await contribute(
        client, c.domain, c.bob, kind="question", title="Draft", status="draft"
    )
    await contribute(client, c.domain, c.alice, kind="challenge", title="Not a question")

    expected = [replied["id"], self_answered["id"], waiting["id"]]
    assert await listed(client, c.domain, c.alice, unanswered="true") == expected
    assert await listed(client, c.domain, None, unanswered="true") == expected
    assert hidden["id"] in await listed(client, c.domain, c.convenor, unanswered="true")
    assert draft["id"] in await listed(client, c.domain, c.bob, unanswered="true", status="draft")
    assert await listed(client, c.domain, c.alice, unanswered="false") == await listed(
        client, c.domain, c.alice
    )
