import uuid

from fastapi import APIRouter, Request, Response, status

from app.deps import ActorDep, CurrentActor, IfMatchDep, PageDep, SessionDep, locate, page_out
from app.etags import with_etag
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.contributions import (
    CollectionCreate,
    CollectionItemInput,
    CollectionPublic,
    CollectionUpdate,
    ContributionPublic,
)
from app.openapi import CREATED
from app.routers.domains import SlugPath
from app.services.actors import Actor
from app.services.contributions import curation

router = APIRouter(prefix="/api/v1", tags=["curation"], route_class=JSONRoute)


@router.put(
    "/contributions/{contribution_id}/curation",
    operation_id="curateContribution",
    response_model=ContributionPublic,
    summary="Mark as curated: a practice worth keeping (knowledge brokers, convenors)",
)
async def curate(
    contribution_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> ContributionPublic:
    """Marks a published contribution as curated: a practice worth keeping (knowledge
    brokers and convenors of its domain)."""
    found = await curation.set_curated(session, actor, contribution_id, True, if_match)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.delete(
    "/contributions/{contribution_id}/curation",
    operation_id="uncurateContribution",
    response_model=ContributionPublic,
    summary="Remove the curated mark",
)
async def uncurate(
    contribution_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> ContributionPublic:
    """Removes the curated mark (knowledge brokers and convenors of its domain)."""
    found = await curation.set_curated(session, actor, contribution_id, False, if_match)
    return with_etag(response, ContributionPublic.model_validate(found))


@router.post(
    "/domains/{slug}/collections",
    status_code=status.HTTP_201_CREATED,
    response_model=CollectionPublic,
    responses={201: CREATED},
    summary="Start a collection (knowledge brokers, convenors)",
)
async def create_collection(
    slug: SlugPath,
    data: CollectionCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> CollectionPublic:
    """Starts an ordered collection of contributions in the domain (knowledge brokers and
    convenors)."""
    created = await curation.create_collection(session, actor, slug, data)
    locate(request, response, "get_collection", collection_id=created.id)
    return with_etag(response, curation.collection_public(created, []))


@router.get(
    "/domains/{slug}/collections",
    response_model=Page[CollectionPublic],
    summary="A domain's collections, with their items in order",
)
async def list_collections(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
    page: PageDep,
) -> Page[CollectionPublic]:
    """The domain's collections, each with its items in order; hidden or archived
    contributions show only to moderators."""
    result = await curation.list_collections(session, actor, slug, page)
    items = await curation.items_of(session, [c.id for c in result.items])
    return page_out(result, request, response, lambda c: curation.collection_public(c, items[c.id]))


@router.get("/collections/{collection_id}", response_model=CollectionPublic, summary="A collection")
async def get_collection(
    collection_id: uuid.UUID, response: Response, session: SessionDep, actor: ActorDep
) -> CollectionPublic:
    """One collection with its items in order."""
    return await _shown(response, session, actor, collection_id)


async def _shown(
    response: Response, session: SessionDep, actor: Actor, collection_id: uuid.UUID
) -> CollectionPublic:
    found = await curation.get_collection(session, actor, collection_id)
    return with_etag(response, curation.collection_public(*found))


@router.patch(
    "/collections/{collection_id}", response_model=CollectionPublic, summary="Rename or describe"
)
async def update_collection(
    collection_id: uuid.UUID,
    data: CollectionUpdate,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> CollectionPublic:
    """Renames a collection or changes its description (knowledge brokers and convenors)."""
    await curation.update_collection(session, actor, collection_id, data, if_match)
    return await _shown(response, session, actor, collection_id)


@router.delete(
    "/collections/{collection_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a collection (its contributions stay)",
)
async def delete_collection(
    collection_id: uuid.UUID, session: SessionDep, actor: CurrentActor, if_match: IfMatchDep
) -> None:
    """Deletes a collection; its contributions stay where they are."""
    await curation.delete_collection(session, actor, collection_id, if_match)


@router.put(
    "/collections/{collection_id}/items",
    operation_id="putCollectionItem",
    response_model=CollectionPublic,
    summary="Add a contribution to a collection, or move it, or change its note",
)
async def put_item(
    collection_id: uuid.UUID,
    data: CollectionItemInput,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> CollectionPublic:
    """Adds a contribution of the same domain at `position`, or moves it there, or changes
    its note (knowledge brokers and convenors). Returns the collection."""
    await curation.put_item(session, actor, collection_id, data, if_match)
    return await _shown(response, session, actor, collection_id)


@router.delete(
    "/collections/{collection_id}/items/{contribution_id}",
    operation_id="removeCollectionItem",
    response_model=CollectionPublic,
    summary="Take a contribution out of a collection",
)
async def remove_item(
    collection_id: uuid.UUID,
    contribution_id: uuid.UUID,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    if_match: IfMatchDep,
) -> CollectionPublic:
    """Takes a contribution out of the collection (it is not deleted). Returns the
    collection."""
    await curation.remove_item(session, actor, collection_id, contribution_id, if_match)
    return await _shown(response, session, actor, collection_id)
