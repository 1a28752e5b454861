"""The application: lifespan, routers, GraphQL, error handlers, offline docs."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncEngine
from swagger_ui_bundle import swagger_ui_path

from app import body_limit, openapi, problems
from app.admission import AdmissionMiddleware
from app.body_limit import BodyLimitMiddleware, BodyTooLarge
from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.http_cache import HttpCacheMiddleware
from app.http_methods import HeadAsGetMiddleware
from app.idempotency import IdempotencyMiddleware
from app.middleware import RequestIdMiddleware
from app.ratelimit import RateLimiter, RateLimitMiddleware, storage_for
from app.routers import audit, changes, domains, health, imports, memberships, views, webhooks
from app.routers.contributions import curation, moderation, search
from app.routers.contributions import service as contributions
from app.routers.gatherings import calendars
from app.routers.gatherings import service as gatherings
from app.routers.people import api_keys, auth
from app.routers.people import service as people
from app.schema.build import build_schema
from app.schema.context import get_context
from app.schema.ide import ASSETS_URL, GraphQLApp, assets_dir
from app.services.imports import jobs as import_jobs
from app.services.mail import Mailer
from app.services.people.auth import Passwords
from app.services.people.login_throttle import LoginThrottle
from app.services.views import cache as view_cache
from app.services.webhooks.delivery import running as webhook_dispatcher

log = logging.getLogger("cop_api")

TAGS = [
    {
        "name": "auth",
        "description": "Sign up, verify your email, log in, refresh tokens, reset a password.",
    },
    {"name": "people", "description": "Profiles and who you may see."},
    {"name": "domains", "description": "Communities and their shared domain of interest."},
    {"name": "memberships", "description": "Joining, invitations, roles and history."},
    {"name": "gatherings", "description": "Regular meetings: cadence, RSVPs, attendance."},
    {"name": "calendars", "description": "iCalendar feeds for calendar clients."},
    {"name": "contributions", "description": "The shared repertoire: stories to practices."},
    {"name": "curation", "description": "Curated contributions and ordered collections."},
    {"name": "moderation", "description": "Reports, hiding and restoring, and their log."},
    {"name": "search", "description": "Full-text search across what you may read."},
    {"name": "views", "description": "Network and community views, and the diagnosis."},
    {"name": "changes", "description": "A change feed with tombstones, for keeping copies."},
    {"name": "webhooks", "description": "Signed event deliveries to your own endpoints."},
    {"name": "audit", "description": "Who changed what, when, from which request."},
    {"name": "import and export", "description": "Members in bulk; whole domains as JSON."},
    {"name": "api keys", "description": "Service accounts for integrations."},
    {"name": "health", "description": "Liveness and readiness."},
    {"name": "meta", "description": "What each problem `type` of an error means."},
]


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = engine is None
        if owned:
            if not settings.database_url:
                raise RuntimeError("Set DATABASE_URL, or start with `cop-api serve`.")
            app.state.engine = create_engine(settings.database_url, settings)
            app.state.sessionmaker = create_sessionmaker(app.state.engine)
        async with (
            webhook_dispatcher(app.state.sessionmaker, settings),
            import_jobs.running(app.state.jobs, app.state.sessionmaker),
        ):
            yield
        await app.state.mailer.drain(within=settings.smtp_timeout_seconds)
        if owned:
            await app.state.engine.dispose()

    app = FastAPI(
        title="cop-api",
        version="0.1.0",
        summary="Run communities of practice: domains, memberships, gatherings, contributions.",
        description=openapi.DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=openapi.operation_id,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    view_cache.configure(settings.view_cache_max_bytes)
    app.state.passwords = Passwords(
        settings.password_hash_time_cost, concurrency=settings.password_hash_concurrency
    )
    # One storage for request limits and login throttling: memory, or Redis if configured.
    limits_storage = storage_for(settings)
    app.state.rate_limiter = RateLimiter(settings, limits_storage)
    app.state.login_throttle = LoginThrottle(limits_storage, settings)
    app.state.mailer = Mailer(settings)
    app.state.jobs = import_jobs.JobRunner()
    if engine is not None:
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)

    problems.install(app)
    openapi.install(app)
    app.add_exception_handler(BodyTooLarge, body_limit.handle)
    # Outermost last: request ids wrap everything, so a 429 or a replayed response gets its
    # own id; rate limits come before idempotency keys, so a throttled client costs no
    # query; the body limit applies before idempotency buffers a body.
    # Innermost: ETags from the bytes routes answer with, If-None-Match, Cache-Control and
    # Vary; then HEAD runs as GET past every other middleware, which still see HEAD.
    app.add_middleware(HttpCacheMiddleware, token_paths=calendars.TOKEN_PATHS)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.request_max_bytes,
        larger=dict.fromkeys(imports.UPLOAD_PATHS, settings.import_max_bytes),
    )
    # Admitted after the rate limit (a throttled client does not queue), before any work.
    app.add_middleware(
        AdmissionMiddleware,
        concurrency=settings.max_concurrent_requests
        or settings.db_pool_size + settings.db_max_overflow,
        queue=settings.max_queued_requests,
        wait_seconds=settings.queue_wait_seconds,
    )
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(RequestIdMiddleware)
    routers = (
        health,
        auth,
        people,
        api_keys,
        domains,
        memberships,
        gatherings,
        calendars,
        contributions,
        curation,
        moderation,
        search,
        changes,
        webhooks,
        audit,
        imports,
        views,
    )
    for module in routers:
        app.include_router(module.router)

    graphql = GraphQLApp(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphql_graphiql else None,
    )
    app.include_router(graphql, prefix="/graphql", include_in_schema=False)

    app.mount("/static/swagger", StaticFiles(directory=str(swagger_ui_path)), name="swagger")
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="graphiql")

    @app.get("/", include_in_schema=False)
    async def index() -> dict[str, Any]:
        """Where to go from the root: the API's name and version, and its entry points."""
        return {
            "name": app.title,
            "version": app.version,
            "links": {
                "docs": "/docs",
                "openapi": app.openapi_url,
                "graphql": "/graphql",
                "health": "/healthz",
            },
        }

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="cop-api",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
            # No badge from the public validator service: the page makes no outside calls.
            swagger_ui_parameters={"validatorUrl": None},
        )

    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory app.main:app_factory`."""
    return create_app()
