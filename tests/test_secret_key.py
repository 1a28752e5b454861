"""The key that signs access tokens. In development without SECRET_KEY, a random key is
made once and kept in DATA_DIR/secret_key (mode 0600), so that every process on that
folder, and the next start, uses it; elsewhere SECRET_KEY must be given. No public
string ever signs a token."""

import os
import stat
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import PUBLISHED_SECRETS, SECRET_KEY_FILE, Settings, load_or_create_secret
from app.main import create_app
from app.services.people.auth import issue_access_token
from tests.factories import bearer, make_person

# The key every development instance used to sign with: anyone could read it.
OLD_PLACEHOLDER = "change-me-development-only-secret-key-0000"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_secret_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("ENVIRONMENT", raising=False)


def development(data_dir: Path, **fields: Any) -> Settings:
    return Settings(_env_file=None, environment="development", data_dir=data_dir, **fields)  # type: ignore[call-arg]


def test_development_makes_a_private_key_once_and_keeps_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "not" / "there" / "yet"
    first = development(data_dir)
    second = development(data_dir)
    assert first.secret_key == second.secret_key
    assert first.secret_key != OLD_PLACEHOLDER and first.secret_key not in PUBLISHED_SECRETS
    assert len(first.secret_key) >= 64
    path = data_dir / SECRET_KEY_FILE
    assert path.read_text().strip() == first.secret_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in data_dir.iterdir()) == [SECRET_KEY_FILE]  # no temp files

    elsewhere = development(tmp_path / "another")
    assert elsewhere.secret_key != first.secret_key


def test_an_explicit_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    settings = development(tmp_path / "data", secret_key="my own key, thank you very much")
    assert settings.secret_key == "my own key, thank you very much"
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("environment", ["test", "production"])
def test_test_and_production_need_an_explicit_key(tmp_path: Path, environment: str) -> None:
    with pytest.raises(
        ValidationError, match=f"SECRET_KEY must be set when ENVIRONMENT={environment}"
    ):
        Settings(_env_file=None, environment=environment, data_dir=tmp_path)  # type: ignore[call-arg]
    assert not (tmp_path / SECRET_KEY_FILE).exists()


def test_production_needs_a_long_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(_env_file=None, environment="production", secret_key="short")  # type: ignore[call-arg]
    assert Settings(_env_file=None, environment="production", secret_key="k" * 40)  # type: ignore[call-arg]


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("published", sorted(PUBLISHED_SECRETS))
def test_published_keys_are_refused_everywhere(
    tmp_path: Path, environment: str, published: str
) -> None:
    with pytest.raises(ValidationError, match="published"):
        Settings(_env_file=None, environment=environment, secret_key=published, data_dir=tmp_path)  # type: ignore[call-arg]


def _race(data_dir: Path, threads: int = 16) -> list[str]:
    """`threads` threads load or create the key at the same moment; every one must get
    the same key."""
    start = threading.Barrier(threads)
    keys: list[str] = []

    def make() -> None:
        start.wait()
        keys.append(load_or_create_secret(data_dir))

    running = [threading.Thread(target=make) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    assert len(keys) == threads and len(set(keys)) == 1
    return keys


def test_threads_racing_agree_on_one_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    keys = _race(data_dir)
    assert (data_dir / SECRET_KEY_FILE).read_text().strip() == keys[0]
    assert sorted(p.name for p in data_dir.iterdir()) == [SECRET_KEY_FILE]


def test_without_hard_links_racing_threads_still_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some file systems cannot link; creating the file exclusively is the fallback."""

    def no_links(src: Any, dst: Any, **kwargs: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    data_dir = tmp_path / "data"
    keys = _race(data_dir)
    path = data_dir / SECRET_KEY_FILE
    assert path.read_text().strip() == keys[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    go = tmp_path / "go"
    script = (
        "import os, time\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.001)\n"
        "from app.config import Settings\n"
        f"print(Settings(_env_file=None, data_dir={str(data_dir)!r}).secret_key)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ENVIRONMENT")}
    # Import the app first, so that the processes reach the key together.
    script = "import app.config\n" + script
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for _ in range(8)
    ]
    go.touch()
    outputs = [p.communicate(timeout=60) for p in processes]
    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    keys = {out.strip() for out, _ in outputs}
    assert len(keys) == 1
    assert (data_dir / SECRET_KEY_FILE).read_text().strip() == keys.pop()


def test_a_damaged_key_file_is_reported_not_replaced(tmp_path: Path) -> None:
    (tmp_path / SECRET_KEY_FILE).write_text("abc\n")
    with pytest.raises(ValidationError, match="delete it"):
        development(tmp_path)
    assert (tmp_path / SECRET_KEY_FILE).read_text() == "abc\n"


@pytest.fixture
async def dev_clients(
    tmp_path: Path, database_url: str, engine: AsyncEngine
) -> AsyncIterator[tuple[Settings, AsyncClient, AsyncClient]]:
    """Two development apps on one data folder (two processes, or one restarted)."""
    data_dir = tmp_path / "data"
    first = development(data_dir, database_url=database_url, password_hash_time_cost=1)
    second = development(data_dir, database_url=database_url, password_hash_time_cost=1)
    apps = [create_app(s, engine=engine) for s in (first, second)]
    async with (
        AsyncClient(transport=ASGITransport(app=apps[0]), base_url="http://test") as a,
        AsyncClient(transport=ASGITransport(app=apps[1]), base_url="http://test") as b,
    ):
        yield first, a, b


async def test_a_token_forged_with_the_old_placeholder_is_refused(
    dev_clients: tuple[Settings, AsyncClient, AsyncClient], session: AsyncSession
) -> None:
    settings, client, _ = dev_clients
    admin = await make_person(session, is_platform_admin=True)
    now = datetime.now(UTC)
    forged = jwt.encode(
        {"sub": str(admin.id), "typ": "access", "iat": now, "exp": now + timedelta(minutes=5)},
        OLD_PLACEHOLDER,
        algorithm="HS256",
    )
    response = await client.get("/api/v1/people/me", headers=bearer(forged))
    assert response.status_code == 401, response.text
    assert response.json()["type"] == "/problems/invalid-token"

    genuine = issue_access_token(admin.id, settings)
    response = await client.get("/api/v1/people/me", headers=bearer(genuine))
    assert response.status_code == 200, response.text


async def test_tokens_work_on_every_process_sharing_the_data_folder(
    dev_clients: tuple[Settings, AsyncClient, AsyncClient],
) -> None:
    _, first, second = dev_clients
    registered = await first.post(
        "/api/v1/auth/register",
        json={"email": "dev@example.org", "password": "a long password", "display_name": "D"},
    )
    assert registered.status_code == 201, registered.text
    tokens = await first.post(
        "/api/v1/auth/token", data={"username": "dev@example.org", "password": "a long password"}
    )
    assert tokens.status_code == 200, tokens.text
    access = tokens.json()["access_token"]
    me = await second.get("/api/v1/people/me", headers=bearer(access))
    assert me.status_code == 200 and me.json()["email"] == "dev@example.org"
