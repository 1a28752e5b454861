"""Questions and answers on the service: the answer count, the first answer, acceptance."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, Invalid
from app.models.contributions import ContributionUpdate
from app.services.contributions import moderation
from app.services.contributions import service as contributions
from tests.factories import actor_of, add_member, make_contribution, make_domain, make_person
from tests.support import refused


async def test_answers_are_counted_and_the_first_answer_by_another_is_dated(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    asker, helper = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, asker)
    await add_member(session, domain, helper)
    question = await make_contribution(session, asker, domain, kind="question")
    await make_contribution(session, asker, domain, kind="answer", parent_id=question.id)
    await session.refresh(question)
    assert (question.answer_count, question.first_answer_at) == (1, None)
    draft = await make_contribution(
        session, helper, domain, kind="answer", parent_id=question.id, status="draft"
    )
    await session.refresh(question)
    assert (question.answer_count, question.first_answer_at) == (1, None)
    await contributions.update_contribution(
        session, actor_of(helper), draft.id, ContributionUpdate(status="published")
    )
    await session.refresh(question)
    assert question.answer_count == 2
    assert question.first_answer_at is not None
    await moderation.set_hidden(session, actor_of(convenor), draft.id, True, "")
    await session.refresh(question)
    assert question.answer_count == 1


async def test_the_asker_or_a_convenor_accepts_a_published_answer(
    session: AsyncSession,
) -> None:
    convenor = await make_person(session)
    asker, helper = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, asker)
    await add_member(session, domain, helper)
    question = await make_contribution(session, asker, domain, kind="question")
    other = await make_contribution(session, asker, domain, kind="question")
    answer = await make_contribution(session, helper, domain, kind="answer", parent_id=question.id)
    elsewhere = await make_contribution(session, helper, domain, kind="answer", parent_id=other.id)
    draft = await make_contribution(
        session, helper, domain, kind="answer", parent_id=question.id, status="draft"
    )
    await refused(
        session,
        contributions.accept_answer(session, actor_of(helper), question.id, answer.id),
        Forbidden,
    )
    wrong = await refused(
        session,
        contributions.accept_answer(session, actor_of(asker), question.id, elsewhere.id),
        Invalid,
    )
    assert [e.code for e in wrong.errors] == ["not_an_answer"]
    unpublished = await refused(
        session,
        contributions.accept_answer(session, actor_of(asker), question.id, draft.id),
        Invalid,
    )
    assert [e.code for e in unpublished.errors] == ["not_published"]
    await refused(
        session,
        contributions.accept_answer(session, actor_of(asker), answer.id, answer.id),
        Conflict,
    )
    accepted = await contributions.accept_answer(session, actor_of(asker), question.id, answer.id)
    assert accepted.accepted_answer_id == answer.id
    again = await contributions.accept_answer(session, actor_of(convenor), question.id, answer.id)
    assert again.accepted_answer_id == answer.id


async def test_answers_answer_questions_only(session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    story = await make_contribution(session, convenor, domain)
    error = await refused(
        session,
        make_contribution(session, convenor, domain, kind="answer", parent_id=story.id),
        Invalid,
    )
    assert [e.code for e in error.errors] == ["not_a_question"]
