"""The contract's `security` is what the service does: every operation is called without
a credential, and it answers 401 `unauthenticated` exactly when its `security` requires
one (no `{}` alternative). Reads with optional security answer (what is public), and
operations with none never ask for a credential."""

import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from app.config import Settings
from app.main import create_app
from tests.factories import SECRET

SPEC: dict[str, Any] = create_app(Settings(environment="test", secret_key=SECRET)).openapi()
OPERATIONS = [
    (method, path, operation)
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
]
PATH_VALUES = {"slug": "no-such-domain", "kind": "helpful", "token": "not-a-feed-token"}


def url_of(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            name = parameter["name"]
            value = PATH_VALUES.get(name, str(uuid.uuid4()))
            path = path.replace("{" + name + "}", value)
    return path


def body_of(operation: dict[str, Any]) -> dict[str, Any]:
    media = list(operation.get("requestBody", {}).get("content", {}))
    if "application/json" in media:
        return {"json": {}}
    if "application/x-www-form-urlencoded" in media:
        return {"data": {}}
    return {}


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    OPERATIONS,
    ids=[operation["operationId"] for _, _, operation in OPERATIONS],
)
async def test_anonymous_calls_get_401_exactly_where_security_requires_a_credential(
    client: AsyncClient, method: str, path: str, operation: dict[str, Any]
) -> None:
    security = operation["security"]
    response = await client.request(method, url_of(path, operation), **body_of(operation))
    unauthenticated = (
        response.status_code == 401 and response.json()["type"] == "/problems/unauthenticated"
    )
    required = bool(security) and {} not in security
    assert unauthenticated == required, (security, response.status_code, response.text[:300])
    if security:
        schemes = {name for alternative in security for name in alternative}
        assert schemes == {"OAuth2", "ApiKey"}, security


def test_the_security_schemes_are_how_credentials_are_sent() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    password = schemes["OAuth2"]["flows"]["password"]
    assert password["tokenUrl"] == "/api/v1/auth/token"
    assert password["refreshUrl"] == "/api/v1/auth/refresh"
    assert "/api/v1/auth/token" in SPEC["paths"] and "/api/v1/auth/refresh" in SPEC["paths"]
    assert schemes["ApiKey"] == {**schemes["ApiKey"], "type": "http", "scheme": "bearer"}
    public = {o["operationId"] for _, _, o in OPERATIONS if {} in o["security"]}
    assert {"listDomains", "getDomain", "getDomainCalendar"} <= public
