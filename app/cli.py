"""The `cop-api` command line.

Commands that change data act as the system actor (`actors.SYSTEM`): the operator at the
console, who needs no token. Their audit rows name no person and no key and carry
`request_id` = `console:<command>`. A refusal, a bad argument or an unreachable database
ends a command with a message on standard error and a non-zero exit, not a traceback."""

import asyncio
import contextvars
import logging
import signal
import socket
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn, TypeVar

import typer
import uvicorn
from pydantic import ValidationError

from app.config import Settings, get_settings
from app.dbadmin import database_server
from app.dbadmin import migrate as run_migrations
from app.embedded import EmbeddedError
from app.errors import DomainError

T = TypeVar("T")

# No local variables in tracebacks: they would show passwords and keys.
cli = typer.Typer(
    help="cop-api: run communities of practice.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

PASSWORD_ENV = "COP_ADMIN_PASSWORD"


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    """The settings, or a plain message when they are unusable (no SECRET_KEY in
    production, a value out of range)."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            "".join(f"{str(p).upper()}: " for p in e["loc"])
            + str(e["msg"]).removeprefix("Value error, ")
            for e in exc.errors()
        )
        _fail(f"the configuration is not usable: {problems}", 2)


@contextmanager
def _server(settings: Settings) -> Iterator[str]:
    """The database URL for a command: the configured server, or the embedded one, which
    stops when the command ends however it ends (but SIGKILL: the next start finds the
    server left behind and reuses it)."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGHUP, _terminate_on_sighup)
    try:
        with database_server(
            settings.database_url, settings.data_dir / "postgres", "cop_api"
        ) as url:
            yield url
    except EmbeddedError as exc:
        _fail(str(exc))


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (`docker stop`, `kill`) would end the process without unwinding, leaving the
    embedded server running; turn it into an exit that runs the cleanup."""
    raise SystemExit(128 + signum)


def _terminate_on_sighup(signum: int, frame: FrameType | None) -> None:
    """A closed terminal (SIGHUP) ends the service as SIGTERM does: through uvicorn's
    graceful shutdown while it serves, then through the cleanup."""
    signal.raise_signal(signal.SIGTERM)


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _run_or_exit(work: Coroutine[Any, Any, T], command: str | None = None) -> T:
    """Run a service call, labelled `console:<command>` in the audit log; a refusal (not
    found, invalid input) is a message, not a trace."""
    from app.middleware import CONSOLE_PREFIX, request_id

    context = contextvars.copy_context()
    if command is not None:
        context.run(request_id.set, f"{CONSOLE_PREFIX}{command}")
    try:
        return context.run(asyncio.run, work)
    except DomainError as exc:
        _refused(exc)


def _refused(exc: DomainError) -> NoReturn:
    if exc.errors:  # the detail refers API clients to fieldErrors; list them instead
        _fail(f"{exc.title}:" + "".join(f"\n  {e.field}: {e.message}" for e in exc.errors))
    _fail(exc.detail)


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
    host = host or settings.host
    port = port or settings.port
    if not _port_free(host, port):
        _fail(
            f"{host}:{port} is already in use: choose another port with --port "
            "(or the PORT variable), or stop what listens there",
            2,
        )
    with _server(settings) as url:
        run_migrations(url)
        settings = settings.model_copy(update={"database_url": url})
        if demo:
            from app.demo import seed_demo

            typer.echo(_run_or_exit(seed_demo(settings, only_if_empty=True), "serve"))
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
        )


@cli.command()
def migrate(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the database schema (to head by default)."""
    with _server(_settings()) as url:
        run_migrations(url, revision)
        typer.echo(f"migrated to {revision}")


def _ask(value: str | None, prompt: str, option: str) -> str:
    if value is not None:
        return value
    if not sys.stdin.isatty():
        _fail(f"missing {option} (there is no terminal to ask on)", 2)
    answer: str = typer.prompt(prompt)
    return answer


def _admin_password(ctx: typer.Context, password: str | None, from_stdin: bool) -> str:
    if from_stdin:
        source = ctx.get_parameter_source("password")
        # By name: Typer may bring its own copy of click, with its own enum.
        if source is not None and source.name == "COMMANDLINE":
            _fail("give --password or --password-stdin, not both", 2)
        if sys.stdin.isatty():
            hidden: str = typer.prompt("Password", hide_input=True)
            return hidden
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            _fail("--password-stdin: standard input held no password", 2)
        return line
    if password is not None:
        return password
    if not sys.stdin.isatty():
        _fail(
            f"no password: pipe it with --password-stdin, or set {PASSWORD_ENV} "
            "(there is no terminal to ask on)",
            2,
        )
    answer: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return answer


@cli.command("create-admin")
def create_admin(
    ctx: typer.Context,
    email: Annotated[
        str | None, typer.Option(help="Their email (asked for at a terminal if omitted)")
    ] = None,
    display_name: Annotated[
        str | None,
        typer.Option(help="Their name, for a new person (asked for at a terminal if omitted)"),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar=PASSWORD_ENV,
            show_envvar=True,
            help="The password. On the command line other users can read it (ps); prefer "
            "the environment variable or --password-stdin.",
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input's first line"),
    ] = False,
) -> None:
    """Create a platform admin, or make an existing person one (setting their password).
    At a terminal it asks for what is missing (the password without echo)."""
    from app.demo import with_session
    from app.errors import Invalid
    from app.models.people import PersonCreate
    from app.services.actors import SYSTEM
    from app.services.people import service as people
    from app.services.validation import parse

    address = _ask(email, "Email", "--email")
    name = display_name
    if name is None and sys.stdin.isatty():
        name = typer.prompt("Display name (for a new person)", default="", show_default=False)
    secret = _admin_password(ctx, password, password_stdin)
    try:
        data = parse(
            PersonCreate,
            {
                "email": address,
                "display_name": name or None,
                "password": secret,
                "is_platform_admin": True,
            },
        )
    except Invalid as exc:
        _refused(exc)
    settings = _settings()

    async def run(url: str) -> str:
        async with with_session(url, settings) as (session, passwords):
            person = await people.create_person(session, passwords, SYSTEM, data)
            return f"platform admin {person.email}: {person.id}"

    with _server(settings) as url:
        run_migrations(url)
        typer.echo(_run_or_exit(run(url), "create-admin"))


@cli.command("create-api-key")
def create_api_key(
    name: Annotated[str, typer.Option(help="What the key is for")],
    scope: Annotated[list[str], typer.Option(help="read, write or admin; repeatable")] = ["read"],  # noqa: B006
) -> None:
    """Create an API key and print it alone on standard output (it is shown once)."""
    from app.demo import with_session
    from app.errors import Invalid
    from app.models.people import ApiKeyCreate
    from app.services.actors import SYSTEM
    from app.services.people import api_keys
    from app.services.validation import parse

    try:
        data = parse(ApiKeyCreate, {"name": name, "scopes": scope})
    except Invalid as exc:
        _refused(exc)
    settings = _settings()

    async def run(url: str) -> tuple[str, str]:
        async with with_session(url, settings) as (session, _):
            key, secret = await api_keys.create_api_key(session, SYSTEM, data)
            return str(key.id), secret

    with _server(settings) as url:
        run_migrations(url)
        key_id, secret = _run_or_exit(run(url), "create-api-key")
    typer.echo(f"API key '{data.name}' ({key_id}), scopes {', '.join(scope)}:", err=True)
    typer.echo(secret)


@cli.command()
def dispatch(
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit (for cron)")
    ] = False,
) -> None:
    """Deliver webhooks, in a process of its own (as many as you like: they share the work).
    `serve` runs one too unless WEBHOOKS_DISPATCHER_ENABLED=false. Stop with Ctrl-C or
    SIGTERM; a delivery cut off mid-send is sent again by whichever dispatcher is left."""
    from app.services.webhooks.delivery import dispatch_due, dispatch_forever

    settings = _settings()
    logging.basicConfig(level=logging.INFO)
    with _server(settings) as url:
        settings = settings.model_copy(update={"database_url": url})
        if once:
            attempted = asyncio.run(dispatch_due(settings))
            typer.echo(f"{attempted} deliveries attempted")
        else:
            asyncio.run(dispatch_forever(settings))


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
    from app.services.actors import SYSTEM
    from app.services.exports import export_domain

    settings = _settings()

    async def run(url: str) -> dict[str, Any]:
        with _progress_bar() as bar:
            task = bar.add_task("exporting", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            async with with_session(url, settings) as (session, _):
                return await export_domain(session, SYSTEM, slug, progress=progress)

    with _server(settings) as url:
        run_migrations(url)
        document = _run_or_exit(run(url), "export")
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    if output is None:
        typer.echo(data.decode())
    else:
        output.write_bytes(data)
        typer.echo(f"exported '{slug}' to {output}", err=True)


@cli.command("import")
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
    import orjson

    from app.demo import with_session
    from app.services.actors import SYSTEM
    from app.services.exports import Restored, import_domain

    try:
        document = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"{file} is not JSON: {exc}") from exc
    settings = _settings()

    async def run(url: str) -> Restored:
        with _progress_bar() as bar:
            task = bar.add_task("importing", total=None)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            async with with_session(url, settings) as (session, _):
                return await import_domain(session, SYSTEM, document, slug=slug, progress=progress)

    with _server(settings) as url:
        run_migrations(url)
        restored = _run_or_exit(run(url), "import")
    counts = ", ".join(f"{n} {key}" for key, n in restored.counts.items() if n)
    typer.echo(
        f"imported as '{restored.domain.slug}' ({restored.domain.id}): {counts or 'no rows'}; "
        f"people: {restored.people_matched} matched, {restored.people_created} created"
    )


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo community: seventy people in four domains with a year of history, in a
    few seconds (a no-op if it is already there)."""
    from app.demo import seed_demo

    settings = _settings()
    with _server(settings) as url:
        run_migrations(url)
        settings = settings.model_copy(update={"database_url": url})
        typer.echo(_run_or_exit(seed_demo(settings, only_if_empty=False), "seed-demo"))


def main() -> None:
    """The console script: what the commands cannot do is said in one line, not a trace."""
    import asyncpg
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import DBAPIError

    try:
        cli()
    except (DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        typer.echo(f"error: the database refused: {str(exc).splitlines()[0]}", err=True)
        sys.exit(1)
    except CommandError as exc:  # an unknown migration revision
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # the database cannot be reached, a file cannot be written
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
