"""Per-client request limits: buckets per person, per API key and per address, the
RateLimit headers, 429 beyond the limit, a key's own limit, GraphQL charging by cost,
and counters shared through Redis."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import RateLimited
from app.models.people import ApiKey
from app.ratelimit import RateDecision, charge
from tests.factories import auth, bearer, gql, make_key, make_person
from tests.integration.ratelimit_support import client_at, limited_app, random_address, redis_url
from tests.support import API, ok, problem, remaining

__all__ = ["redis_url"]  # the fixture

DOMAINS = f"{API}/domains"
MADE_UP_KEY = "cop_0123abcd_" + "x" * 43


async def test_headers_name_the_policy_and_count_down(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=5)
    async with client_at(app) as client:
        responses = [await client.get(DOMAINS) for _ in range(5)]
    for response in responses:
        assert response.status_code == 200
        assert response.headers["ratelimit-policy"] == '"anonymous";q=5;w=60'
        t = int(response.headers["ratelimit"].rsplit(";t=", 1)[1])
        assert 0 < t <= 60
    assert [remaining(r) for r in responses] == [4, 3, 2, 1, 0]


async def test_beyond_the_limit_a_429_problem_with_retry_after(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=3)
    async with client_at(app) as client:
        for _ in range(3):
            ok(await client.get(DOMAINS))
        refused = await client.get(DOMAINS)
        body = problem(refused, 429, "rate-limited")
        assert body["instance"] == DOMAINS
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert remaining(refused) == 0
        assert refused.headers["ratelimit-policy"] == '"anonymous";q=3;w=60'
        assert refused.headers["x-request-id"]
        assert refused.headers["cache-control"] == "no-store"  # no cache keeps a refusal
        # Every route, writes and GraphQL included, draws on the same bucket.
        problem(await client.post(f"{API}/auth/register", json={}), 429, "rate-limited")
        problem(await client.post("/graphql", json={"query": "{ __typename }"}), 429)


async def test_graphql_draws_on_the_same_bucket_as_rest(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=4)
    async with client_at(app) as client:
        first = await client.get(DOMAINS)
        graphql = await client.post("/graphql", json={"query": "{ __typename }"})
        assert graphql.status_code == 200
        assert remaining(first) == 3 and remaining(graphql) == 2
        assert graphql.headers["ratelimit-policy"] == '"anonymous";q=4;w=60'


async def test_health_probes_are_not_limited(settings: Settings, engine: AsyncEngine) -> None:
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=1)
    async with client_at(app) as client:
        for _ in range(5):
            response = await client.get("/healthz")
            assert response.status_code == 200
            assert "ratelimit" not in response.headers
        ok(await client.get(DOMAINS))
        problem(await client.get(DOMAINS), 429, "rate-limited")


async def test_people_keys_and_addresses_each_have_a_bucket(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    ada, bo = await make_person(session), await make_person(session)
    key = await make_key(session, admin, "read")
    app = limited_app(
        settings,
        engine,
        rate_limit_anonymous_per_minute=2,
        rate_limit_person_per_minute=3,
        rate_limit_api_key_per_minute=4,
    )
    async with client_at(app, "192.0.2.1") as here, client_at(app, "192.0.2.2") as there:
        for _ in range(3):
            ok(await here.get(DOMAINS, headers=auth(ada)))
        problem(await here.get(DOMAINS, headers=auth(ada)), 429, "rate-limited")
        # Ada's bucket is hers: Bo, the key and the address itself still have theirs.
        by_bo = await here.get(DOMAINS, headers=auth(bo))
        assert by_bo.headers["ratelimit-policy"] == '"person";q=3;w=60'
        assert remaining(by_bo) == 2
        by_key = await here.get(DOMAINS, headers=bearer(key))
        assert by_key.headers["ratelimit-policy"] == '"api-key";q=4;w=60'
        assert remaining(by_key) == 3
        assert remaining(await here.get(DOMAINS)) == 1
        # A person's bucket follows them to another address; addresses are apart.
        problem(await there.get(DOMAINS, headers=auth(ada)), 429, "rate-limited")
        assert remaining(await there.get(DOMAINS)) == 1
        assert remaining(await here.get(DOMAINS)) == 0


async def test_credentials_that_do_not_verify_are_charged_to_the_address(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    """Otherwise a client could make up a new key or token for every request and never
    run out."""
    admin = await make_person(session, is_platform_admin=True)
    revoked = await make_key(session, admin, "read")
    key_id = (await session.exec(select(ApiKey.id))).one()
    now = datetime.now(UTC)
    forged = jwt.encode(
        {"sub": str(uuid.uuid4()), "typ": "access", "iat": now, "exp": now + timedelta(hours=1)},
        "not-the-secret-key-but-long-enough-0123456789",
        algorithm="HS256",
    )
    expired = jwt.encode(
        {"sub": str(admin.id), "typ": "access", "iat": now, "exp": now - timedelta(minutes=1)},
        settings.secret_key,
        algorithm="HS256",
    )
    made_up = [f"cop_{uuid.uuid4().hex[:8]}_{uuid.uuid4().hex}{'y' * 11}" for _ in range(2)]
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=7)
    async with client_at(app) as client:
        ok(await client.delete(f"{API}/api-keys/{key_id}", headers=auth(admin)))
        answers = [
            await client.get(DOMAINS, headers=bearer(token))
            for token in (*made_up, MADE_UP_KEY, "cop_short", forged, expired, revoked)
        ]
        assert [r.status_code for r in answers] == [401] * 7
        assert {r.headers["ratelimit-policy"] for r in answers} == {'"anonymous";q=7;w=60'}
        assert [remaining(r) for r in answers] == [6, 5, 4, 3, 2, 1, 0]
        problem(await client.get(DOMAINS, headers=bearer(made_up[0][:-1] + "z")), 429)
        problem(await client.get(DOMAINS), 429, "rate-limited")


async def test_an_admin_gives_a_key_a_limit_of_its_own(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    member = await make_person(session)
    app = limited_app(
        settings,
        engine,
        rate_limit_person_per_minute=100,
        rate_limit_api_key_per_minute=2,
        rate_limit_key_cache_seconds=0,
    )
    async with client_at(app) as client:
        created = ok(
            await client.post(
                f"{API}/api-keys",
                json={"name": "LMS sync", "rate_limit_per_minute": 6},
                headers=auth(admin),
            ),
            201,
        )
        assert created["rate_limit_per_minute"] == 6
        key = bearer(created["key"])
        for _ in range(6):
            last = await client.get(DOMAINS, headers=key)
            assert last.status_code == 200
        assert last.headers["ratelimit-policy"] == '"api-key";q=6;w=60'
        problem(await client.get(DOMAINS, headers=key), 429, "rate-limited")

        url = f"{API}/api-keys/{created['id']}"
        for bad in (0, -1, 1_000_001, "many"):
            body = {"rate_limit_per_minute": bad}
            problem(await client.patch(url, json=body, headers=auth(admin)), 422)
        body = {"rate_limit_per_minute": 50}
        problem(await client.patch(url, json=body, headers=auth(member)), 403, "forbidden")
        updated = ok(await client.patch(url, json=body, headers=auth(admin)))
        assert updated["rate_limit_per_minute"] == 50
        raised = await client.get(DOMAINS, headers=key)
        assert raised.status_code == 200
        assert raised.headers["ratelimit-policy"] == '"api-key";q=50;w=60'

        # Through GraphQL, the same rule; null goes back to the default.
        mutation = """mutation($id: UUID!, $limit: Int) {
            updateApiKey(id: $id, input: {rateLimitPerMinute: $limit}) { rateLimitPerMinute } }"""
        variables = {"id": created["id"], "limit": None}
        denied = await gql(client, mutation, variables, as_=member)
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        data = await gql(client, mutation, variables, as_=admin)
        assert data["data"]["updateApiKey"] == {"rateLimitPerMinute": None}
        back = await client.get(DOMAINS, headers=key)
        assert back.headers["ratelimit-policy"] == '"api-key";q=2;w=60'
        listed = ok(await client.get(f"{API}/api-keys", headers=auth(admin)))
        assert listed["items"][0]["rate_limit_per_minute"] is None


async def test_a_key_limit_is_remembered_for_the_cache_time(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    app = limited_app(
        settings, engine, rate_limit_api_key_per_minute=3, rate_limit_key_cache_seconds=300
    )
    async with client_at(app) as client:
        created = ok(
            await client.post(f"{API}/api-keys", json={"name": "Sync"}, headers=auth(admin)), 201
        )
        key = bearer(created["key"])
        first = await client.get(DOMAINS, headers=key)
        assert first.headers["ratelimit-policy"] == '"api-key";q=3;w=60'
        url = f"{API}/api-keys/{created['id']}"
        ok(await client.patch(url, json={"rate_limit_per_minute": 9}, headers=auth(admin)))
        cached = await client.get(DOMAINS, headers=key)
        assert cached.headers["ratelimit-policy"] == '"api-key";q=3;w=60'


def _with_expensive_route(app: FastAPI) -> FastAPI:
    """A route that charges like the GraphQL query-cost extension does."""

    async def expensive(request: Request, cost: int) -> dict[str, int | bool | None]:
        decision = await charge(request, cost)
        if decision is not None and not decision.allowed:
            raise decision.error()
        return {"remaining": decision.remaining if decision else None}

    app.add_api_route("/test/expensive", expensive, methods=["GET"])
    return app


async def test_charge_adds_a_cost_to_the_bucket_the_request_was_charged_to(
    settings: Settings, engine: AsyncEngine, session: AsyncSession
) -> None:
    person = await make_person(session)
    app = _with_expensive_route(limited_app(settings, engine, rate_limit_person_per_minute=10))
    async with client_at(app) as client:
        first = await client.get("/test/expensive?cost=4", headers=auth(person))
        assert ok(first) == {"remaining": 6}
        assert remaining(first) == 6  # the header shows the whole cost
        assert remaining(await client.get("/test/expensive?cost=1", headers=auth(person))) == 5
        # Not enough left for 6 (1 charged by the middleware, 5 more): refused, and only
        # the one unit is spent.
        refused = await client.get("/test/expensive?cost=6", headers=auth(person))
        body = problem(refused, 429, "rate-limited")
        assert "10 units a minute" in body["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert remaining(refused) == 4
        ok(await client.get("/test/expensive?cost=4", headers=auth(person)))
        problem(await client.get(DOMAINS, headers=auth(person)), 429, "rate-limited")
        # Another client's bucket is untouched.
        assert remaining(await client.get(DOMAINS)) == 4


async def test_charge_without_the_middleware_charges_nothing(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = _with_expensive_route(limited_app(settings, engine, rate_limit_enabled=False))
    async with client_at(app) as client:
        response = await client.get("/test/expensive?cost=1000")
        assert ok(response) == {"remaining": None}
        assert "ratelimit" not in response.headers
    assert await charge({"type": "http", "state": {}}, 5) is None


def test_a_refused_decision_becomes_a_rate_limited_error() -> None:
    decision = RateDecision("person", limit=60, remaining=0, reset=0, allowed=False)
    error = decision.error()
    assert isinstance(error, RateLimited)
    assert error.code == "RATE_LIMITED" and error.problem == "rate-limited"
    assert error.retry_after == 1
    assert (b"retry-after", b"1") in decision.headers()


async def test_ipv6_clients_are_limited_by_their_slash_64(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = limited_app(settings, engine, rate_limit_anonymous_per_minute=2)
    async with (
        client_at(app, "2001:db8:1:2::10") as one,
        client_at(app, "2001:db8:1:2:ffff::1") as same_net,
        client_at(app, "2001:db8:1:3::10") as other_net,
    ):
        ok(await one.get(DOMAINS))
        ok(await same_net.get(DOMAINS))
        problem(await one.get(DOMAINS), 429, "rate-limited")
        ok(await other_net.get(DOMAINS))


async def test_with_limits_off_no_headers_and_no_429(
    settings: Settings, engine: AsyncEngine
) -> None:
    app = limited_app(settings, engine, rate_limit_enabled=False, rate_limit_anonymous_per_minute=1)
    async with client_at(app) as client:
        for _ in range(3):
            response = await client.get(DOMAINS)
            assert response.status_code == 200
            assert "ratelimit" not in response.headers


async def test_two_processes_share_the_counts_through_redis(
    settings: Settings, engine: AsyncEngine, session: AsyncSession, redis_url: str
) -> None:
    person = await make_person(session)
    shared = {"redis_url": redis_url, "rate_limit_anonymous_per_minute": 4}
    first = limited_app(settings, engine, rate_limit_person_per_minute=3, **shared)
    second = limited_app(settings, engine, rate_limit_person_per_minute=3, **shared)
    address = random_address()
    async with client_at(first, address) as a, client_at(second, address) as b:
        assert remaining(await a.get(DOMAINS)) == 3
        assert remaining(await b.get(DOMAINS)) == 2
        assert remaining(await a.get(DOMAINS)) == 1
        assert remaining(await b.get(DOMAINS)) == 0
        problem(await a.get(DOMAINS), 429, "rate-limited")
        problem(await b.get(DOMAINS), 429, "rate-limited")
        ok(await b.get(DOMAINS, headers=auth(person)))
        ok(await a.get(DOMAINS, headers=auth(person)))
        last = await b.get(DOMAINS, headers=auth(person))
        assert remaining(last) == 0
        problem(await a.get(DOMAINS, headers=auth(person)), 429, "rate-limited")


async def test_an_unreachable_redis_lets_requests_through(
    settings: Settings, engine: AsyncEngine
) -> None:
    """Limits are a protection, not a dependency: with the storage down the API still
    answers (without RateLimit headers), and says so in the log."""
    app = limited_app(settings, engine, redis_url="redis://127.0.0.1:9/0")
    async with client_at(app) as client:
        response = await client.get(DOMAINS)
    assert response.status_code == 200
    assert "ratelimit" not in response.headers


@pytest.mark.parametrize("limit", [0, -5])
def test_limits_are_positive(settings: Settings, limit: int) -> None:
    with pytest.raises(ValueError):
        Settings(**{**settings.model_dump(), "rate_limit_person_per_minute": limit})
