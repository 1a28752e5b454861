"""Reading contributions in bulk: a domain's list (filtered, searched and sorted), a
thread, and the appreciations naming a person. What each caller may read is the rule in
access.readable_contributions."""

import uuid
from typing import Any

from sqlalchemy import and_, func, literal, text
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import (
    SEARCH_VECTOR,
    Contribution,
    ContributionFilter,
    ContributionKind,
    ContributionSort,
    ContributionStatus,
)
from app.models.domains import Domain
from app.services.access import domain_access, is_moderator, readable_contributions, visible_domains
from app.services.actors import Actor
from app.services.contributions.service import load_contribution
from app.services.pagination import Page, PageParams, SortKey, paginate_keys
from app.services.people.service import get_person

K = ContributionKind


async def thread(
    session: AsyncSession, actor: Actor, contribution_id: uuid.UUID
) -> list[tuple[Contribution, int]]:
    """The contribution and everything below it (answers, replies), with each one's depth."""
    root, access = await load_contribution(session, actor, contribution_id)
    rows = await (await session.connection()).execute(
        text(
            """
            WITH RECURSIVE tree(id, depth, path) AS (
                SELECT id, 0, ARRAY[created_at::text || id::text] FROM contributions
                WHERE id = :root
                UNION ALL
                SELECT c.id, t.depth + 1, t.path || (c.created_at::text || c.id::text)
                FROM contributions c JOIN tree t ON c.parent_id = t.id
                WHERE t.depth < 50
            )
            SELECT id, depth FROM tree ORDER BY path
            """
        ).bindparams(root=root.id)
    )
    order = [(r[0], r[1]) for r in rows]
    found = {
        c.id: c
        for c in await session.exec(
            select(Contribution).where(
                col(Contribution.id).in_([i for i, _ in order]),
                *readable_contributions(actor, is_moderator(access)),
            )
        )
    }
    return [(found[i], depth) for i, depth in order if i in found]


def sort_keys(sort: ContributionSort) -> list[SortKey]:
    created = SortKey(col(Contribution.created_at), "time")
    ident = SortKey(col(Contribution.id), "uuid")
    if sort == ContributionSort.most_endorsed:
        total = col(Contribution.helpful_count) + col(Contribution.applied_count)
        return [SortKey(total, "int"), created, ident]
    if sort == ContributionSort.most_reused:
        return [SortKey(col(Contribution.applied_count), "int"), created, ident]
    return [created, ident]


def sort_values(sort: ContributionSort, c: Contribution) -> list[Any]:
    if sort == ContributionSort.most_endorsed:
        return [c.helpful_count + c.applied_count, c.created_at, c.id]
    if sort == ContributionSort.most_reused:
        return [c.applied_count, c.created_at, c.id]
    return [c.created_at, c.id]


def search_query(q: str) -> Any:
    """Web-search syntax: words are stemmed ("practising" finds "practice"), "quoted
    phrases" match as phrases, -word excludes, OR alternates. British and American
    spellings are folded together first (see the migration's cop_spelling)."""
    return func.websearch_to_tsquery(literal("english").cast(REGCONFIG), func.cop_spelling(q))


def filter_conditions(narrow: ContributionFilter) -> list[Any]:
    """SQL conditions for a filter; without a `status`, published contributions only."""
    found: list[Any] = [col(Contribution.status) == (narrow.status or ContributionStatus.published)]
    if narrow.kind:
        found.append(col(Contribution.kind) == narrow.kind)
    if narrow.tag:
        found.append(col(Contribution.tags).contains([narrow.tag.strip().lower()]))
    if narrow.theme:
        found.append(col(Contribution.themes).contains([narrow.theme]))
    if narrow.author_id:
        found.append(col(Contribution.author_id) == narrow.author_id)
    if narrow.gathering_id:
        found.append(col(Contribution.gathering_id) == narrow.gathering_id)
    if narrow.curated is not None:
        curated_at = col(Contribution.curated_at)
        found.append(curated_at.is_not(None) if narrow.curated else curated_at.is_(None))
    if narrow.unanswered:
        found.append(
            and_(col(Contribution.kind) == K.question, col(Contribution.first_answer_at).is_(None))
        )
    if narrow.created_after:
        found.append(col(Contribution.created_at) >= narrow.created_after)
    if narrow.created_before:
        found.append(col(Contribution.created_at) < narrow.created_before)
    if narrow.q and narrow.q.strip():
        found.append(SEARCH_VECTOR.op("@@")(search_query(narrow.q)))
    return found


async def list_contributions(
    session: AsyncSession,
    actor: Actor,
    slug: str,
    params: PageParams,
    narrow: ContributionFilter = ContributionFilter(),
    sort: ContributionSort = ContributionSort.newest,
) -> Page[Contribution]:
    access = await domain_access(session, actor, slug)
    stmt: Any = select(Contribution).where(
        col(Contribution.domain_id) == access.domain.id,
        *readable_contributions(actor, is_moderator(access)),
        *filter_conditions(narrow),
    )
    if params.updated_since is not None:
        stmt = stmt.where(col(Contribution.updated_at) >= params.updated_since)
        return await paginate_keys(
            session,
            stmt,
            [SortKey(col(Contribution.updated_at), "time"), SortKey(col(Contribution.id), "uuid")],
            params,
            descending=False,
            values_of=lambda c: [c.updated_at, c.id],
        )
    return await paginate_keys(
        session,
        stmt,
        sort_keys(sort),
        params,
        descending=True,
        values_of=lambda c: sort_values(sort, c),
    )


async def appreciations_for(
    session: AsyncSession, actor: Actor, person_id: uuid.UUID, params: PageParams
) -> Page[Contribution]:
    """Appreciations naming a person, from the domains the caller may see."""
    await get_person(session, actor, person_id)
    stmt: Any = select(Contribution).where(
        col(Contribution.kind) == K.appreciation,
        col(Contribution.recipient_ids).contains([person_id]),
        col(Contribution.status) == ContributionStatus.published,
        col(Contribution.hidden_at).is_(None),
        col(Contribution.domain_id).in_(
            select(Domain.id).where(visible_domains(actor), col(Domain.archived_at).is_(None))
        ),
    )
    keys = sort_keys(ContributionSort.newest)
    return await paginate_keys(
        session, stmt, keys, params, descending=True, values_of=lambda c: [c.created_at, c.id]
    )
