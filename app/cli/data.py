"""Moving a community's data in and out: a domain's export and its restore, and the demo."""

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from app.cli.console import load_settings, progress_bar, run_or_exit, server
from app.dbadmin import migrate as run_migrations
from app.demo.seed import seed_demo, with_session
from app.services.actors import SYSTEM
from app.services.exports import Restored, export_domain, import_domain


def export_command(
    slug: Annotated[str, typer.Argument(help="The domain to export")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: standard output)")
    ] = None,
) -> None:
    """Export a domain (charter, members, gatherings, contributions, collections, value
    stories, reports) as one JSON document."""
    settings = load_settings()

    async def run(url: str) -> dict[str, Any]:
        with progress_bar() as bar:
            task = bar.add_task("exporting", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            async with with_session(url, settings) as (session, _):
                return await export_domain(session, SYSTEM, slug, progress=progress)

    with server(settings) as url:
        run_migrations(url)
        document = run_or_exit(run(url), "export")
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if output is None:
        typer.echo(data.decode())
    else:
        output.write_bytes(data)
        typer.echo(f"exported '{slug}' to {output}", err=True)


def import_command(
    file: Annotated[
        Path, typer.Argument(help="A domain export (JSON)", exists=True, dir_okay=False)
    ],
    slug: Annotated[
        str | None, typer.Option(help="The new domain's slug (default: the exported one)")
    ] = None,
) -> None:
    """Restore a domain export as a new domain; people are matched by external id or
    email, or created (inactive until they sign up)."""
    try:
        document = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"{file} is not JSON: {exc}") from exc
    settings = load_settings()

    async def run(url: str) -> Restored:
        with progress_bar() as bar:
            task = bar.add_task("importing", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            async with with_session(url, settings) as (session, _):
                return await import_domain(session, SYSTEM, document, slug=slug, progress=progress)

    with server(settings) as url:
        run_migrations(url)
        restored = run_or_exit(run(url), "import")
    counts = ", ".join(f"{n} {key}" for key, n in restored.counts.items() if n)
    typer.echo(
        f"imported as '{restored.domain.slug}' ({restored.domain.id}): {counts or 'no rows'}; "
        f"people: {restored.people_matched} matched, {restored.people_created} created"
    )


def seed_demo_command() -> None:
    """Load the demo community: seventy people in four domains with a year of history, in a
    few seconds (a no-op if it is already there)."""
    settings = load_settings()
    with server(settings) as url:
        run_migrations(url)
        settings = settings.model_copy(update={"database_url": url})
        typer.echo(run_or_exit(seed_demo(settings, only_if_empty=False), "seed-demo"))
