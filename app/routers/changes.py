import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StringConstraints

from app.deps import CurrentActor, SessionDep
from app.json_body import JSONRoute
from app.services.changes import service as changes

router = APIRouter(prefix="/api/v1/changes", tags=["changes"], route_class=JSONRoute)


class ChangePublic(BaseModel):
    cursor: str = Field(description="Resume after this change")
    event: str = Field(description="The event type, e.g. membership.joined")
    type: str = Field(description="The resource type, e.g. membership")
    id: uuid.UUID = Field(description="The resource's id")
    domain_id: uuid.UUID | None
    changed_at: datetime
    tombstone: bool = Field(
        description="The resource is gone from what you may keep: deleted, archived, or "
        "hidden from you by moderators. Webhook deliveries say the same in `resource.tombstone`."
    )
    deleted_at: datetime | None = Field(
        description="Set on tombstones (when the resource went); null otherwise"
    )
    data: dict[str, Any] | None = Field(
        description="The resource as the REST API showed it after this change; on a tombstone "
        "its last state (as a webhook delivery's `data` has it), or null if moderators hid it "
        "from you"
    )


class ChangeFeed(BaseModel):
    items: list[ChangePublic]
    next_cursor: str = Field(description="Pass as since_cursor; returned even when empty")
    has_more: bool


@router.get("", response_model=ChangeFeed, summary="Changes since a cursor, removals included")
async def list_changes(
    session: SessionDep,
    actor: CurrentActor,
    since_cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous call")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=changes.MAX_LIMIT)] = 100,
    domain: Annotated[str | None, Query(max_length=64, description="Only this domain")] = None,
    types: Annotated[
        list[Annotated[str, StringConstraints(max_length=40)]] | None,
        Query(max_length=20, description="Only these resource types (repeatable)"),
    ] = None,
) -> ChangeFeed:
    """Every change to what you may read since `since_cursor` (from the start without it),
    oldest first, removals as tombstones: for keeping a copy in step. Pass `next_cursor`
    back; `has_more` says whether to call again at once."""
    page = await changes.list_changes(
        session, actor, since_cursor=since_cursor, limit=limit, domain_slug=domain, types=types
    )
    return ChangeFeed(
        items=[ChangePublic(**vars(c)) for c in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )
