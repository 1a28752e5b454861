"""The pinned third-party contract checkers in `contract/tools` (`npm ci --prefix
contract/tools` installs them). Without them a test that needs one is skipped, unless
`COP_REQUIRE_CONTRACT_TOOLS` is set (CI sets it): then it fails."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "contract" / "tools" / "node_modules"


def tool(name: str) -> Path:
    """The path of a tool's executable, e.g. `tool("graphql-schema-linter")`."""
    if not NODE_MODULES.is_dir() and not os.environ.get("COP_REQUIRE_CONTRACT_TOOLS"):
        pytest.skip("contract tools are not installed: npm ci --prefix contract/tools")
    path = NODE_MODULES / ".bin" / name
    assert path.exists(), f"{name} is missing: npm ci --prefix contract/tools"
    return path
