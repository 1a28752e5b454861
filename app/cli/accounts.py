"""Accounts made at the console: platform admins and API keys."""

import sys
from typing import Annotated

import typer

from app.cli.console import ask, fail, load_settings, refused, run_or_exit, server
from app.dbadmin import migrate as run_migrations
from app.demo.seed import with_session
from app.errors import Invalid
from app.models.people import ApiKeyCreate, PersonCreate
from app.services.actors import SYSTEM
from app.services.people import api_keys
from app.services.people import service as people
from app.services.validation import parse

PASSWORD_ENV = "COP_ADMIN_PASSWORD"


def _admin_password(ctx: typer.Context, password: str | None, from_stdin: bool) -> str:
    if from_stdin:
        source = ctx.get_parameter_source("password")
        # By name: Typer may bring its own copy of click, with its own enum.
        if source is not None and source.name == "COMMANDLINE":
            fail("give --password or --password-stdin, not both", 2)
        if sys.stdin.isatty():
            hidden: str = typer.prompt("Password", hide_input=True)
            return hidden
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail("--password-stdin: standard input held no password", 2)
        return line
    if password is not None:
        return password
    if not sys.stdin.isatty():
        fail(
            f"no password: pipe it with --password-stdin, or set {PASSWORD_ENV} "
            "(there is no terminal to ask on)",
            2,
        )
    answer: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return answer


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
    address = ask(email, "Email", "--email")
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
        refused(exc)
    settings = load_settings()

    async def run(url: str) -> str:
        async with with_session(url, settings) as (session, passwords):
            person = await people.create_person(session, passwords, SYSTEM, data)
            return f"platform admin {person.email}: {person.id}"

    with server(settings) as url:
        run_migrations(url)
        typer.echo(run_or_exit(run(url), "create-admin"))


def create_api_key(
    name: Annotated[str, typer.Option(help="What the key is for")],
    scope: Annotated[list[str], typer.Option(help="read, write or admin; repeatable")] = ["read"],  # noqa: B006
) -> None:
    """Create an API key and print it alone on standard output (it is shown once)."""
    try:
        data = parse(ApiKeyCreate, {"name": name, "scopes": scope})
    except Invalid as exc:
        refused(exc)
    settings = load_settings()

    async def run(url: str) -> tuple[str, str]:
        async with with_session(url, settings) as (session, _):
            key, secret = await api_keys.create_api_key(session, SYSTEM, data)
            return str(key.id), secret

    with server(settings) as url:
        run_migrations(url)
        key_id, secret = run_or_exit(run(url), "create-api-key")
    typer.echo(f"API key '{data.name}' ({key_id}), scopes {', '.join(scope)}:", err=True)
    typer.echo(secret)
