"""Query cost analysis, the execution time limit and abusive GraphQL inputs: each is
refused with a stable code before it can stall the service, never a 500."""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.main import create_app
from tests.factories import gql, make_domain, make_person
from tests.integration.ratelimit_support import client_at, limited_app, random_address
from tests.support import error_codes, gql_ok, only_error, remaining

ABUSIVE_ONE = (
    "domains(first:100){ nodes{ members(first:100){ nodes{ person{ memberships(first:100){"
    " nodes{ domain{ members(first:100){ nodes{ roles }}}}}}}}}}"
)


def _abusive(aliases: int) -> str:
    return "{ " + " ".join(f"a{i}: {ABUSIVE_ONE}" for i in range(aliases)) + " }"


async def _post(client: AsyncClient, body: Any, **kwargs: Any) -> Any:
    response = await client.post("/graphql", json=body, **kwargs)
    assert response.status_code < 500, response.text
    assert "maximum recursion" not in response.text
    return response


async def test_a_costly_query_is_refused_before_it_runs(
    client: AsyncClient, settings: Settings, count_statements: Any
) -> None:
    body = await gql(client, _abusive(30))
    error = only_error(body)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["limit"] == settings.graphql_max_cost
    assert error["extensions"]["cost"] > settings.graphql_max_cost
    assert str(settings.graphql_max_cost) in error["message"]
    assert body["data"] is None
    # Refused before execution: the only statements are the caller's lookup (none here).
    assert count_statements.count == 0


