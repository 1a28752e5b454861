"""The published contract is committed and checked against the service: `schema.graphql`
and `openapi.json` must be what the service serves (so every change shows in review), and
nothing may break clients of `contract/baseline.*` (the last published contract) unless
the change is listed, with its reason, in `contract/accepted-breaking.txt`.

After a deliberate change: `COP_UPDATE_CONTRACT=1 pytest tests/test_contract.py` writes
the current schema; a breaking one also needs its line in the accepted list."""

import copy
import importlib.metadata
import json
import os
import re
from pathlib import Path
from typing import Any

from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes

from app import idempotency
from app.config import Settings
from app.main import create_app
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


# OpenAPI: the same two checks, `openapi.json` against the served spec and
# `contract/baseline.openapi.json` for changes that break generated clients.

OPENAPI = ROOT / "openapi.json"
OPENAPI_BASELINE = ROOT / "contract" / "baseline.openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")


def served_openapi() -> dict[str, Any]:
    settings = Settings(
        environment="test", secret_key="contract-" + "x" * 40, database_url="postgresql://-/-"
    )
    spec: dict[str, Any] = create_app(settings).openapi()
    return spec


def _dump(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _schema_changes(
    old_spec: dict[str, Any],
    new_spec: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any],
    where: str,
    request: bool,
) -> list[str]:
    """What breaks between two schemas at one place: a property or enum value gone from a
    response, a newly required property in a request."""
    old, new = _resolve(old_spec, old), _resolve(new_spec, new)
    found = []
    if not request:
        for name in old.get("properties", {}):
            if name not in new.get("properties", {}):
                found.append(f"{where}: property {name} removed")
    else:
        for name in set(new.get("required", [])) - set(old.get("required", [])):
            found.append(f"{where}: property {name} newly required")
    for value in old.get("enum", []):
        if value not in new.get("enum", []):
            found.append(f"{where}: enum value {value} removed")
    return found


def openapi_breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for path, operations in old["paths"].items():
        for method in METHODS:
            if method not in operations:
                continue
            where = f"{method.upper()} {path}"
            after = new["paths"].get(path, {}).get(method)
            if after is None:
                found.append(f"{where}: operation removed")
                continue
            renamed = after.get("operationId")
            if operations[method].get("operationId") != renamed:
                found.append(
                    f"{where}: operationId {operations[method].get('operationId')} renamed to "
                    f"{renamed}"
                )
            before_params = {
                (p["name"], p["in"])
                for p in operations[method].get("parameters", [])
                if "name" in p
            }
            for p in after.get("parameters", []):
                if "name" in p and p.get("required") and (p["name"], p["in"]) not in before_params:
                    found.append(f"{where}: parameter {p['name']} newly required")
            old_body = operations[method].get("requestBody", {}).get("content", {})
            new_body = after.get("requestBody", {}).get("content", {})
            for media, content in old_body.items():
                if media not in new_body:
                    found.append(f"{where}: request body {media} removed")
                    continue
                found += _schema_changes(
                    old, new, content["schema"], new_body[media]["schema"], where, request=True
                )
            for status, response in operations[method].get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media, content in response.get("content", {}).items():
                    after_content = after["responses"].get(status, {}).get("content", {}).get(media)
                    if after_content is None:
                        found.append(f"{where}: response {status} {media} removed")
                    elif "schema" in content and "schema" in after_content:
                        found += _schema_changes(
                            old, new, content["schema"], after_content["schema"], where, False
                        )
    return found


def test_the_committed_openapi_is_the_served_one() -> None:
    current = _dump(served_openapi())
    if os.environ.get("COP_UPDATE_CONTRACT"):
        OPENAPI.write_text(current)
    assert OPENAPI.read_text() == current, (
        "openapi.json differs from the served spec: if the change is meant, run "
        "COP_UPDATE_CONTRACT=1 pytest tests/test_contract.py and commit it"
    )


def test_no_unaccepted_openapi_breaking_change_since_the_baseline() -> None:
    found = openapi_breaking_changes(json.loads(OPENAPI_BASELINE.read_text()), served_openapi())
    unaccepted = sorted(set(found) - accepted())
    assert not unaccepted, (
        "breaking changes for generated REST clients; list each in "
        "contract/accepted-breaking.txt with its reason if it is deliberate:\n"
        + "\n".join(unaccepted)
    )


def test_the_openapi_checker_sees_breaking_changes() -> None:
    baseline = json.loads(OPENAPI_BASELINE.read_text())
    narrowed = copy.deepcopy(baseline)
    del narrowed["paths"]["/api/v1/domains"]["get"]
    narrowed["components"]["schemas"]["DomainPublic"]["properties"].pop("purpose")
    narrowed["components"]["schemas"]["DomainCreate"]["required"].append("purpose")
    found = openapi_breaking_changes(baseline, narrowed)
    assert "GET /api/v1/domains: operation removed" in found
    assert "GET /api/v1/domains/{slug}: property purpose removed" in found
    assert "POST /api/v1/domains: property purpose newly required" in found
    narrowed["paths"]["/api/v1/domains/{slug}"]["get"]["operationId"] = "fetchDomain"
    found = openapi_breaking_changes(baseline, narrowed)
    assert any(
        c.startswith("GET /api/v1/domains/{slug}: operationId ") and c.endswith("fetchDomain")
        for c in found
    ), found
    assert openapi_breaking_changes(baseline, baseline) == []


