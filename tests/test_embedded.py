"""The embedded PostgreSQL, as a newcomer meets it: `cop-api serve` with no DATABASE_URL,
in a process of its own. It keeps everything in the data folder, stops with the service
however the service is asked to stop, and a server left behind by SIGKILL is found and
reused at the next start, then stopped."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.embedded import EmbeddedPostgres
from tests.factories import SECRET
from tests.support import free_port

pytestmark = pytest.mark.slow


def _command() -> list[str]:
    script = shutil.which("cop-api", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    # Short: the socket lives in the data folder, and a unix socket path is short.
    folder = Path(tempfile.mkdtemp(prefix="cop-emb-"))
    yield folder
    server = EmbeddedPostgres(folder / "postgres")
    pid = server.running_pid()
    if pid is not None:  # a failed test must not leave a server behind
        os.kill(pid, signal.SIGQUIT)
    shutil.rmtree(folder, ignore_errors=True)


def _env(data_dir: Path) -> dict[str, str]:
    ours = {name.upper() for name in Settings.model_fields}
    base = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return {
        **base,
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": SECRET,
        "ENVIRONMENT": "test",
        "PASSWORD_HASH_TIME_COST": "1",
    }


class Service:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [*_command(), "serve", "--port", str(self.port)],
            env=_env(data_dir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not ready in {timeout} s")

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def output(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        assert self.process.stdout is not None
        return self.process.stdout.read()


def _postgres(data_dir: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres(data_dir / "postgres")


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM, signal.SIGINT])
def test_the_server_stops_with_the_service(data_dir: Path, signum: int) -> None:
    service = Service(data_dir)
    service.wait_ready()
    running = _postgres(data_dir).running_pid()
    assert running is not None

    service.stop(signum)

    assert _postgres(data_dir).running_pid() is None, service.output()
    # Everything it kept is in the data folder: the cluster, its lock and its users.
    assert sorted(p.name for p in data_dir.iterdir() if p.name.startswith("postgres")) == [
        "postgres",
        "postgres.lock",
        "postgres.users",
    ]
    assert (data_dir / "postgres" / ".s.PGSQL.5432").exists() is False


def test_a_server_left_by_sigkill_is_reused_then_stopped(data_dir: Path) -> None:
    first = Service(data_dir)
    first.wait_ready()
    left_behind = _postgres(data_dir).running_pid()
    first.stop(signal.SIGKILL)
    assert _postgres(data_dir).running_pid() == left_behind  # still running, orphaned

    second = Service(data_dir)
    second.wait_ready()
    assert _postgres(data_dir).running_pid() == left_behind  # joined, not a second one
    second.stop(signal.SIGTERM)

    assert _postgres(data_dir).running_pid() is None, second.output()
    assert "already running" in second.output()


def test_a_taken_port_is_reported_at_once(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [*_command(), "serve", "--port", str(port)],
            env=_env(tmp_path / "data"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started

    assert done.returncode == 2
    assert f"127.0.0.1:{port} is already in use" in done.stderr
    assert "--port" in done.stderr and "PORT" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "postgres").exists()  # before any database work
    assert elapsed < 10
