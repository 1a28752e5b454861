from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from app.json_body import JSONRoute
from app.problems import CATALOGUE, problem_response

router = APIRouter(tags=["health"], route_class=JSONRoute)


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable", responses={503: {}})
async def readyz(request: Request) -> object:
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
    "/problems/{slug}", response_class=HTMLResponse, tags=["meta"], summary="A problem type"
)
async def problem_doc(slug: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    if slug not in CATALOGUE:
        return HTMLResponse("<h1>Unknown problem type</h1>", status_code=404)
    return HTMLResponse(f"<h1>{slug}</h1><p>{CATALOGUE[slug]}</p>")