def test_graphql_names_are_consistent() -> None:
    """Inputs end in `Input`; no type carries a `Type` suffix of its Python class."""
    schema = parse_sdl(served_sdl())
    names = [n for n in schema.type_map if not n.startswith("__")]
    assert [n for n in names if n.endswith(("Type", "InputType", "TypeType"))] == []
    inputs = [n for n, t in schema.type_map.items() if type(t).__name__ == "GraphQLInputObjectType"]
    assert [n for n in inputs if not n.endswith("Input")] == []


def _resolve_response(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        resolved: dict[str, Any] = spec["components"]["responses"][response["$ref"].rsplit("/")[-1]]
        return resolved
    return response


def test_every_error_is_documented_as_a_problem() -> None:
    """Generated clients decode errors by the spec: each error status an operation lists
    is `application/problem+json` with the `Problem` schema, and FastAPI's
    `HTTPValidationError` (which the service never sends) is gone."""
    spec = served_openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert {"type", "title", "status", "detail"} <= set(
        spec["components"]["schemas"]["Problem"]["required"]
    )
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            for status, response in errors.items():
                response = _resolve_response(spec, response)
                schema = response["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
            if operation["security"]:
                assert {"401", "403"} <= set(errors), (method, path)
            if "requestBody" in operation:
                assert {"413", "415", "422"} <= set(errors), (method, path)
            if method == "get":
                assert "304" in operation["responses"], (method, path)


OPERATION_ID = re.compile(r"^[a-z][a-zA-Z0-9]*$")
VERBS = {
    "list", "get", "create", "update", "delete", "archive", "revoke", "cancel", "set",
    "remove", "put", "import", "export", "search", "log", "refresh", "register", "verify",
    "resend", "request", "confirm", "join", "end", "endorse", "withdraw", "accept", "report",
    "resolve", "hide", "restore", "curate", "uncurate", "record", "check", "write",
    "redeliver",
}  # fmt: skip


def test_operation_ids_are_short_unique_camel_case_verbs() -> None:
    """Generated clients name their methods after operationIds: `listDomains`, not
    FastAPI's `list_domains_api_v1_domains_get`."""
    spec = served_openapi()
    ids = [o["operationId"] for ops in spec["paths"].values() for o in ops.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for operation_id in ids:
        assert OPERATION_ID.match(operation_id), operation_id
        assert len(operation_id) <= 30, operation_id
        verb = re.match(r"^[a-z]+", operation_id)
        assert verb and verb.group() in VERBS, f"{operation_id} does not start with a verb"
    assert {"listDomains", "getDomain", "createContribution", "withdrawEndorsement"} <= set(ids)


def test_every_operation_is_described_and_tagged() -> None:
    spec = served_openapi()
    tags = {t["name"]: t for t in spec["tags"]}
    assert all(t.get("description") for t in tags.values())
    used = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert len(operation.get("description", "")) >= 20, (method, path)
            assert operation["tags"] and set(operation["tags"]) <= set(tags), (method, path)
            used |= set(operation["tags"])
    assert used == set(tags), set(tags) - used
    info = spec["info"]
    assert info["description"] and info["contact"]["name"] and info["license"]["name"]
    assert spec["servers"] == [{"url": "/", "description": spec["servers"][0]["description"]}]


def test_the_licence_is_the_package_s() -> None:
    """`info.license` is what pyproject declares, so the two cannot disagree."""
    spec = served_openapi()
    declared = importlib.metadata.metadata("cop-api").get_all("License-Expression")
    if declared:
        assert spec["info"]["license"]["identifier"] == declared[0]
    else:
        assert "No licence granted" in spec["info"]["license"]["name"]


# What these create has no URL of its own (a report is resolved through
# /reports/{id}/resolve; value stories are only listed): their 201 has no Location.
UNADDRESSED = {"reportContribution", "createValueStory"}


def test_every_body_has_a_schema_and_headers_are_where_the_service_sends_them() -> None:
    """A client can decode each body it may get, and finds the headers it may use: an
    `Idempotency-Key` on each POST the service keys (not those answering a secret once),
    `If-Match` with its 412 together, `Location` on 201s, `Link` on pages."""
    spec = served_openapi()
    ref = "#/components/parameters/"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = (method, path)
            for status, response in operation["responses"].items():
                for media, content in response.get("content", {}).items():
                    assert content.get("schema"), (*where, status, media)
                if status == "201" and operation["operationId"] not in UNADDRESSED:
                    assert "Location" in response.get("headers", {}), where
            names = {p.get("$ref", "").removeprefix(ref) for p in operation.get("parameters", [])}
            keyed = method == "post" and path not in idempotency.NOT_STORED_PATHS
            assert ("IdempotencyKey" in names) == keyed, where
            assert ("IfMatch" in names) == ("412" in operation["responses"]), where
            assert ("IfNoneMatch" in names) == (method == "get"), where
            schema = operation["responses"].get("200", {}).get("content", {})
            page = schema.get("application/json", {}).get("schema", {}).get("$ref", "")
            if page.startswith("#/components/schemas/Page_"):
                assert "Link" in operation["responses"]["200"]["headers"], where
