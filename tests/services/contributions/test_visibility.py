"""Who reads a contribution, on the service: a draft is its author's alone, hidden content
is for moderators, and an archived contribution no longer changes."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Invalid, NotFound
from app.models.contributions import ContributionFilter, ContributionStatus, ContributionUpdate
from app.services.contributions import listing, moderation
from app.services.contributions import service as contributions
from app.services.pagination import PageParams
from tests.factories import actor_of, add_member, make_contribution, make_domain, make_person
from tests.support import refused

PAGE = PageParams(limit=100)


async def test_a_draft_is_read_by_its_author_only(session: AsyncSession) -> None:
    convenor = await make_person(session)
    author, member = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, author)
    await add_member(session, domain, member)
    draft = await make_contribution(session, author, domain, status="draft")
    drafts = ContributionFilter(status=ContributionStatus.draft)
    assert (
        await contributions.get_contribution(session, actor_of(author), draft.id)
    ).id == draft.id
    mine = await listing.list_contributions(session, actor_of(author), domain.slug, PAGE, drafts)
    assert [c.id for c in mine.items] == [draft.id]
    for other in (member, convenor):
        await refused(
            session, contributions.get_contribution(session, actor_of(other), draft.id), NotFound
        )
        theirs = await listing.list_contributions(
            session, actor_of(other), domain.slug, PAGE, drafts
        )
        assert theirs.items == []
    reply = await refused(
        session,
        make_contribution(session, member, domain, kind="reply", parent_id=draft.id),
        Invalid,
    )
    assert [e.code for e in reply.errors] == ["not_found"]


async def test_hidden_content_is_read_by_moderators_only(session: AsyncSession) -> None:
    convenor = await make_person(session)
    member = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, member)
    story = await make_contribution(session, member, domain)
    await moderation.set_hidden(session, actor_of(convenor), story.id, True, "off topic")
    await refused(
        session, contributions.get_contribution(session, actor_of(member), story.id), NotFound
    )
    seen = await contributions.get_contribution(session, actor_of(convenor), story.id)
    assert seen.hidden_at is not None
    listed = await listing.list_contributions(session, actor_of(member), domain.slug, PAGE)
    assert listed.items == []
    await moderation.set_hidden(session, actor_of(convenor), story.id, False, "")
    back = await contributions.get_contribution(session, actor_of(member), story.id)
    assert back.hidden_at is None


async def test_an_archived_contribution_no_longer_changes(session: AsyncSession) -> None:
    convenor = await make_person(session)
    author = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, author)
    story = await make_contribution(session, author, domain)
    archived = await contributions.archive_contribution(session, actor_of(author), story.id)
    assert archived.status == ContributionStatus.archived
    await refused(
        session,
        contributions.update_contribution(
            session, actor_of(author), story.id, ContributionUpdate(body="changed")
        ),
        Conflict,
    )
    await refused(
        session,
        make_contribution(session, convenor, domain, kind="reply", parent_id=story.id),
        Conflict,
    )
    read = await contributions.get_contribution(session, actor_of(convenor), story.id)
    assert (read.status, read.body) == (ContributionStatus.archived, story.body)
