"""The published contract is committed and checked against the service: `schema.graphql`
must be what the service serves (so every change to it shows in review), and nothing may
break clients of `contract/baseline.graphql` (the last published schema) unless the
change is listed, with its reason, in `contract/accepted-breaking.txt`.

After a deliberate change: `COP_UPDATE_CONTRACT=1 pytest tests/test_contract.py` writes
the current schema; a breaking one also needs its line in the accepted list."""

import os
from pathlib import Path

from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes

from app.config import Settings
from app.schema.build import build_schema

ROOT = Path(__file__).resolve().parent.parent
SDL = ROOT / "schema.graphql"
BASELINE = ROOT / "contract" / "baseline.graphql"
ACCEPTED = ROOT / "contract" / "accepted-breaking.txt"


def served_sdl() -> str:
    settings = Settings(environment="test", secret_key="contract-" + "x" * 40)
    return build_schema(settings).as_str() + "\n"


def accepted() -> set[str]:
    """`<TYPE_OF_CHANGE>: <description>  # why`, one a line; the reason is required."""
    lines = [line for line in ACCEPTED.read_text().splitlines() if line.strip()]
    found = set()
    for line in lines:
        if line.startswith("#"):
            continue
        change, _, reason = line.partition("  # ")
        assert reason.strip(), f"accepted-breaking.txt: give a reason for {change!r}"
        found.add(change.strip())
    return found


def test_the_committed_graphql_schema_is_the_served_one() -> None:
    current = served_sdl()
    if os.environ.get("COP_UPDATE_CONTRACT"):
        SDL.write_text(current)
    assert SDL.read_text() == current, (
        "schema.graphql differs from the served schema: if the change is meant, run "
        "COP_UPDATE_CONTRACT=1 pytest tests/test_contract.py and commit it"
    )


def test_no_unaccepted_breaking_change_since_the_baseline() -> None:
    changes = find_breaking_changes(parse_sdl(BASELINE.read_text()), parse_sdl(served_sdl()))
    found = {f"{c.type.name}: {c.description}" for c in changes}
    unaccepted = sorted(found - accepted())
    assert not unaccepted, (
        "breaking changes for GraphQL clients; list each in contract/accepted-breaking.txt "
        "with its reason if it is deliberate:\n" + "\n".join(unaccepted)
    )


def test_the_checker_sees_a_breaking_change() -> None:
    """The guard itself: removing a field from the baseline is reported."""
    baseline = parse_sdl(BASELINE.read_text())
    narrowed = parse_sdl(BASELINE.read_text().replace("  displayName: String!\n", "", 1))
    descriptions = [c.description for c in find_breaking_changes(baseline, narrowed)]
    assert any("displayName was removed" in d for d in descriptions), descriptions
