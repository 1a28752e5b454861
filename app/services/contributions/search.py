"""Full-text search over contributions with PostgreSQL: a stored tsvector (English
stemming, title and tags weighted above the body), a GIN index, ranked results and
highlighted snippets. Only what the caller may read is ever searched."""

import html
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Text, cast, func, literal
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import invalid_field
from app.models.contributions import (
    SEARCH_VECTOR,
    Contribution,
    ContributionKind,
    ContributionStatus,
)
from app.models.domains import Domain
from app.services.access import domain_access, visible_domains
from app.services.actors import Actor
from app.services.contributions.listing import search_query
from app.services.pagination import Page, PageParams, SortKey, paginate_keys
from app.services.validation import bounded

_START, _STOP = "\x01", "\x02"
_HEADLINE = f"StartSel={_START}, StopSel={_STOP}, MaxWords=35, MinWords=12, MaxFragments=2"


@dataclass
class Hit:
    contribution: Contribution
    rank: float
    snippet_html: str


def safe_snippet(raw: str) -> str:
    """Escape everything, then turn only our own markers into <mark>: a body holding
    `<script>` comes back as text, never as markup."""
    escaped = html.escape(raw, quote=True)
    return escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")


QUERY_MAX_LENGTH = 500


def _query(q: str | None) -> str:
    bounded(q, "q", QUERY_MAX_LENGTH)
    if q is None or not q.strip():
        raise invalid_field("q", "Give something to search for.", "missing")
    return q.strip()


async def search_contributions(
    session: AsyncSession,
    actor: Actor,
    q: str | None,
    params: PageParams,
    *,
    domain_slug: str | None = None,
    kind: ContributionKind | None = None,
) -> Page[Hit]:
    tsquery = search_query(_query(q))
    vector = SEARCH_VECTOR
    rank = cast(func.ts_rank_cd(vector, tsquery), Float).label("rank")
    # Highlighting works on the spelling-folded text, so "practising" lights up for
    # "practice"; the snippet shows the folded spelling.
    # Our markers are taken out of the text first, so only our own matches become <mark>.
    document = func.translate(
        func.cop_spelling(
            func.coalesce(col(Contribution.title), "") + literal(" — ") + col(Contribution.body)
        ),
        literal(_START + _STOP, Text),
        literal("", Text),
    )
    snippet = func.ts_headline(
        literal("english").cast(REGCONFIG), document, tsquery, literal(_HEADLINE, Text)
    ).label("snippet")
    readable_domains = select(Domain.id).where(
        visible_domains(actor), col(Domain.archived_at).is_(None)
    )
    stmt: Any = select(Contribution, rank, snippet).where(
        vector.op("@@")(tsquery),
        col(Contribution.status) == ContributionStatus.published,
        col(Contribution.hidden_at).is_(None),
        col(Contribution.domain_id).in_(readable_domains),
    )
    if domain_slug:
        access = await domain_access(session, actor, domain_slug)
        stmt = stmt.where(col(Contribution.domain_id) == access.domain.id)
    if kind:
        stmt = stmt.where(col(Contribution.kind) == kind)
    keys = [SortKey(rank, "float"), SortKey(col(Contribution.id), "uuid")]
    return await paginate_keys(
        session,
        stmt,
        keys,
        params,
        descending=True,
        values_of=lambda r: [r[1], r[0].id],
        item_of=lambda r: Hit(contribution=r[0], rank=r[1], snippet_html=safe_snippet(r[2])),
    )


async def search_tags(
    session: AsyncSession, actor: Actor, q: str | None, limit: int = 20
) -> list[tuple[str, int]]:
    """Tags in use in the domains the caller may read, most used first."""
    needle = _query(q).lower()
    tag = func.unnest(col(Contribution.tags)).label("tag")
    inner = (
        select(tag)
        .where(
            col(Contribution.status) == ContributionStatus.published,
            col(Contribution.hidden_at).is_(None),
            col(Contribution.domain_id).in_(
                select(Domain.id).where(visible_domains(actor), col(Domain.archived_at).is_(None))
            ),
        )
        .subquery()
    )
    stmt = (
        select(inner.c.tag, func.count())
        .where(inner.c.tag.icontains(needle, autoescape=True))
        .group_by(inner.c.tag)
        .order_by(func.count().desc(), inner.c.tag)
        .limit(limit)
    )
    return [(t, n) for t, n in await session.exec(stmt)]
