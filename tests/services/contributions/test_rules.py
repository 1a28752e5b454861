"""The contribution rules, called on the services directly: error details, counters
under concurrency, the search vector and spelling folding, and safe snippets."""

import asyncio
import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_sessionmaker
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.models.contributions import (
    Contribution,
    ContributionKind,
    ContributionStatus,
    ContributionUpdate,
    Endorsement,
    EndorsementInput,
    ReportCreate,
    ValueStory,
)
from app.models.domains import Domain
from app.models.memberships import Role
from app.models.people import Person
from app.services.actors import Actor
from app.services.contributions import endorsements, moderation
from app.services.contributions import service as contributions
from app.services.contributions.search import safe_snippet, search_contributions
from app.services.pagination import PageParams
from tests.factories import actor_of, add_member, make_contribution, make_domain, make_person
from tests.support import count, refused

T = TypeVar("T")


async def world(session: AsyncSession) -> tuple[Domain, Person, Person, Person]:
    convenor = await make_person(session)
    alice = await make_person(session)
    bob = await make_person(session)
    domain = await make_domain(session, convenor, themes=["pain"])
    await add_member(session, domain, alice)
    await add_member(session, domain, bob)
    return domain, convenor, alice, bob


async def test_shape_errors_name_each_field(session: AsyncSession) -> None:
    domain, _, alice, _ = await world(session)
    error = await refused(
        session,
        make_contribution(
            session,
            alice,
            domain,
            kind=ContributionKind.resource,
            title=None,
            themes=["astrology"],
            recipient_ids=[alice.id],
            parent_id=uuid.uuid4(),
        ),
        Invalid,
    )
    assert {(e.field, e.code) for e in error.errors} == {
        ("title", "missing"),
        ("url", "missing"),
        ("themes", "unknown"),
        ("recipient_ids", "invalid"),
        ("parent_id", "invalid"),
    }
    assert await count(session, Contribution) == 0


async def test_recipients_and_parents_are_checked_in_the_database(session: AsyncSession) -> None:
    domain, _, alice, bob = await world(session)
    stranger = await make_person(session)
    error = await refused(
        session,
        make_contribution(
            session,
            alice,
            domain,
            kind=ContributionKind.appreciation,
            recipient_ids=[bob.id, stranger.id],
        ),
        Invalid,
    )
    assert [(e.field, e.code) for e in error.errors] == [("recipient_ids", "not_member")]
    assert (
        str(stranger.id) in error.errors[0].message and str(bob.id) not in error.errors[0].message
    )
    story = await make_contribution(session, alice, domain)
    error = await refused(
        session,
        make_contribution(session, bob, domain, kind=ContributionKind.answer, parent_id=story.id),
        Invalid,
    )
    assert [(e.field, e.code) for e in error.errors] == [("parent_id", "not_a_question")]
    assert await count(session, Contribution) == 1


async def test_api_keys_do_not_contribute(session: AsyncSession) -> None:
    domain, _, alice, _ = await world(session)
    reader = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"read"}))
    writer = Actor(api_key_id=uuid.uuid4(), scopes=frozenset({"write"}))
    error = await refused(session, make_contribution(session, reader, domain), Forbidden)
    assert error.problem == "insufficient-scope"
    # A key is no member: it may moderate (a service account) but not contribute.
    await refused(session, make_contribution(session, writer, domain), Forbidden)
    story = await make_contribution(session, alice, domain)
    hidden = await moderation.set_hidden(session, writer, story.id, True, "automated filter")
    assert hidden.hidden_at is not None
    assert await count(session, Contribution) == 1


async def test_editing_rules(session: AsyncSession) -> None:
    domain, convenor, alice, bob = await world(session)
    story = await make_contribution(session, alice, domain, body="v1")
    await refused(
        session,
        contributions.update_contribution(
            session, actor_of(convenor), story.id, ContributionUpdate(body="not mine")
        ),
        Forbidden,
    )
    error = await refused(
        session,
        contributions.update_contribution(
            session,
            actor_of(alice),
            story.id,
            ContributionUpdate(status=ContributionStatus.archived, body="and archive"),
        ),
        Invalid,
    )
    assert error.errors[0].field == "status"
    archived = await contributions.update_contribution(
        session, actor_of(alice), story.id, ContributionUpdate(status=ContributionStatus.archived)
    )
    assert archived.status == ContributionStatus.archived
    await refused(
        session,
        contributions.update_contribution(
            session, actor_of(alice), story.id, ContributionUpdate(body="v2")
        ),
        Conflict,
    )
    await refused(
        session,
        contributions.update_contribution(
            session,
            actor_of(alice),
            story.id,
            ContributionUpdate(status=ContributionStatus.published),
        ),
        Conflict,
    )
    assert await contributions.list_revisions(session, actor_of(bob), story.id) == []


