"""Every `cop-api` command, run as a user runs it: the installed console script in a
process of its own, against the test database, judged by its exit code, what it prints
and what it leaves in the database and the API. Mistakes end with a message and a
non-zero exit, never a traceback."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.dbadmin import alembic_config
from app.demo.people import PEOPLE
from app.main import create_app
from tests.factories import SECRET, auth, bearer, log_in, make_person, subscribe
from tests.integration.conftest import Receiver
from tests.support import API, free_port, rows, scalar

PASSWORD = "a long enough password"


def _command() -> list[str]:
    script = shutil.which("cop-api", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "app.cli"]


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """A shell on the test database; nothing from the caller's configuration leaks in."""
    ours = {name.upper() for name in Settings.model_fields} | {"COP_ADMIN_PASSWORD"}
    base = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return {
        **base,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": SECRET,
        "DATA_DIR": str(tmp_path / "data"),
        "PASSWORD_HASH_TIME_COST": "1",
        "COLUMNS": "500",  # error boxes unwrapped
    }


class Cli:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def run_sync(
        self, *args: str, stdin: str | None = None, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *args],
            env={**self.env, **extra_env},
            cwd=self.cwd,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    async def __call__(
        self, *args: str, stdin: str | None = None, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        """In a thread: the test's event loop keeps serving (a webhook receiver, say)."""
        done = await asyncio.to_thread(self.run_sync, *args, stdin=stdin, **extra_env)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def start(self, *args: str, **extra_env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*_command(), *args],
            env={**self.env, **extra_env},
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def cli(env: dict[str, str], tmp_path: Path, engine: AsyncEngine) -> Cli:
    """(`engine`: the tables are emptied after the test.)"""
    return Cli(env, tmp_path)


def succeeded(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    return done


def refused(done: subprocess.CompletedProcess[str], code: int, message: str) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


# create-admin


async def test_create_admin_reads_the_password_from_stdin_and_the_admin_can_log_in(
    cli: Cli, client: AsyncClient, engine: AsyncEngine
) -> None:
    done = succeeded(
        await cli(
            "create-admin",
            "--email",
            "Root@Example.org",
            "--display-name",
            "Root",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    )
    assert "root@example.org" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr

    tokens = await log_in(client, "root@example.org", PASSWORD)
    assert tokens.status_code == 200, tokens.text
    me = await client.get(f"{API}/people/me", headers=bearer(tokens.json()["access_token"]))
    assert me.json()["is_platform_admin"] is True and me.json()["display_name"] == "Root"
    [entry] = await rows(engine, "SELECT * FROM audit_log")
    assert entry["action"] == "person.created" and entry["request_id"] == "console:create-admin"
    assert entry["actor_person_id"] is None and entry["actor_api_key_id"] is None


async def test_create_admin_takes_the_password_from_the_environment_and_promotes(
    cli: Cli, client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    person = await make_person(session, email="member@example.org")
    assert not person.is_platform_admin
    succeeded(
        await cli("create-admin", "--email", "member@example.org", COP_ADMIN_PASSWORD=PASSWORD)
    )
    tokens = await log_in(client, "member@example.org", PASSWORD)
    assert tokens.status_code == 200, tokens.text
    assert await scalar(engine, "SELECT count(*) FROM people") == 1
    assert await scalar(engine, "SELECT is_platform_admin FROM people WHERE id = :id", id=person.id)
    [entry] = await rows(engine, "SELECT * FROM audit_log")
    assert entry["action"] == "person.updated"
    assert entry["changes"]["is_platform_admin"] == {"from": False, "to": True}


async def test_create_admin_mistakes_are_explained_and_change_nothing(
    cli: Cli, engine: AsyncEngine
) -> None:
    # No terminal to ask on, and no password given.
    refused(
        await cli("create-admin", "--email", "a@example.org", "--display-name", "A"),
        2,
        "no password",
    )
    refused(
        await cli(
            "create-admin",
            "--email",
            "a@example.org",
            "--password",
            PASSWORD,
            "--password-stdin",
            stdin=PASSWORD,
        ),
        2,
        "not both",
    )
    message = refused(
        await cli(
            "create-admin", "--email", "not-an-email", "--display-name", "A", "--password", "short"
        ),
        1,
        "Invalid input",
    )
    assert "email:" in message and "password:" in message
    refused(
        await cli("create-admin", "--email", "new@example.org", COP_ADMIN_PASSWORD=PASSWORD),
        1,
        "display_name: required for a new person",
    )
    assert await scalar(engine, "SELECT count(*) FROM people") == 0
    assert await scalar(engine, "SELECT count(*) FROM audit_log") == 0


# create-api-key


async def test_create_api_key_prints_a_key_that_works(
    cli: Cli, client: AsyncClient, engine: AsyncEngine
) -> None:
    done = succeeded(await cli("create-api-key", "--name", "LMS sync", "--scope", "write"))
    key = done.stdout.strip()
    assert key.startswith("cop_") and "\n" not in key
    assert "LMS sync" in done.stderr

    created = await client.post(f"{API}/domains", json={"name": "Wound care"}, headers=bearer(key))
    assert created.status_code == 201, created.text
    listed = await client.get(f"{API}/api-keys", headers=bearer(key))
    assert listed.status_code == 403  # write, not admin

    [entry] = await rows(engine, "SELECT * FROM audit_log WHERE action = 'api_key.created'")
    assert entry["request_id"] == "console:create-api-key"
    assert entry["actor_person_id"] is None and entry["actor_api_key_id"] is None
    assert entry["changes"] == {
        "name": "LMS sync",
        "scopes": ["write"],
        "rate_limit_per_minute": None,
    }

    admin_key = succeeded(
        await cli("create-api-key", "--name", "ops", "--scope", "read", "--scope", "admin")
    ).stdout.strip()
    listed = await client.get(f"{API}/api-keys", headers=bearer(admin_key))
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2


async def test_create_api_key_mistakes_are_explained(cli: Cli, engine: AsyncEngine) -> None:
    refused(await cli("create-api-key", "--name", "x", "--scope", "root"), 1, "scopes.0")
    refused(await cli("create-api-key", "--scope", "read"), 2, "Missing option '--name'")
    assert await scalar(engine, "SELECT count(*) FROM api_keys") == 0


# migrate


async def test_migrate_is_idempotent(cli: Cli, engine: AsyncEngine) -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("postgresql://unused/x")).get_current_head()
    for _ in range(2):
        assert "migrated to head" in succeeded(await cli("migrate")).stdout
        assert await scalar(engine, "SELECT version_num FROM alembic_version") == head
    refused(await cli("migrate", "no-such-revision"), 2, "no-such-revision")
    assert await scalar(engine, "SELECT version_num FROM alembic_version") == head


# seed-demo


async def test_seed_demo_loads_the_demo_once(
    cli: Cli, client: AsyncClient, engine: AsyncEngine
) -> None:
    assert "Demo community loaded" in succeeded(await cli("seed-demo")).stdout
    people = await scalar(engine, "SELECT count(*) FROM people WHERE email LIKE '%@demo.cop'")
    assert people == len(PEOPLE)
    domains = await scalar(engine, "SELECT count(*) FROM domains")
    assert "already present" in succeeded(await cli("seed-demo")).stdout
    assert await scalar(engine, "SELECT count(*) FROM people") == people
    assert await scalar(engine, "SELECT count(*) FROM domains") == domains
    tokens = await log_in(client, "amara@demo.cop", "demo-password")
    assert tokens.status_code == 200, tokens.text
    mine = await client.get(f"{API}/domains", headers=bearer(tokens.json()["access_token"]))
    assert "palliative-care-nurses" in {d["slug"] for d in mine.json()["items"]}


# export and import


async def test_export_then_import_round_trips(
    cli: Cli, client: AsyncClient, session: AsyncSession, engine: AsyncEngine, tmp_path: Path
) -> None:
    convenor = await make_person(session)
    created = await client.post(
        f"{API}/domains",
        json={"name": "Wound care", "purpose": "Heal faster"},
        headers=auth(convenor),
    )
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]

    file = tmp_path / "wound-care.json"
    succeeded(await cli("export", slug, "--output", str(file)))
    in_file = orjson.loads(file.read_bytes())
    assert in_file["domain"]["name"] == "Wound care"

    done = succeeded(await cli("import", str(file), "--slug", "wound-care-copy"))
    assert "imported as 'wound-care-copy'" in done.stdout
    copy = await rows(engine, "SELECT * FROM domains WHERE slug = 'wound-care-copy'")
    assert [(d["name"], d["purpose"]) for d in copy] == [("Wound care", "Heal faster")]
    again = orjson.loads(succeeded(await cli("export", "wound-care-copy")).stdout)  # to stdout
    assert again["domain"]["slug"] == "wound-care-copy"
    assert [(m["status"], m["roles"]) for m in again["members"]] == [
        (m["status"], m["roles"]) for m in in_file["members"]
    ]
    assert in_file["members"]
    audit = await rows(
        engine, "SELECT DISTINCT request_id FROM audit_log WHERE request_id LIKE 'console:%'"
    )
    assert [a["request_id"] for a in audit] == ["console:import"]

    refused(await cli("import", str(file), "--slug", "wound-care-copy"), 1, "taken")
    refused(await cli("export", "no-such-domain"), 1, "No domain")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    refused(await cli("import", str(broken)), 2, "is not JSON")
    assert await scalar(engine, "SELECT count(*) FROM domains") == 2


# dispatch


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver(port=free_port())
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def hook_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    hook_settings = settings.model_copy(update={"webhooks_allow_private_targets": True})
    app = create_app(hook_settings, engine=engine)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_dispatch_once_delivers_what_is_due_and_exits(
    cli: Cli,
    hook_client: AsyncClient,
    session: AsyncSession,
    receiver: Receiver,
    engine: AsyncEngine,
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    await subscribe(hook_client, admin, receiver.url(), event_types=["domain.created"])
    created = await hook_client.post(f"{API}/domains", json={"name": "Hooked"}, headers=auth(admin))
    assert created.status_code == 201

    done = succeeded(await cli("dispatch", "--once", WEBHOOKS_ALLOW_PRIVATE_TARGETS="true"))
    assert "1 deliveries attempted" in done.stdout
    [got] = receiver.delivered()
    assert got.json["type"] == "domain.created"
    assert await scalar(engine, "SELECT status FROM webhook_deliveries") == "delivered"
    assert "0 deliveries attempted" in succeeded(await cli("dispatch", "--once")).stdout


def _wait_for_line(process: subprocess.Popen[str], text: str, timeout: float) -> list[str]:
    """Read stderr until a line holds `text`; after `timeout`, the process is killed."""
    assert process.stderr is not None
    seen: list[str] = []
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        for line in process.stderr:
            seen.append(line)
            if text in line:
                return seen
    finally:
        watchdog.cancel()
    raise AssertionError(f"never saw {text!r}: {''.join(seen)}")


@pytest.mark.slow
async def test_dispatch_runs_until_sigterm(cli: Cli) -> None:
    process = cli.start("dispatch", WEBHOOKS_POLL_SECONDS="0.1")
    try:
        await asyncio.to_thread(_wait_for_line, process, "webhook dispatcher running", 60)
        await asyncio.sleep(0.3)
        assert process.poll() is None  # still delivering
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


# serve


@pytest.mark.slow
async def test_serve_answers_health_checks_and_stops_on_sigterm(cli: Cli) -> None:
    port = free_port()
    process = cli.start("serve", "--port", str(port), WEBHOOKS_DISPATCHER_ENABLED="false")
    try:
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient() as http:
            while True:
                assert process.poll() is None, process.communicate()
                try:
                    response = await http.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "serve never answered"
                    await asyncio.sleep(0.2)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then re-raises the signal: the conventional 128 + 15.
        _, stderr = await asyncio.to_thread(process.communicate, timeout=30)
        assert process.returncode == 128 + signal.SIGTERM, stderr
        assert "Application shutdown complete" in stderr and "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


# Mistakes anywhere


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-command"], "No such command"),
        (["serve", "--port", "eighty"], "Invalid value for '--port'"),
        (["export"], "Missing argument"),
    ],
)
async def test_bad_arguments_give_a_usage_message(cli: Cli, args: list[str], message: str) -> None:
    refused(await cli(*args), 2, message)


async def test_unusable_settings_are_explained(cli: Cli) -> None:
    refused(
        await cli("migrate", ENVIRONMENT="production", SECRET_KEY=""),
        2,
        "SECRET_KEY must be set when ENVIRONMENT=production",
    )


async def test_an_unreachable_database_is_explained(cli: Cli) -> None:
    port = free_port()  # nothing listens there
    refused(
        await cli("migrate", DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/x"),
        1,
        "error:",
    )


async def test_clients_cannot_pass_for_the_console(client: AsyncClient) -> None:
    """Audit rows labelled `console:` come from the command line only."""
    response = await client.get("/healthz", headers={"X-Request-ID": "console:create-api-key"})
    assert response.headers["x-request-id"] != "console:create-api-key"
    response = await client.get("/healthz", headers={"X-Request-ID": "deploy:42"})
    assert response.headers["x-request-id"] == "deploy:42"
