"""Curation by knowledge brokers and convenors: marking contributions as worth keeping,
and ordering them into collections (the community's map of "where things are")."""

import uuid
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, Forbidden, NotFound, invalid_field
from app.models.base import utcnow
from app.models.contributions import (
    Collection,
    CollectionCreate,
    CollectionItem,
    CollectionItemInput,
    CollectionItemPublic,
    CollectionPublic,
    CollectionUpdate,
    Contribution,
    ContributionStatus,
    ModerationAction,
    ModerationEvent,
)
from app.models.domains import Domain
from app.services.access import (
    DomainAccess,
    domain_access,
    is_curator,
    is_moderator,
    may_read_contribution,
)
from app.services.actors import Actor
from app.services.changes import events
from app.services.contributions.events import contribution_changed, dump
from app.services.contributions.service import load_contribution
from app.services.pagination import Page, PageParams, paginate
from app.services.validation import refuse_nulls
from app.services.versions import Expected, check_version


def _require_curator(access: DomainAccess) -> None:
    access.require_writable()
    if not is_curator(access):
        raise Forbidden("Knowledge brokers and convenors curate.")


async def set_curated(
    session: AsyncSession,
    actor: Actor,
    contribution_id: uuid.UUID,
    curated: bool,
    expected_version: Expected = None,
) -> Contribution:
    contribution, access = await load_contribution(session, actor, contribution_id, lock=True)
    _require_curator(access)
    check_version(contribution, expected_version, "contribution")
    if curated and contribution.status != ContributionStatus.published:
        raise Conflict("Only published contributions are curated.", problem="not-published")
    if (contribution.curated_at is not None) != curated:
        before = dump(contribution)
        contribution.curated_at = utcnow() if curated else None
        contribution.curated_by_id = actor.person_id if curated else None
        contribution.updated_at = utcnow()
        session.add(contribution)
        session.add(
            ModerationEvent(
                contribution_id=contribution.id,
                actor_id=actor.person_id,
                action=ModerationAction.curated if curated else ModerationAction.uncurated,
            )
        )
        await contribution_changed(
            session, actor, "contribution.curated", contribution, before=before
        )
        await session.commit()
    return contribution


async def create_collection(
    session: AsyncSession, actor: Actor, slug: str, data: CollectionCreate
) -> Collection:
    access = await domain_access(session, actor, slug)
    _require_curator(access)
    collection = Collection(
        **data.model_dump(), domain_id=access.domain.id, created_by_id=actor.person_id
    )
    session.add(collection)
    await _audit(session, actor, collection, "collection.created")
    await session.commit()
    return collection


async def list_collections(
    session: AsyncSession, actor: Actor, slug: str, params: PageParams
) -> Page[Collection]:
    access = await domain_access(session, actor, slug)
    stmt = select(Collection).where(col(Collection.domain_id) == access.domain.id)
    return await paginate(
        session,
        stmt,
        created_col=col(Collection.created_at),
        id_col=col(Collection.id),
        params=params,
    )


async def load_collection(
    session: AsyncSession, actor: Actor, collection_id: uuid.UUID, *, lock: bool = False
) -> tuple[Collection, DomainAccess]:
    collection = await session.get(
        Collection, collection_id, with_for_update=lock, populate_existing=lock
    )
    if collection is None:
        raise NotFound("No such collection.")
    domain = await session.get(Domain, collection.domain_id)
    assert domain is not None
    try:
        return collection, await domain_access(session, actor, domain.slug)
    except NotFound as exc:
        raise NotFound("No such collection.") from exc


async def items_of(
    session: AsyncSession, collection_ids: list[uuid.UUID], *, moderator: bool = False
) -> dict[uuid.UUID, list[CollectionItem]]:
    """Items in order, for many collections at once; hidden or archived contributions
    drop out for everyone but moderators."""
    stmt: Any = (
        select(CollectionItem)
        .join(Contribution, col(Contribution.id) == col(CollectionItem.contribution_id))
        .where(col(CollectionItem.collection_id).in_(collection_ids))
        .order_by(col(CollectionItem.collection_id), col(CollectionItem.position))
    )
    if not moderator:
        stmt = stmt.where(
            col(Contribution.hidden_at).is_(None),
            col(Contribution.status) == ContributionStatus.published,
        )
    grouped: dict[uuid.UUID, list[CollectionItem]] = {i: [] for i in collection_ids}
    for item in await session.exec(stmt):
        grouped[item.collection_id].append(item)
    return grouped


async def get_collection(
    session: AsyncSession, actor: Actor, collection_id: uuid.UUID
) -> tuple[Collection, list[CollectionItem]]:
    collection, access = await load_collection(session, actor, collection_id)
    items = await items_of(session, [collection.id], moderator=is_moderator(access))
    return collection, items[collection.id]


