"""What every command shares: failing with a message, the settings, the database server
(configured or embedded) and its clean stop on signals, running a service call as the
console, asking at a terminal, and a progress bar."""

import asyncio
import contextvars
import signal
import socket
import sys
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from app.config import Settings, get_settings
from app.dbadmin import database_server
from app.embedded import EmbeddedError
from app.errors import DomainError
from app.middleware import CONSOLE_PREFIX, request_id

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
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
        fail(f"the configuration is not usable: {problems}", 2)


@contextmanager
def server(settings: Settings) -> Iterator[str]:
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
        fail(str(exc))


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (`docker stop`, `kill`) would end the process without unwinding, leaving the
    embedded server running; turn it into an exit that runs the cleanup."""
    raise SystemExit(128 + signum)


def _terminate_on_sighup(signum: int, frame: FrameType | None) -> None:
    """A closed terminal (SIGHUP) ends the service as SIGTERM does: through uvicorn's
    graceful shutdown while it serves, then through the cleanup."""
    signal.raise_signal(signal.SIGTERM)


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def run_or_exit(work: Coroutine[Any, Any, T], command: str | None = None) -> T:
    """Run a service call, labelled `console:<command>` in the audit log; a refusal (not
    found, invalid input) is a message, not a trace."""
    context = contextvars.copy_context()
    if command is not None:
        context.run(request_id.set, f"{CONSOLE_PREFIX}{command}")
    try:
        return context.run(asyncio.run, work)
    except DomainError as exc:
        refused(exc)


def refused(exc: DomainError) -> NoReturn:
    if exc.errors:  # the detail refers API clients to fieldErrors; list them instead
        fail(f"{exc.title}:" + "".join(f"\n  {e.field}: {e.message}" for e in exc.errors))
    fail(exc.detail)


def ask(value: str | None, prompt: str, option: str) -> str:
    if value is not None:
        return value
    if not sys.stdin.isatty():
        fail(f"missing {option} (there is no terminal to ask on)", 2)
    answer: str = typer.prompt(prompt)
    return answer


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), transient=True
    )
