from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.errors import NotFound
from app.json_body import JSONRoute
from app.problems import CATALOGUE, problem_response

router = APIRouter(route_class=JSONRoute)


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]


@router.get(
    "/healthz",
    operation_id="getHealth",
    response_model=Alive,
    tags=["health"],
    summary="The process is alive",
)
async def healthz() -> Alive:
    """Answers as long as the process runs; touches nothing else. Not rate-limited."""
    return Alive(status="ok")


@router.get(
    "/readyz",
    operation_id="getReadiness",
    response_model=Ready,
    tags=["health"],
    summary="The database is reachable",
    responses={503: {"description": "The database is not reachable."}},
)
async def readyz(request: Request) -> Response:
    """Ready when the database answers; 503 otherwise. Not rate-limited."""
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return problem_response(
            503,
            "service-unavailable",
            "Service unavailable",
            "The database is not reachable.",
            instance="/readyz",
        )
    return JSONResponse({"status": "ready"})


@router.get(
    "/problems/{slug}",
    operation_id="getProblemType",
    response_class=HTMLResponse,
    tags=["meta"],
    summary="A problem type",
    responses={404: {"description": "No problem type has this slug."}},
)
async def problem_doc(slug: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    """What a problem `type` (`/problems/<slug>`) of an error means, as a page for people."""
    if slug not in CATALOGUE:
        raise NotFound("No problem type has this slug.")
    return HTMLResponse(f"<h1>{slug}</h1><p>{CATALOGUE[slug]}</p>")
