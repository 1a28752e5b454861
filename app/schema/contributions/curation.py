"""GraphQL for curation: curated marks and collections (knowledge brokers, convenors)."""

import uuid

import strawberry

from app.models.contributions import CollectionCreate, CollectionItemInput, CollectionUpdate
from app.schema.context import Info
from app.schema.contributions.inputs import (
    CollectionInput,
    CollectionItemInputType,
    CollectionUpdateInput,
)
from app.schema.contributions.types import CollectionType, ContributionType
from app.schema.descriptions import arguments, described
from app.schema.inputs import ExpectedVersion, create_data, input_data
from app.schema.relay import Connection, connection, page_params
from app.services.contributions import curation
from app.services.validation import parse


async def _collection(info: Info, collection_id: uuid.UUID) -> CollectionType:
    async with info.context.session() as session:
        found, items = await curation.get_collection(session, info.context.actor, collection_id)
    return CollectionType.from_model(curation.collection_public(found, items))


@described()
@strawberry.type
class CurationQuery:
    @arguments(id="The collection's id.")
    @strawberry.field(description="A collection you may read.")
    async def collection(self, info: Info, id: uuid.UUID) -> CollectionType | None:
        return await _collection(info, id)

    @strawberry.field(description="A domain's collections, oldest first.")
    async def collections(
        self,
        info: Info,
        slug: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CollectionType]:
        async with info.context.session() as session:
            page = await curation.list_collections(
                session, info.context.actor, slug, page_params(first, after, last, before)
            )
            items = await curation.items_of(session, [c.id for c in page.items])
        return connection(
            page, lambda c: CollectionType.from_model(curation.collection_public(c, items[c.id]))
        )


@described()
@strawberry.type
class CurationMutation:
    @arguments(id="The contribution's id.")
    @strawberry.mutation(description="Mark as curated (knowledge brokers, convenors).")
    async def curate(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await curation.set_curated(
                session, info.context.actor, id, True, expected_version
            )
        return ContributionType.from_model(found)

    @arguments(id="The contribution's id.")
    @strawberry.mutation(description="Unmark as curated (knowledge brokers, convenors).")
    async def uncurate(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> ContributionType | None:
        async with info.context.session() as session:
            found = await curation.set_curated(
                session, info.context.actor, id, False, expected_version
            )
        return ContributionType.from_model(found)

    @strawberry.mutation(description="Create a collection (knowledge brokers, convenors).")
    async def create_collection(
        self, info: Info, slug: str, input: CollectionInput
    ) -> CollectionType | None:
        data = parse(CollectionCreate, create_data(input))
        async with info.context.session() as session:
            found = await curation.create_collection(session, info.context.actor, slug, data)
        return await _collection(info, found.id)

    @arguments(id="The collection's id.")
    @strawberry.mutation(description="Change a collection (knowledge brokers, convenors).")
    async def update_collection(
        self,
        info: Info,
        id: uuid.UUID,
        input: CollectionUpdateInput,
        expected_version: ExpectedVersion = None,
    ) -> CollectionType | None:
        data = parse(CollectionUpdate, input_data(input))
        async with info.context.session() as session:
            await curation.update_collection(
                session, info.context.actor, id, data, expected_version
            )
        return await _collection(info, id)

    @arguments(id="The collection's id.")
    @strawberry.mutation(
        description="Delete a collection; its contributions stay (knowledge brokers, convenors)."
    )
    async def delete_collection(
        self, info: Info, id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> bool | None:
        async with info.context.session() as session:
            await curation.delete_collection(session, info.context.actor, id, expected_version)
        return True

    @arguments(id="The collection's id.")
    @strawberry.mutation(description="Add a contribution to a collection, move it, or re-note it.")
    async def put_collection_item(
        self,
        info: Info,
        id: uuid.UUID,
        input: CollectionItemInputType,
        expected_version: ExpectedVersion = None,
    ) -> CollectionType | None:
        data = parse(CollectionItemInput, create_data(input))
        async with info.context.session() as session:
            await curation.put_item(session, info.context.actor, id, data, expected_version)
        return await _collection(info, id)

    @arguments(id="The collection's id.", contribution_id="The contribution's id.")
    @strawberry.mutation(description="Take a contribution out of a collection.")
    async def remove_collection_item(
        self,
        info: Info,
        id: uuid.UUID,
        contribution_id: uuid.UUID,
        expected_version: ExpectedVersion = None,
    ) -> CollectionType | None:
        async with info.context.session() as session:
            await curation.remove_item(
                session, info.context.actor, id, contribution_id, expected_version
            )
        return await _collection(info, id)