async def update_collection(
    session: AsyncSession,
    actor: Actor,
    collection_id: uuid.UUID,
    data: CollectionUpdate,
    expected_version: Expected = None,
) -> Collection:
    collection, access = await load_collection(session, actor, collection_id, lock=True)
    _require_curator(access)
    check_version(collection, expected_version, "collection")
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes)
    for field, value in changes.items():
        setattr(collection, field, value)
    collection.updated_at = utcnow()
    session.add(collection)
    await _audit(session, actor, collection, "collection.updated")
    await session.commit()
    return collection


async def delete_collection(
    session: AsyncSession,
    actor: Actor,
    collection_id: uuid.UUID,
    expected_version: Expected = None,
) -> None:
    """A collection is an arrangement, not content: deleting it loses no contribution."""
    collection, access = await load_collection(session, actor, collection_id, lock=True)
    _require_curator(access)
    check_version(collection, expected_version, "collection")
    await session.delete(collection)
    await _audit(session, actor, collection, "collection.deleted")
    await session.commit()


async def put_item(
    session: AsyncSession,
    actor: Actor,
    collection_id: uuid.UUID,
    data: CollectionItemInput,
    expected_version: Expected = None,
) -> CollectionItem:
    """Add a contribution (or move it, or change its note) at `position`."""
    collection, access = await load_collection(session, actor, collection_id, lock=True)
    _require_curator(access)
    check_version(collection, expected_version, "collection")
    contribution = await session.get(Contribution, data.contribution_id)
    if (
        contribution is None
        or contribution.domain_id != collection.domain_id
        or not may_read_contribution(contribution, access)
    ):
        raise invalid_field("contribution_id", "no such contribution in this domain", "not_found")
    items = list(
        await session.exec(
            select(CollectionItem)
            .where(col(CollectionItem.collection_id) == collection.id)
            .order_by(col(CollectionItem.position))
        )
    )
    item = next((i for i in items if i.contribution_id == contribution.id), None)
    others = [i for i in items if i is not item]
    if item is None:
        if contribution.status != ContributionStatus.published or contribution.hidden_at:
            raise invalid_field(
                "contribution_id", "only published contributions join a collection", "not_published"
            )
        item = CollectionItem(
            collection_id=collection.id, contribution_id=contribution.id, position=0
        )
    if "note" in data.model_fields_set:
        item.note = data.note
    position = len(others) if data.position is None else min(data.position, len(others))
    others.insert(position, item)
    # Positions are rewritten 0..n-1; a temporary offset avoids clashes while moving.
    await session.exec(
        update(CollectionItem)
        .where(col(CollectionItem.collection_id) == collection.id)
        .values(position=CollectionItem.position + 100_000)
    )
    for index, entry in enumerate(others):
        entry.position = index
        session.add(entry)
    collection.updated_at = utcnow()
    session.add(collection)
    await _audit(session, actor, collection, "collection.item_put")
    await session.commit()
    return item


async def remove_item(
    session: AsyncSession,
    actor: Actor,
    collection_id: uuid.UUID,
    contribution_id: uuid.UUID,
    expected_version: Expected = None,
) -> None:
    collection, access = await load_collection(session, actor, collection_id, lock=True)
    _require_curator(access)
    check_version(collection, expected_version, "collection")
    items = list(
        await session.exec(
            select(CollectionItem)
            .where(col(CollectionItem.collection_id) == collection.id)
            .order_by(col(CollectionItem.position))
        )
    )
    item = next((i for i in items if i.contribution_id == contribution_id), None)
    if item is None:
        raise NotFound("This contribution is not in the collection.")
    await session.delete(item)
    for index, entry in enumerate(i for i in items if i is not item):
        entry.position = index
        session.add(entry)
    collection.updated_at = utcnow()  # its items are part of it: a new version
    session.add(collection)
    await _audit(session, actor, collection, "collection.item_removed")
    await session.commit()


async def count_items(session: AsyncSession, collection_id: uuid.UUID) -> int:
    return (
        await session.exec(
            select(func.count()).where(col(CollectionItem.collection_id) == collection_id)
        )
    ).one()


def collection_public(collection: Collection, items: list[CollectionItem]) -> CollectionPublic:
    """A collection and its items as the API shows them."""
    return CollectionPublic(
        id=collection.id,
        domain_id=collection.domain_id,
        title=collection.title,
        description=collection.description,
        created_by_id=collection.created_by_id,
        created_at=collection.created_at,
        updated_at=collection.updated_at,
        version=collection.version,
        items=[CollectionItemPublic.model_validate(i) for i in items],
    )


async def _audit(session: AsyncSession, actor: Actor, collection: Collection, action: str) -> None:
    await events.audit(
        session,
        actor,
        action,
        resource_type="collection",
        resource_id=collection.id,
        domain_id=collection.domain_id,
    )
