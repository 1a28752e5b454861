"""The README's examples, run as written: every ```sh / ```bash and ```graphql block, in
order, in one bash session, against `cop-api serve --demo` on a fresh database.

Conventions (the README states them too):
- A block preceded by the line `<!-- not run -->` is shown, not run (the quick start, a
  Docker command, ...). Blocks in other languages (json, python, http) are never run.
- Shell blocks run with `set -euo pipefail`, so a failing command or an unset variable
  fails the test. Every `curl` must either fail on an HTTP error (`-f`, `--fail`) or
  write out `%{http_code}` for the example to compare with what it expects.
- A GraphQL block is POSTed to /graphql as the person named by its `# as EMAIL` comment
  (password `demo-password`), anonymously without one; a ```json block right after it
  holds its variables. It fails on `errors`, unless it says `# expect CODE`: then it must
  fail with exactly that `extensions.code`.
The shell gets `B` (the base URL), `DATABASE_URL` (for `.venv/bin/cop-api`) and `HOOK_URL`
(a loopback webhook receiver, which must get a signed delivery by the end)."""

import asyncio
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.dbadmin import create_database, drop_database
from tests.conftest import database_on
from tests.factories import SECRET
from tests.live_server import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOT_RUN = "<!-- not run -->"
RUN_LANGUAGES = {"sh", "bash", "graphql"}
FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


@dataclass
class Block:
    language: str
    code: str
    line: int
    run: bool
    variables: str | None = None  # a GraphQL block's variables (the json block after it)


def readme_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    previous_end = 0
    for match in FENCE.finditer(text):
        language = match.group(1).lower()
        before = text[previous_end : match.start()]
        line = text.count("\n", 0, match.start()) + 1
        preceding = [x.strip() for x in text[: match.start()].splitlines() if x.strip()]
        marked = bool(preceding) and preceding[-1] == NOT_RUN
        after_query = blocks and blocks[-1].language == "graphql" and not before.strip()
        if language == "json" and after_query:
            blocks[-1].variables = match.group(2)
        blocks.append(
            Block(language, match.group(2), line, language in RUN_LANGUAGES and not marked)
        )
        previous_end = match.end()
    return blocks


def _logical_lines(code: str) -> list[str]:
    return code.replace("\\\n", " ").splitlines()


CURL_FAILS = re.compile(r"(^|\s)(-[a-zA-Z]*f[a-zA-Z]*|--fail(-with-body)?)(\s|$)")


def unchecked_curls(block: Block) -> list[str]:
    """Shell lines that call curl without failing on an HTTP error or checking the status."""
    bad = []
    for line in _logical_lines(block.code):
        code = line.split(" #", 1)[0]
        if re.search(r"(^|[\s($])curl\s", code) and not (
            CURL_FAILS.search(code) or "%{http_code}" in code
        ):
            bad.append(line.strip())
    return bad


GRAPHQL_RUNNER = r"""
import json, sys, urllib.error, urllib.parse, urllib.request
base, who, expect, variables = sys.argv[1:5]
query = sys.stdin.read()
headers = {"Content-Type": "application/json"}
if who:
    form = urllib.parse.urlencode({"username": who, "password": "demo-password"}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/auth/token", form) as r:
        headers["Authorization"] = "Bearer " + json.load(r)["access_token"]
body = {"query": query, "variables": json.loads(variables) if variables else None}
request = urllib.request.Request(f"{base}/graphql", json.dumps(body).encode(), headers)
try:
    with urllib.request.urlopen(request) as r:
        status, answer = r.status, json.load(r)
except urllib.error.HTTPError as e:
    status, answer = e.code, json.load(e)
print(json.dumps(answer)[:2000])
codes = [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]
if expect:
    if codes != [expect]:
        sys.exit(f"expected one {expect} error, got {codes} (HTTP {status})")
elif status != 200 or codes:
    sys.exit(f"GraphQL errors {codes} (HTTP {status})")
"""


def bash_script(blocks: list[Block], runner: Path) -> str:
    parts = [
        "set -euo pipefail",
        "shopt -s inherit_errexit",
        "BLOCK_LINE=0",
        "trap 'echo \"README.md:$BLOCK_LINE: block failed at: $BASH_COMMAND\" >&2' ERR",
    ]
    for block in blocks:
        if not block.run:
            continue
        parts.append(f"BLOCK_LINE={block.line}; echo '### README.md:{block.line}'")
        if block.language == "graphql":
            who = re.search(r"^\s*#\s*as\s+(\S+@\S+)", block.code, re.M)
            expect = re.search(r"^\s*#\s*expect\s+([A-Z_]+)", block.code, re.M)
            args = [
                '"$B"',
                _quote(who.group(1) if who else ""),
                _quote(expect.group(1) if expect else ""),
                _quote(block.variables or ""),
            ]
            parts.append(
                f"{_quote(sys.executable)} {_quote(str(runner))} {' '.join(args)} "
                f"<<'__README_GRAPHQL__'\n{block.code}__README_GRAPHQL__"
            )
        else:
            parts.append(block.code)
    return "\n".join(parts) + "\n"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\"'\"'") + "'"


class Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.received.append(dict(self.headers))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/cop"
    httpd.shutdown()


def _command() -> list[str]:
    script = shutil.which("cop-api", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "app.cli"]


def test_conventions_are_followed() -> None:
    blocks = readme_blocks(README.read_text())
    run = [b for b in blocks if b.run]
    assert len(run) >= 15, "the README's examples are not found"
    for block in run:
        if block.language != "graphql":
            assert not unchecked_curls(block), (block.line, unchecked_curls(block))
    for target in re.findall(r"\]\(([^)#\s]+)[^)]*\)", README.read_text()):
        if not re.match(r"[a-z]+:", target):
            assert (ROOT / target).exists(), f"README links to {target}, not in the repository"
    skipped = [b for b in blocks if b.language in RUN_LANGUAGES and not b.run]
    assert len(skipped) <= 6, [b.line for b in skipped]  # sparingly


def test_readme_examples_run(server_url: str, tmp_path: Path, receiver: str) -> None:
    name = f"cop_api_readme_{os.getpid()}"
    url = database_on(server_url, name)
    asyncio.run(create_database(url, drop_first=True))
    ours = {field.upper() for field in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    env |= {
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": SECRET,
        "DATA_DIR": str(tmp_path / "data"),
        "PASSWORD_HASH_TIME_COST": "1",
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
        "WEBHOOKS_POLL_SECONDS": "0.5",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [*_command(), "serve", "--demo", "--port", str(port)],
        env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the demo service did not start"
            time.sleep(0.1)
        # The README's commands say `.venv/bin/cop-api`: run them in a folder of their own
        # (exports land there) whose .venv is the one running the tests.
        work = tmp_path / "work"
        work.mkdir()
        (work / ".venv").symlink_to(Path(sys.prefix))
        runner = tmp_path / "graphql_runner.py"
        runner.write_text(GRAPHQL_RUNNER)
        script = tmp_path / "readme.sh"
        script.write_text(bash_script(readme_blocks(README.read_text()), runner))
        result = subprocess.run(
            ["bash", str(script)],
            cwd=work,
            env={**env, "B": base, "HOOK_URL": receiver},
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(result.stdout, result.stderr)  # shown by `pytest -rP`, and on a failure
        assert result.returncode == 0, (result.stdout[-6000:], result.stderr[-4000:])
        deadline = time.monotonic() + 10
        while not Receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
        assert Receiver.received, "the README's webhook got no delivery"
        assert "webhook-signature" in {k.lower() for k in Receiver.received[0]}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        asyncio.run(drop_database(url))
