"""The `cop-api` command line.

Commands that change data act as the system actor (`actors.SYSTEM`): the operator at the
console, who needs no token. Their audit rows name no person and no key and carry
`request_id` = `console:<command>`. A refusal, a bad argument or an unreachable database
ends a command with a message on standard error and a non-zero exit, not a traceback.

The commands are grouped in `service` (serve, migrate, dispatch), `accounts` (admins and
API keys) and `data` (export, import, the demo); what they share is `console`."""

import sys

import asyncpg
import typer
from alembic.util.exc import CommandError
from sqlalchemy.exc import DBAPIError

from app.cli import accounts, data, service

# No local variables in tracebacks: they would show passwords and keys.
cli = typer.Typer(
    help="cop-api: run communities of practice.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
cli.command()(service.serve)
cli.command()(service.migrate)
cli.command("create-admin")(accounts.create_admin)
cli.command("create-api-key")(accounts.create_api_key)
cli.command()(service.dispatch)
cli.command("export")(data.export_command)
cli.command("import")(data.import_command)
cli.command("seed-demo")(data.seed_demo_command)


def main() -> None:
    """The console script: what the commands cannot do is said in one line, not a trace."""
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
