"""Many objects by id at once, each shown under the rule of its own single lookup.

GraphQL's `node` and `nodes` refetch any object by its global id; these are their
batches, one per kind. Each returns the objects the caller may see, keyed by id; an id
missing from the answer is, to the caller, an object that does not exist, whether it
never did or is hidden from them, so a private domain's objects leak nothing, not even
their existence. A refusal that concerns the caller rather than the object (no
credentials at all where the single lookup wants some) is raised, as it is there."""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import (
    Collection,
    CollectionItem,
    Contribution,
    Endorsement,
    Report,
    ValueStory,
)
from app.models.domains import Domain
from app.models.gatherings import FeedToken
from app.models.memberships import Membership
from app.models.people import ApiKey, Person
from app.services.access import domain_accesses, is_moderator, membership_visible, reads_moderation
from app.services.actors import Actor
from app.services.contributions.batches import contributions_by_ids
from app.services.contributions.curation import items_of
from app.services.gatherings.batches import readable_gatherings
from app.services.gatherings.public import GatheringView, views_for
from app.services.people.service import people_by_ids

Ids = list[uuid.UUID]


async def people(session: AsyncSession, actor: Actor, ids: Ids) -> dict[uuid.UUID, Person]:
    """As `people.get_person`: signed-in callers, the people they share a domain with."""
    actor.require_authenticated()
    return await people_by_ids(session, actor, ids)


async def domains(session: AsyncSession, actor: Actor, ids: Ids) -> dict[uuid.UUID, Domain]:
    """As `domains.get_domain`: the domains whose card the caller may see."""
    accesses = await domain_accesses(session, actor, ids)
    return {i: a.domain for i, a in accesses.items() if a.can_see_card}


async def memberships(session: AsyncSession, actor: Actor, ids: Ids) -> dict[uuid.UUID, Membership]:
    """As `memberships.get_membership`."""
    found = list(await session.exec(select(Membership).where(col(Membership.id).in_(ids))))
    accesses = await domain_accesses(session, actor, list({m.domain_id for m in found}))
    return {
        m.id: m
        for m in found
        if m.domain_id in accesses and membership_visible(accesses[m.domain_id], m)
    }


async def gatherings(
    session: AsyncSession, actor: Actor, ids: Ids
) -> dict[uuid.UUID, GatheringView]:
    """As `public.get_gathering`: occurrences in domains whose content the caller reads."""
    readable = await readable_gatherings(session, actor, ids)
    views = await views_for(session, actor, [g for g, _ in readable.values()])
    return {v.gathering.id: v for v in views}


async def contributions(
    session: AsyncSession, actor: Actor, ids: Ids
) -> dict[uuid.UUID, Contribution]:
    """As `contributions.get_contribution`: drafts for their author, hidden ones for
    moderators, in domains whose content the caller reads."""
    return await contributions_by_ids(session, actor, ids)


async def endorsements(
    session: AsyncSession, actor: Actor, ids: Ids
) -> dict[uuid.UUID, Endorsement]:
    """As `endorsements.list_endorsements`: those of contributions the caller may read."""
    found = list(await session.exec(select(Endorsement).where(col(Endorsement.id).in_(ids))))
    shown = await contributions_by_ids(session, actor, list({e.contribution_id for e in found}))
    return {e.id: e for e in found if e.contribution_id in shown}


async def value_stories(
    session: AsyncSession, actor: Actor, ids: Ids
) -> dict[uuid.UUID, ValueStory]:
    """As `endorsements.list_value_stories`: in domains whose content the caller reads."""
    found = list(await session.exec(select(ValueStory).where(col(ValueStory.id).in_(ids))))
    accesses = await domain_accesses(session, actor, list({v.domain_id for v in found}))
    return {
        v.id: v for v in found if v.domain_id in accesses and accesses[v.domain_id].can_read_content
    }


@dataclass(frozen=True)
class CollectionWithItems:
    collection: Collection
    items: list[CollectionItem]


async def collections(
    session: AsyncSession, actor: Actor, ids: Ids
) -> dict[uuid.UUID, CollectionWithItems]:
    """As `curation.get_collection`, items included: those whose contribution is hidden
    or archived only for the domain's managers."""
    found = list(await session.exec(select(Collection).where(col(Collection.id).in_(ids))))
    accesses = await domain_accesses(session, actor, list({c.domain_id for c in found}))
    shown = [c for c in found if c.domain_id in accesses and accesses[c.domain_id].can_read_content]
    by_depth: dict[bool, list[uuid.UUID]] = defaultdict(list)
    for c in shown:
        by_depth[is_moderator(accesses[c.domain_id])].append(c.id)
    items: dict[uuid.UUID, list[CollectionItem]] = {}
    for moderator, collection_ids in by_depth.items():
        items.update(await items_of(session, collection_ids, moderator=moderator))
    return {c.id: CollectionWithItems(c, items[c.id]) for c in shown}


async def reports(session: AsyncSession, actor: Actor, ids: Ids) -> dict[uuid.UUID, Report]:
    """As `moderation.list_reports`: for the domain's moderators and platform readers."""
    found = list(await session.exec(select(Report).where(col(Report.id).in_(ids))))
    accesses = await domain_accesses(session, actor, list({r.domain_id for r in found}))
    return {
        r.id: r
        for r in found
        if (access := accesses.get(r.domain_id)) is not None
        and access.can_read_content
        and reads_moderation(access)
    }


async def api_keys(session: AsyncSession, actor: Actor, ids: Ids) -> dict[uuid.UUID, ApiKey]:
    """As `api_keys.list_api_keys`: platform admins only (to anyone else, none exist)."""
    actor.require_authenticated()
    if not actor.can_admin:
        return {}
    return {k.id: k for k in await session.exec(select(ApiKey).where(col(ApiKey.id).in_(ids)))}


async def feed_tokens(session: AsyncSession, actor: Actor, ids: Ids) -> dict[uuid.UUID, FeedToken]:
    """As `calendars.revoke_feed_token`: a person's own tokens, revoked ones included."""
    actor.require_authenticated()
    if actor.person_id is None:
        return {}
    rows = await session.exec(
        select(FeedToken).where(
            col(FeedToken.id).in_(ids), col(FeedToken.person_id) == actor.person_id
        )
    )
    return {t.id: t for t in rows}
