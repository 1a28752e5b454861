"""GraphQL reads its body and `variables` with the same JSON reader as REST: too deep,
not UTF-8 or not JSON at all is a 400, never an internal error."""

import json

import pytest
from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth, make_person

QUERY = "query($v: Boolean!) { __typename @include(if: $v) }"


def deep_variables(depth: int) -> bytes:
    return (
        b'{"query": "'
        + QUERY.encode()
        + b'", "variables": {"v": '
        + b'{"a":' * depth
        + b"1"
        + b"}" * depth
        + b"}}"
    )


BODIES = {
    "variables 1,000 deep": deep_variables(1000),
    "variables 100 deep": deep_variables(100),
    "arrays 100,000 deep": b"[" * 100_000,
    "not UTF-8": b'{"query": "{ __typename \xff }"}',
    "UTF-16": json.dumps({"query": "{ __typename }"}).encode("utf-16"),
    "NaN": b'{"query": "{ __typename }", "variables": {"v": NaN}}',
}


@pytest.mark.parametrize("idempotent", [False, True])
@pytest.mark.parametrize("payload", BODIES.values(), ids=BODIES.keys())
async def test_unreadable_bodies_are_400(
    client: AsyncClient, session: AsyncSession, payload: bytes, idempotent: bool
) -> None:
    person = await make_person(session)
    headers = {**auth(person), "content-type": "application/json"}
    if idempotent:
        headers["Idempotency-Key"] = f"unreadable-{len(payload)}"
    response = await client.post("/graphql", content=payload, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "MALFORMED_JSON"
    assert "recursion" not in response.text.lower()
    assert "Traceback" not in response.text


async def test_deep_variables_in_a_get_are_400(client: AsyncClient) -> None:
    variables = '{"v":' * 1000 + "1" + "}" * 1000
    response = await client.get("/graphql", params={"query": QUERY, "variables": variables})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "MALFORMED_JSON"
    assert "recursion" not in response.text.lower()


async def test_variables_within_the_limit_are_read(client: AsyncClient) -> None:
    body = {"query": QUERY, "variables": {"v": True}}
    response = await client.post("/graphql", json=body)
    assert response.json()["data"] == {"__typename": "Query"}
