import uuid

from fastapi import APIRouter, Request, Response, status

from app.deps import CurrentActor, PageDep, SessionDep, locate, page_out
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.people import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, ApiKeyUpdate
from app.openapi import CREATED
from app.services.people import api_keys

router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"], route_class=JSONRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses={201: CREATED},
    summary="Create an API key (platform admins); the key is shown once",
)
async def create_api_key(
    data: ApiKeyCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
) -> ApiKeyCreated:
    """Creates a service account key with scopes (`read`, `write`, `admin`) and an optional
    own rate limit (platform admins). The key is shown only in this response."""
    key, secret = await api_keys.create_api_key(session, actor, data)
    locate(request, response, "revoke_api_key", key_id=key.id)
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), key=secret)


@router.get("", response_model=Page[ApiKeyPublic], summary="List API keys (platform admins)")
async def list_api_keys(
    request: Request, response: Response, session: SessionDep, actor: CurrentActor, page: PageDep
) -> Page[ApiKeyPublic]:
    """Every API key, revoked ones included, without their secrets (platform admins)."""
    result = await api_keys.list_api_keys(session, actor, page)
    return page_out(result, request, response, ApiKeyPublic.model_validate)


@router.patch(
    "/{key_id}",
    response_model=ApiKeyPublic,
    summary="Change an API key's own rate limit (platform admins)",
)
async def update_api_key(
    key_id: uuid.UUID, data: ApiKeyUpdate, session: SessionDep, actor: CurrentActor
) -> ApiKeyPublic:
    """Sets an API key's own requests-a-minute limit, or `null` for the default (platform
    admins)."""
    return ApiKeyPublic.model_validate(await api_keys.update_api_key(session, actor, key_id, data))


@router.delete("/{key_id}", response_model=ApiKeyPublic, summary="Revoke an API key")
async def revoke_api_key(
    key_id: uuid.UUID, session: SessionDep, actor: CurrentActor
) -> ApiKeyPublic:
    """Revokes an API key: requests with it get 401 from then on (platform admins)."""
    return ApiKeyPublic.model_validate(await api_keys.revoke_api_key(session, actor, key_id))