async def test_every_accepted_query_reports_its_cost(
    client: AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    convenor = await make_person(session)
    await make_domain(session, convenor, name="Cost")
    body = await gql(
        client,
        "{ domains(first: 10) { nodes { slug members(first: 5) { nodes { roles } } } } }",
        as_=convenor,
    )
    gql_ok(body)
    # The domains connection 1, then 10 domains, each 1 + slug 0.1 + its members
    # connection 1 + 5 memberships x (1 + roles 0.1): 1 + 10 x 7.6 = 77.
    assert body["extensions"]["cost"] == {"requested": 77, "limit": settings.graphql_max_cost}


async def test_cost_follows_page_sizes_in_variables(client: AsyncClient) -> None:
    query = (
        "query($n: Int) { domains(first: $n) "
        "{ nodes { members(first: 100) { nodes { roles } } } } }"
    )
    small = await gql(client, query, {"n": 1})
    large = await gql(client, query, {"n": 100})
    assert small["extensions"]["cost"]["requested"] < large["extensions"]["cost"]["requested"]
    # No `first`: the default page size counts.
    default = await gql(client, "{ domains { nodes { slug } } }")
    assert default["extensions"]["cost"]["requested"] == 1 + 20 * 1.1


@pytest.fixture
async def slow_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    app = create_app(settings.model_copy(update={"graphql_timeout_seconds": 0.2}), engine=engine)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_an_operation_past_the_time_limit_is_cancelled(
    slow_client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    """Another transaction locks the domains table, so the resolver waits on PostgreSQL:
    the operation is cancelled at the limit, and its connection goes back to the pool."""
    convenor = await make_person(session)
    await make_domain(session, convenor, name="Slow")
    await session.close()
    async with engine.connect() as locker:
        await locker.execute(text("LOCK TABLE domains IN ACCESS EXCLUSIVE MODE"))
        before = engine.pool.checkedout()
        started = time.perf_counter()
        body = await gql(slow_client, "{ domains(first: 5) { nodes { slug } } }")
        elapsed = time.perf_counter() - started
        assert error_codes(body) == ["TIMEOUT"], body
        assert elapsed < 1.5
        await asyncio.sleep(0.1)
        assert engine.pool.checkedout() == before
        await locker.rollback()
    body = await gql(slow_client, "{ domains(first: 5) { nodes { slug } } }")
    assert gql_ok(body)["domains"]["nodes"] == [{"slug": "slow"}]


async def test_a_long_search_term_is_refused(client: AsyncClient, session: AsyncSession) -> None:
    person = await make_person(session)
    for query in (
        "query($q: String!) { search(q: $q) { nodes { rank } } }",
        "query($q: String!) { people(q: $q) { nodes { id } } }",
    ):
        body = await gql(client, query, {"q": "x" * 300_000}, as_=person)
        assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_a_million_item_list_variable_is_refused(client: AsyncClient) -> None:
    response = await _post(
        client,
        {"query": "query($ids: [UUID!]!) { __typename }", "variables": {"ids": ["x"] * 1_000_000}},
    )
    assert response.status_code == 413, response.text


async def test_a_long_list_variable_is_refused(client: AsyncClient) -> None:
    body = (
        await _post(
            client,
            {
                "query": "query($tags: [String!]) { domains(first: 1) { nodes { slug } } }",
                "variables": {"tags": ["t"] * 5_000},
            },
        )
    ).json()
    assert error_codes(body) == ["BAD_USER_INPUT"], body


async def test_deeply_nested_variables_are_refused(client: AsyncClient) -> None:
    nested = '{"a": ' * 1_000 + '"x"' + "}" * 1_000
    raw = '{"query": "query($v: String) { __typename }", "variables": {"v": ' + nested + "}}"
    response = await client.post(
        "/graphql", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["MALFORMED_JSON"]


async def test_json_nested_past_the_parser_limit_is_a_400(client: AsyncClient) -> None:
    raw = '{"query": "{ __typename }", "variables": {"v": ' + "[" * 5_000 + "]" * 5_000 + "}}"
    response = await client.post(
        "/graphql", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert "recursion" not in response.text


async def test_a_chain_of_300_fragments_is_refused(client: AsyncClient) -> None:
    fragments = (
        "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(300))
        + "\nfragment F300 on Query { __typename }"
    )
    response = await _post(client, {"query": "{ ...F0 }\n" + fragments})
    assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_a_diamond_of_fragments_costs_no_exponential_time(client: AsyncClient) -> None:
    fragments = (
        "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
        + "\nfragment F40 on Query { domains(first: 1) { nodes { slug } } }"
    )
    response = await _post(client, {"query": "{ ...F0 }\n" + fragments})
    assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_no_suggestions_when_introspection_is_off(
    settings: Settings, engine: AsyncEngine
) -> None:
    closed = create_app(settings.model_copy(update={"graphql_introspection": False}), engine=engine)
    async with AsyncClient(transport=ASGITransport(app=closed), base_url="http://t") as client:
        body = (await _post(client, {"query": "{ me { emial } }"})).json()
    assert "Did you mean" not in str(body)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_suggestions_stay_when_introspection_is_on(client: AsyncClient) -> None:
    body = (await _post(client, {"query": "{ me { emial } }"})).json()
    assert "Did you mean" in str(body)


async def test_queries_are_charged_by_their_cost(settings: Settings, engine: AsyncEngine) -> None:
    """One unit on arrival, one more for every hundred objects a query may fetch: a query
    of cost 2,401 (100 domains, each with 20 members) takes 25 of 60 units, so the third
    is refused (and a cheap one still passes)."""
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=60)
    query = "{ domains(first: 100) { nodes { members { nodes { roles } } } } }"
    async with client_at(app, random_address()) as client:
        first = await client.post("/graphql", json={"query": query})
        assert first.json()["extensions"]["cost"]["requested"] == 2_401
        assert remaining(first) == 60 - 25
        second = await client.post("/graphql", json={"query": query})
        assert remaining(second) == 60 - 50
        third = (await client.post("/graphql", json={"query": query})).json()
        assert error_codes(third) == ["RATE_LIMITED"], third
        assert third["errors"][0]["extensions"]["retryAfter"] >= 1
        cheap = await client.post("/graphql", json={"query": "{ __typename }"})
        assert cheap.json()["data"] == {"__typename": "Query"}


async def test_variables_nested_past_16_levels_are_refused(client: AsyncClient) -> None:
    """Within what the JSON reader takes (64 levels), but deeper than any input type."""
    nested: Any = "x"
    for _ in range(30):
        nested = {"a": nested}
    body = (
        await _post(
            client, {"query": "query($v: String) { __typename }", "variables": {"v": nested}}
        )
    ).json()
    assert error_codes(body) == ["BAD_USER_INPUT"], body
