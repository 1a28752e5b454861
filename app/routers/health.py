from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text

from app.problems import CATALOGUE, problem_response

router = APIRouter(tags=["health"])


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
async def problem_doc(slug: str) -> HTMLResponse:
    if slug not in CATALOGUE:
        return HTMLResponse("<h1>Unknown problem type</h1>", status_code=404)
    return HTMLResponse(f"<h1>{slug}</h1><p>{CATALOGUE[slug]}</p>")