async def test_hidden_content_is_not_found_for_members(session: AsyncSession) -> None:
    domain, convenor, alice, bob = await world(session)
    story = await make_contribution(session, alice, domain)
    await moderation.set_hidden(session, actor_of(convenor), story.id, True, "")
    for person in (alice, bob):
        await refused(
            session, contributions.get_contribution(session, actor_of(person), story.id), NotFound
        )
        await refused(
            session,
            moderation.report(session, actor_of(person), story.id, ReportCreate(reason="x")),
            NotFound,
        )
    seen = await contributions.get_contribution(session, actor_of(convenor), story.id)
    assert seen.id == story.id
    # Nobody replies to what members cannot see, except the moderators who hid it.
    await refused(
        session,
        make_contribution(session, bob, domain, kind=ContributionKind.reply, parent_id=story.id),
        Invalid,
    )
    reply = await make_contribution(
        session, convenor, domain, kind=ContributionKind.reply, parent_id=story.id
    )
    assert reply.parent_id == story.id


def sessions(engine: AsyncEngine) -> Callable[[], AsyncSession]:
    return create_sessionmaker(engine)  # type: ignore[return-value]


async def test_concurrent_answers_are_all_counted(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    domain, _, alice, _ = await world(session)
    helpers = [await make_person(session) for _ in range(6)]
    for helper in helpers:
        await add_member(session, domain, helper)
    question = await make_contribution(session, alice, domain, kind=ContributionKind.question)
    maker = sessions(engine)

    async def answer(person: Person) -> None:
        async with maker() as own:
            await make_contribution(
                own, person, domain, kind=ContributionKind.answer, parent_id=question.id
            )

    await asyncio.gather(*(answer(h) for h in helpers))
    async with maker() as fresh:
        state = await fresh.get(Contribution, question.id)
        assert state is not None
        assert state.answer_count == len(helpers)
        assert state.first_answer_at is not None


async def test_concurrent_identical_endorsements_count_once(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    domain, _, alice, bob = await world(session)
    story = await make_contribution(session, alice, domain)
    maker = sessions(engine)

    async def endorse() -> bool:
        async with maker() as own:
            _, created = await endorsements.endorse(
                own, actor_of(bob), story.id, EndorsementInput(kind="applied", note="used it")
            )
            return created

    created = await asyncio.gather(*(endorse() for _ in range(5)))
    assert created.count(True) == 1
    async with maker() as fresh:
        state = await fresh.get(Contribution, story.id)
        assert state is not None and state.applied_count == 1
    assert await count(session, Endorsement) == 1
    assert await count(session, ValueStory) == 1


async def test_the_search_vector_follows_edits(session: AsyncSession) -> None:
    domain, _, alice, bob = await world(session)
    story = await make_contribution(
        session, alice, domain, title="Bereavement visits", body="old words"
    )
    params = PageParams(limit=10)

    async def found(q: str) -> list[uuid.UUID]:
        page = await search_contributions(session, actor_of(bob), q, params)
        return [h.contribution.id for h in page.items]

    assert await found("bereavement") == [story.id]
    await contributions.update_contribution(
        session,
        actor_of(alice),
        story.id,
        ContributionUpdate(title="Condolence calls", body="new words", tags=["grief"]),
    )
    assert await found("bereavement") == []
    assert await found("condolence") == [story.id]
    assert await found("grief") == [story.id]
    assert await found("old") == []


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("practising", "practicing"),
        ("Practise", "Practice"),
        ("practises practised", "practices practiced"),
        ("organise organisation", "organize organization"),
        ("colour behaviour", "color behavior"),
        ("centre theatres", "center theaters"),
        ("programme programmes", "program programs"),
        ("practical promise", "practical promise"),
        ("", ""),
    ],
)
async def test_spelling_folding(written: str, folded: str, session: AsyncSession) -> None:
    result = (
        await session.exec(text("SELECT cop_spelling(:t)").bindparams(t=written))  # type: ignore[call-overload]
    ).one()[0]
    assert result == folded


def test_safe_snippet_escapes_everything_but_its_own_marks() -> None:
    raw = "\x01Dose\x02 <script>alert('x')</script> & <img src=x onerror=alert(1)> \"q\""
    assert safe_snippet(raw) == (
        "<mark>Dose</mark> &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; "
        "&lt;img src=x onerror=alert(1)&gt; &quot;q&quot;"
    )


async def test_members_cannot_archive_others_but_brokers_can(session: AsyncSession) -> None:
    domain, _, alice, bob = await world(session)
    broker = await make_person(session)
    await add_member(session, domain, broker, roles=[Role.member, Role.knowledge_broker])
    story = await make_contribution(session, alice, domain)
    await refused(
        session, contributions.archive_contribution(session, actor_of(bob), story.id), Forbidden
    )
    archived = await contributions.archive_contribution(session, actor_of(broker), story.id)
    assert archived.status == ContributionStatus.archived
    count = (
        await session.exec(
            select(func.count()).where(col(Contribution.status) == ContributionStatus.archived)
        )
    ).one()
    assert count == 1
