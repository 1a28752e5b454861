import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from app.deps import CurrentActor, PageDep, SessionDep, page_out
from app.json_body import JSONRoute
from app.models.common import Page
from app.models.events import AuditEntryPublic
from app.services.audit import service as audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], route_class=JSONRoute)


@router.get(
    "",
    operation_id="listAuditEntries",
    response_model=Page[AuditEntryPublic],
    summary="Who changed what, oldest first (convenors: their domains; admins: all)",
)
async def list_audit(
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    page: PageDep,
    domain: Annotated[str | None, Query(max_length=64, description="A domain's slug")] = None,
    actor_id: Annotated[
        uuid.UUID | None, Query(alias="actor", description="A person's or API key's id")
    ] = None,
    since: Annotated[AwareDatetime | None, Query(description="At or after this time")] = None,
    resource_type: Annotated[str | None, Query(max_length=32)] = None,
    resource_id: uuid.UUID | None = None,
) -> Page[AuditEntryPublic]:
    """The audit log: who changed what and when, from which request, oldest first
    (convenors: their domains; platform admins and `write` keys: all)."""
    result = await audit.list_audit(
        session,
        actor,
        page,
        domain_slug=domain,
        actor_id=actor_id,
        since=since,
        resource_type=resource_type,
        resource_id=resource_id,
    )
    return page_out(result, request, response, AuditEntryPublic.model_validate)
