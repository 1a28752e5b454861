import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Request, Response, status

from app.deps import CurrentActor, SessionDep, locate
from app.json_body import JSONRoute
from app.models.domains import DomainPublic
from app.models.imports import DomainImported, ImportReport
from app.models.memberships import Role
from app.openapi import CREATED
from app.routers.domains import SlugPath
from app.services import exports
from app.services.imports import files as import_files
from app.services.imports import jobs as import_jobs

router = APIRouter(prefix="/api/v1", tags=["import and export"], route_class=JSONRoute)

MEMBERS_IMPORT = "/domains/{slug}/members/import"
DOMAIN_IMPORT = "/domains/import"
# Bodies larger than other requests' (the `import_max_bytes` setting).
UPLOAD_PATHS = tuple(router.prefix + path for path in (MEMBERS_IMPORT, DOMAIN_IMPORT))

_MEMBERS_EXAMPLE_CSV = (
    "email,display_name,roles,external_id\n"
    "ada@example.org,Ada Lovelace,member;core,lms-1001\n"
    "grace@example.org,Grace Hopper,member,lms-1002\n"
)
_MEMBERS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string", "maxLength": import_files.MAX_BYTES},
                "example": _MEMBERS_EXAMPLE_CSV,
            },
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": import_files.MAX_ROWS,
                    "items": {
                        "type": "object",
                        "required": ["email", "display_name"],
                        "properties": {
                            "email": {"type": "string", "format": "email", "maxLength": 254},
                            "display_name": {"type": "string", "maxLength": 120},
                            "roles": {
                                "oneOf": [
                                    {
                                        "type": "array",
                                        "maxItems": len(Role),
                                        "items": {"type": "string", "enum": list(Role)},
                                    },
                                    {"type": "string", "description": "e.g. member;core"},
                                ]
                            },
                            "external_id": {"type": "string", "maxLength": 255},
                        },
                    },
                },
                "example": [
                    {
                        "email": "ada@example.org",
                        "display_name": "Ada Lovelace",
                        "roles": ["member", "core"],
                        "external_id": "lms-1001",
                    }
                ],
            },
        },
    }
}


@router.post(
    MEMBERS_IMPORT,
    response_model=ImportReport,
    summary="Import members from CSV or JSON: invitations (convenors) or members (admins); "
    "large files become a job",
    openapi_extra=_MEMBERS_BODY,
    responses={
        202: {
            "model": ImportReport,
            "description": "A job started; poll it at `Location`.",
            **CREATED,
        }
    },
)
async def import_members(
    slug: SlugPath,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    atomic: Annotated[
        bool, Query(description="Import nothing if any row is invalid (default: the valid rows)")
    ] = False,
) -> ImportReport:
    """Imports members from CSV (`email,display_name,roles,external_id`) or a JSON list. A
    convenor's import invites people; a platform admin's (or an `admin` key's) makes them
    members at once. Small files answer the report at once (200); large ones start a job
    (202, `Location` says where to poll). With `atomic=true` nothing is imported if any
    row is invalid."""
    report, started = await import_jobs.submit(
        session,
        request.app.state.sessionmaker,
        request.app.state.jobs,
        actor,
        slug,
        await request.body(),
        request.headers.get("content-type"),
        atomic=atomic,
    )
    if started:
        response.status_code = status.HTTP_202_ACCEPTED
        locate(request, response, "get_job", job_id=report.id)
    return report


@router.get("/jobs/{job_id}", response_model=ImportReport, summary="An import job's progress")
async def get_job(job_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ImportReport:
    """An import job's progress and, once finished, its report (your own jobs; convenors see
    their domains', admins every job)."""
    return await import_jobs.get_report(session, actor, job_id)


@router.get(
    "/domains/{slug}/export",
    summary="The whole domain as one JSON document (convenors and admins)",
    responses={
        200: {
            "description": "The export, as a file to save",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "The export document; `POST /api/v1/domains/import` "
                        "reads it.",
                    }
                }
            },
            "headers": {
                "Content-Disposition": {
                    "description": '`attachment; filename="<slug>.cop-domain.json"`',
                    "schema": {"type": "string"},
                }
            },
        }
    },
)
async def export_domain(slug: SlugPath, session: SessionDep, actor: CurrentActor) -> Response:
    """The whole domain as one JSON document: its charter, people, members with their
    history, gatherings with RSVPs and attendance, contributions with revisions,
    endorsements and moderation, collections, value stories and reports; no drafts. A
    platform admin's export restores with `POST /api/v1/domains/import`; a convenor's
    leaves out emails and external ids."""
    document = await exports.export_domain(session, actor, slug)
    return Response(
        orjson.dumps(document),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{slug}.cop-domain.json"'},
    )


@router.post(
    DOMAIN_IMPORT,
    status_code=status.HTTP_201_CREATED,
    response_model=DomainImported,
    responses={201: CREATED},
    summary="Restore a domain export as a new domain (platform admins)",
)
async def import_domain(
    document: Annotated[dict[str, Any], Body(description="A document from the export.")],
    request: Request,
    response: Response,
    session: SessionDep,
    actor: CurrentActor,
    slug: Annotated[
        str | None, Query(max_length=64, description="The new domain's slug (default: the old)")
    ] = None,
) -> DomainImported:
    """Restores an export as a new domain, under `slug` or the old one (platform admins).
    People are matched by email; missing ones are created unclaimed."""
    restored = await exports.import_domain(session, actor, document, slug=slug)
    locate(request, response, "get_domain", slug=restored.domain.slug)
    return DomainImported(
        domain=DomainPublic.model_validate(restored.domain),
        counts=restored.counts,
        people_matched=restored.people_matched,
        people_created=restored.people_created,
    )
