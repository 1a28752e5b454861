"""The committed `openapi.json` checked by tools nobody here wrote: the OpenAPI 3.1
validator, Spectral's OpenAPI ruleset, Redocly's recommended ruleset (none may report an
error or a warning), and TypeScript: `openapi-typescript` generates the types, and the
typed program `contract/ts/check.ts` must compile against them with `--strict`.

Each checker is also shown a broken document, so that a checker that silently checks
nothing fails here instead of passing."""

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.contract_tools import ROOT, tool

OPENAPI = ROOT / "openapi.json"


def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI.read_text())
    return loaded


def broken() -> dict[str, Any]:
    """The spec with mistakes every checker knows: an operation without a description
    or responses, and a reference to a schema that does not exist."""
    document = copy.deepcopy(spec())
    operation = document["paths"]["/api/v1/domains"]["get"]
    del operation["description"]
    operation["responses"] = {}
    post = document["paths"]["/api/v1/domains"]["post"]
    post["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/NoSuchSchema"
    }
    return document


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_openapi_spec_validator_accepts_it() -> None:
    validate(spec())
    with pytest.raises(OpenAPIValidationError):
        validate(broken())


def spectral(document: Path) -> list[dict[str, Any]]:
    result = run(
        tool("spectral"), "lint", "--ruleset", ROOT / ".spectral.yaml", "--format", "json",
        "--fail-severity", "hint", "--quiet", document,
    )  # fmt: skip
    assert result.stdout.strip(), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    # Exit code 1 when anything was found, 0 when nothing was; anything else is a crash.
    assert result.returncode == (1 if findings else 0), result.stderr
    return findings


@pytest.mark.contract_tools
def test_spectral_finds_nothing(tmp_path: Path) -> None:
    findings = spectral(OPENAPI)
    # Severity 0 is an error, 1 a warning (2 and 3: information and hints).
    serious = [f for f in findings if f["severity"] <= 1]
    assert serious == [], json.dumps(serious, indent=2)[:4000]

    bad = tmp_path / "openapi.json"
    bad.write_text(json.dumps(broken()))
    codes = {f["code"] for f in spectral(bad)}
    assert {"operation-description", "oas3-schema"} & codes, codes


def redocly(document: Path, cwd: Path) -> dict[str, Any]:
    result = run(
        tool("redocly"), "lint", "--config", ROOT / "redocly.yaml", "--format", "json",
        document, cwd=cwd,
    )  # fmt: skip
    assert result.stdout.strip(), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.contract_tools
def test_redocly_finds_nothing(tmp_path: Path) -> None:
    report = redocly(OPENAPI, ROOT)
    assert report["totals"]["errors"] == 0, json.dumps(report["problems"], indent=2)[:4000]
    assert report["totals"]["warnings"] == 0, json.dumps(report["problems"], indent=2)[:4000]

    bad = tmp_path / "openapi.json"
    bad.write_text(json.dumps(broken()))
    report = redocly(bad, tmp_path)
    rules = {p["ruleId"] for p in report["problems"]}
    assert report["totals"]["errors"] > 0, report["totals"]
    assert "no-unresolved-refs" in rules, rules


def compile_typescript(folder: Path) -> subprocess.CompletedProcess[str]:
    return run(
        tool("tsc"), "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext",
        "--moduleResolution", "nodenext", "check.ts", cwd=folder,
    )  # fmt: skip


@pytest.mark.contract_tools
def test_a_typed_program_compiles_against_the_generated_types(tmp_path: Path) -> None:
    """`--default-non-nullable false`: a default in a request schema is the server's
    (a field left out gets it), so the field stays optional for the client."""
    generated = run(
        tool("openapi-typescript"), OPENAPI, "--output", tmp_path / "openapi.d.ts",
        "--default-non-nullable", "false", cwd=tmp_path,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    shutil.copy(ROOT / "contract" / "ts" / "check.ts", tmp_path / "check.ts")
    compiled = compile_typescript(tmp_path)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    # The types are the contract's, not `any`: a field no schema has does not compile.
    wrong = (ROOT / "contract" / "ts" / "check.ts").read_text() + (
        '\nexport const wrong: Outcome = { status: 200, body: { slug: "x", colour: 1 } };\n'
    )
    (tmp_path / "check.ts").write_text(wrong)
    failed = compile_typescript(tmp_path)
    assert failed.returncode != 0 and "colour" in failed.stdout, failed.stdout
