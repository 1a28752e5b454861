"""The endpoint's guards: depth, alias and token limits, switchable introspection. Each
refusal is an ordinary GraphQL error with a stable code, never a 500."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.main import create_app
from tests.factories import gql
from tests.support import gql_ok, only_error


async def _post(client: AsyncClient, query: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


CYCLE = ["memberships", "nodes", "domain", "members", "nodes", "person"]


def _selection(depth: int) -> str:
    """`depth` nested fields below the root, each valid on its parent's type."""
    query = "__typename"
    for i in reversed(range(depth)):
        query = f"{CYCLE[i % len(CYCLE)]} {{ {query} }}"
    return query


def _nested(depth: int) -> str:
    """{ me { memberships { nodes { domain { members { nodes { person { ... } } } } } } } }"""
    return f"{{ me {{ {_selection(depth - 1)} }} }}"


async def test_depth_limit(client: AsyncClient, settings: Settings) -> None:
    at_limit = only_error(await _post(client, _nested(settings.graphql_max_depth)))
    assert at_limit["extensions"]["code"] == "UNAUTHENTICATED"  # it ran: `me` needs a token
    body = await _post(client, _nested(settings.graphql_max_depth + 1))
    error = only_error(body)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]
    assert body.get("data") is None


async def test_depth_limit_sees_through_fragments(client: AsyncClient, settings: Settings) -> None:
    deep = _selection(settings.graphql_max_depth)
    query = f"{{ me {{ ...Deep }} }} fragment Deep on Person {{ {deep} }}"
    error = only_error(await _post(client, query))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]


async def test_alias_limit(client: AsyncClient, settings: Settings) -> None:
    def aliased(n: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"

    assert gql_ok(await _post(client, aliased(settings.graphql_max_aliases)))
    error = only_error(await _post(client, aliased(settings.graphql_max_aliases + 1)))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in error["message"]


async def test_token_limit(client: AsyncClient, settings: Settings) -> None:
    # "{ __typename ... }": two braces plus one token per field
    fields = settings.graphql_max_tokens - 2
    at_limit = await _post(client, "{ " + " __typename" * fields + " }")
    # (so many identical fields hit the validator's own work budget, which is fine)
    assert "tokens" not in str(at_limit)
    error = only_error(await _post(client, "{ " + " __typename" * (fields + 1) + " }"))
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "tokens" in error["message"]


INTROSPECTION = "{ __schema { queryType { name } types { name } } }"
TYPE_QUERY = '{ __type(name: "Domain") { fields { name } } }'


async def test_introspection_on_by_default(client: AsyncClient) -> None:
    schema = gql_ok(await _post(client, INTROSPECTION))["__schema"]
    assert schema["queryType"] == {"name": "Query"}
    assert "Domain" in {t["name"] for t in schema["types"]}
    fields = {f["name"] for f in gql_ok(await _post(client, TYPE_QUERY))["__type"]["fields"]}
    assert {"slug", "members", "parent"} <= fields


@pytest.fixture
async def closed_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    app = create_app(settings.model_copy(update={"graphql_introspection": False}), engine=engine)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.mark.parametrize("query", [INTROSPECTION, TYPE_QUERY])
async def test_introspection_can_be_switched_off(closed_client: AsyncClient, query: str) -> None:
    body = await _post(closed_client, query)
    assert body.get("data") is None
    assert body["errors"]
    for error in body["errors"]:
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "introspection" in error["message"].lower()


async def test_ordinary_queries_work_with_introspection_off(closed_client: AsyncClient) -> None:
    assert gql_ok(await gql(closed_client, "{ __typename domains { nodes { slug } } }")) == {
        "__typename": "Query",
        "domains": {"nodes": []},
    }
