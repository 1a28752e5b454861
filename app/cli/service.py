"""Running the service: serving the API, migrating the database, delivering webhooks."""

import asyncio
import logging
from typing import Annotated

import typer
import uvicorn

from app.cli.console import fail, load_settings, port_free, run_or_exit, server
from app.dbadmin import migrate as run_migrations
from app.demo.seed import seed_demo
from app.services.webhooks.delivery import dispatch_due, dispatch_forever


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    demo: Annotated[
        bool, typer.Option(help="Load the demo community if the database is empty")
    ] = False,
) -> None:
    """Apply migrations and serve the API; with no DATABASE_URL, on an embedded PostgreSQL."""
    settings = load_settings()
    logging.basicConfig(level=logging.INFO)
    host = host or settings.host
    port = port or settings.port
    if not port_free(host, port):
        fail(
            f"{host}:{port} is already in use: choose another port with --port "
            "(or the PORT variable), or stop what listens there",
            2,
        )
    # Lazily, and once the port is known to be free: the application (every router and the
    # GraphQL schema) more than doubles the start-up time of every other command and of
    # `--help`, and only `serve` uses it.
    from app.main import create_app

    with server(settings) as url:
        run_migrations(url)
        settings = settings.model_copy(update={"database_url": url})
        if demo:
            typer.echo(run_or_exit(seed_demo(settings, only_if_empty=True), "serve"))
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
        )


def migrate(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the database schema (to head by default)."""
    with server(load_settings()) as url:
        run_migrations(url, revision)
        typer.echo(f"migrated to {revision}")


def dispatch(
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit (for cron)")
    ] = False,
) -> None:
    """Deliver webhooks, in a process of its own (as many as you like: they share the work).
    `serve` runs one too unless WEBHOOKS_DISPATCHER_ENABLED=false. Stop with Ctrl-C or
    SIGTERM; a delivery cut off mid-send is sent again by whichever dispatcher is left."""
    settings = load_settings()
    logging.basicConfig(level=logging.INFO)
    with server(settings) as url:
        settings = settings.model_copy(update={"database_url": url})
        if once:
            attempted = asyncio.run(dispatch_due(settings))
            typer.echo(f"{attempted} deliveries attempted")
        else:
            asyncio.run(dispatch_forever(settings))
