"""Idempotency-Key on POST: a retry replays the first response and writes nothing more;
the same key for another request is 422; a retry while the first still runs is 409;
keys belong to their caller; records expire after 24 hours; a 5xx lets a retry through."""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import orjson
import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.idempotency import NOT_STORED_MUTATIONS, KeyStore, issues_credentials
from app.models.people import Person
from app.services.domains import service as domain_service
from tests.factories import SECRET, auth, gql, make_domain, make_person
from tests.support import API, ok, problem_checked_client, rows, scalar


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    """Every error response must be problem+json, as everywhere in the REST API."""
    async with problem_checked_client(app) as client:
        yield client


def keyed(person: Person | None, key: str, **extra: str) -> dict[str, str]:
    headers = {"Idempotency-Key": key, **extra}
    if person is not None:
        headers.update(auth(person))
    return headers


def problem_type(response: Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    found: str = response.json()["type"]
    return found


async def count_domains(engine: AsyncEngine) -> int:
    return int(await scalar(engine, "SELECT count(*) FROM domains"))


async def records(engine: AsyncEngine) -> list[Any]:
    return await rows(engine, "SELECT * FROM idempotency_keys ORDER BY created_at")


async def test_a_retry_replays_the_first_response_and_writes_once(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    ada = await make_person(session)
    key = str(uuid.uuid4())
    first = await client.post(
        f"{API}/domains", json={"name": "Case clinic", "themes": ["pain"]}, headers=keyed(ada, key)
    )
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    events = await scalar(engine, "SELECT count(*) FROM events")

    # The same request again, its JSON spelled differently: the same request.
    again = await client.post(
        f"{API}/domains",
        content=b'{ "themes": ["pain"],   "name": "Case clinic" }',
        headers=keyed(ada, key, **{"Content-Type": "application/json"}),
    )
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"].startswith(f'"{first.json()["version"]}.')
    assert again.headers["cache-control"] == first.headers["cache-control"] == "no-store"
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert await count_domains(engine) == 1
    assert await scalar(engine, "SELECT count(*) FROM events") == events
    assert await scalar(engine, "SELECT count(*) FROM memberships") == 1

    [record] = await records(engine)
    assert record["key"] == key and record["caller"] == f"person:{ada.id}"
    assert record["status_code"] == 201 and record["completed_at"] is not None


async def test_a_quoted_key_is_the_same_key(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    """The draft defines the field as a Structured Fields string; clients also send it bare."""
    ada = await make_person(session)
    first = await client.post(f"{API}/domains", json={"name": "A"}, headers=keyed(ada, '"k-1"'))
    again = await client.post(f"{API}/domains", json={"name": "A"}, headers=keyed(ada, "k-1"))
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_domains(engine) == 1


async def test_the_same_key_for_another_request_is_422(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    ada = await make_person(session)
    ok(await client.post(f"{API}/domains", json={"name": "One"}, headers=keyed(ada, "k")), 201)

    other_body = await client.post(f"{API}/domains", json={"name": "Two"}, headers=keyed(ada, "k"))
    assert other_body.status_code == 422
    assert problem_type(other_body) == "/problems/idempotency-key-reused"

    domain = await make_domain(session, ada)
    other_path = await client.post(
        f"{API}/domains/{domain.slug}/collections", json={"title": "x"}, headers=keyed(ada, "k")
    )
    assert other_path.status_code == 422
    assert problem_type(other_path) == "/problems/idempotency-key-reused"
    assert await count_domains(engine) == 2  # "One" and the one made directly
    assert await scalar(engine, "SELECT count(*) FROM collections") == 0


async def test_a_retry_while_the_first_request_runs_is_409(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    """The first request waits on a row lock held by another connection; meanwhile the
    same key is refused with 409, and once the first finishes, the key replays it."""
    convenor = await make_person(session)
    ada = await make_person(session)
    domain = await make_domain(session, convenor)
    url = f"{API}/domains/{domain.slug}/members"

    async with engine.connect() as blocker:
        await blocker.execute(
            text("SELECT 1 FROM domains WHERE id = :id FOR UPDATE"), {"id": domain.id}
        )
        first = asyncio.create_task(client.post(url, json={}, headers=keyed(ada, "join")))
        for _ in range(1000):  # until the first request has claimed the key
            if await records(engine):
                break
            await asyncio.sleep(0.01)
        [claim] = await records(engine)
        assert claim["completed_at"] is None

        busy = await client.post(url, json={}, headers=keyed(ada, "join"))
        assert busy.status_code == 409
        assert problem_type(busy) == "/problems/idempotency-key-in-use"
        assert busy.headers["retry-after"] == "1"
        assert not first.done()
        await blocker.rollback()

    joined = await asyncio.wait_for(first, 10)
    assert joined.status_code == 201, joined.text
    replay = await client.post(url, json={}, headers=keyed(ada, "join"))
    assert replay.status_code == 201 and replay.content == joined.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert await scalar(engine, "SELECT count(*) FROM memberships") == 2


async def test_keys_belong_to_their_caller(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    ada = await make_person(session)
    bob = await make_person(session)
    body = {"name": "Same name"}
    by_ada = ok(await client.post(f"{API}/domains", json=body, headers=keyed(ada, "k")), 201)
    by_bob = ok(await client.post(f"{API}/domains", json=body, headers=keyed(bob, "k")), 201)
    assert by_ada["id"] != by_bob["id"]
    assert await count_domains(engine) == 2

    # Ada again, with another access token (a later one): still her key.
    later = jwt.encode(
        {
            "sub": str(ada.id),
            "typ": "access",
            "iat": datetime.now(UTC) - timedelta(seconds=30),
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        SECRET,
        algorithm="HS256",
    )
    headers = {"Idempotency-Key": "k", "Authorization": f"Bearer {later}"}
    replay = await client.post(f"{API}/domains", json=body, headers=headers)
    assert replay.status_code == 201 and replay.json()["id"] == by_ada["id"]
    assert await count_domains(engine) == 2


async def test_a_forged_token_neither_replays_nor_stores(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    """A token that names Ada but is not signed by us must not reach her stored responses."""
    ada = await make_person(session)
    ok(await client.post(f"{API}/domains", json={"name": "Mine"}, headers=keyed(ada, "k")), 201)
    forged = jwt.encode(
        {"sub": str(ada.id), "typ": "access", "exp": datetime.now(UTC) + timedelta(minutes=5)},
        "not-our-secret-key-but-long-enough-0123456789",
        algorithm="HS256",
    )
    headers = {"Idempotency-Key": "k", "Authorization": f"Bearer {forged}"}
    refused = await client.post(f"{API}/domains", json={"name": "Mine"}, headers=headers)
    assert refused.status_code == 401
    assert "idempotent-replayed" not in refused.headers
    assert len(await records(engine)) == 1


async def test_api_keys_have_keys_of_their_own(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    made = ok(
        await client.post(
            f"{API}/api-keys", json={"name": "LMS", "scopes": ["write"]}, headers=auth(admin)
        ),
        201,
    )
    key = made["key"]
    as_key = {"Authorization": f"Bearer {key}", "Idempotency-Key": "k"}
    first = ok(await client.post(f"{API}/domains", json={"name": "LMS"}, headers=as_key), 201)
    replay = await client.post(f"{API}/domains", json={"name": "LMS"}, headers=as_key)
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == first

    # Knowing the key's prefix (it is listed) is not knowing the key.
    prefix = key.split("_")[1]
    impostor = {"Authorization": f"Bearer cop_{prefix}_guessed", "Idempotency-Key": "k"}
    refused = await client.post(f"{API}/domains", json={"name": "LMS"}, headers=impostor)
    assert refused.status_code == 401
    assert "idempotent-replayed" not in refused.headers
    assert await count_domains(engine) == 1
    [record] = await records(engine)
    assert record["caller"].startswith("key:") and prefix not in record["caller"]


async def test_anonymous_sign_up_replays_only_the_same_request(
    client: AsyncClient, engine: AsyncEngine
) -> None:
    body = {"email": "new@example.org", "password": "correct horse", "display_name": "New"}
    first = ok(await client.post(f"{API}/auth/register", json=body, headers=keyed(None, "r")), 201)
    again = await client.post(f"{API}/auth/register", json=body, headers=keyed(None, "r"))
    assert again.status_code == 201 and again.json() == first
    other = {**body, "email": "other@example.org"}
    refused = await client.post(f"{API}/auth/register", json=other, headers=keyed(None, "r"))
    assert refused.status_code == 422
    assert problem_type(refused) == "/problems/idempotency-key-reused"
    assert await scalar(engine, "SELECT count(*) FROM people") == 1
    [record] = await records(engine)
    assert record["caller"] == "anonymous"
    # Keyed with the server's secret: not a plain hash of a body that holds a password.
    plain = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    assert record["fingerprint"] != plain
    assert b"correct horse" not in bytes(record["body"])


async def test_records_expire_after_24_hours(
    client: AsyncClient, session: Any, engine: AsyncEngine, app: Any
) -> None:
    ada = await make_person(session)
    ok(await client.post(f"{API}/domains", json={"name": "Old"}, headers=keyed(ada, "k")), 201)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        )
    again = await client.post(f"{API}/domains", json={"name": "Old"}, headers=keyed(ada, "k"))
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert await count_domains(engine) == 2
    [record] = await records(engine)
    assert record["created_at"] > datetime.now(UTC) - timedelta(minutes=1)

    # An expired record is also ignored for a different request, and purged in batches.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        )
    other = await client.post(f"{API}/domains", json={"name": "New"}, headers=keyed(ada, "k"))
    assert other.status_code == 201
    ok(await client.post(f"{API}/domains", json={"name": "X"}, headers=keyed(ada, "k2")), 201)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
                "WHERE key = 'k'"
            )
        )
    assert await KeyStore(engine, app.state.settings).purge() == 1
    assert [r["key"] for r in await records(engine)] == ["k2"]


async def test_a_server_error_releases_the_key(
    client: AsyncClient,
    session: Any,
    engine: AsyncEngine,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada = await make_person(session)
    real = domain_service.create_domain

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(domain_service, "create_domain", broken)
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://test") as failing:
        failed = await failing.post(
            f"{API}/domains", json={"name": "Retry me"}, headers=keyed(ada, "k")
        )
    assert failed.status_code == 500
    assert await records(engine) == []

    monkeypatch.setattr(domain_service, "create_domain", real)
    retried = await client.post(
        f"{API}/domains", json={"name": "Retry me"}, headers=keyed(ada, "k")
    )
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert await count_domains(engine) == 1


async def test_client_errors_are_replayed_too(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    """The outcome of a request is its response, refusals included: a retry of a refused
    request is refused the same way (a new attempt takes a new key)."""
    ada = await make_person(session)
    first = await client.post(f"{API}/domains", json={"name": ""}, headers=keyed(ada, "k"))
    assert first.status_code == 422
    again = await client.post(f"{API}/domains", json={"name": ""}, headers=keyed(ada, "k"))
    assert again.status_code == 422 and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"


async def test_an_unfinished_claim_stops_blocking_after_its_lease(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    """A claim whose process died mid-request: 409 at first, then the same request may run."""
    ada = await make_person(session)
    ok(await client.post(f"{API}/domains", json={"name": "Lost"}, headers=keyed(ada, "k")), 201)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE idempotency_keys SET completed_at = NULL, body = NULL"))
    busy = await client.post(f"{API}/domains", json={"name": "Lost"}, headers=keyed(ada, "k"))
    assert busy.status_code == 409
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE idempotency_keys SET created_at = now() - interval '10 minutes'")
        )
    other = await client.post(f"{API}/domains", json={"name": "Else"}, headers=keyed(ada, "k"))
    assert other.status_code == 422  # only the same request takes an unfinished claim over
    again = await client.post(f"{API}/domains", json={"name": "Lost"}, headers=keyed(ada, "k"))
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers


@pytest.mark.parametrize(
    "value",
    ["x" * 256, "", '"unterminated', "tab\there", "é".encode()],
    ids=["too-long", "empty", "bad-quotes", "control", "non-ascii"],
)
async def test_a_malformed_key_is_422(
    client: AsyncClient, session: Any, engine: AsyncEngine, value: str | bytes
) -> None:
    ada = await make_person(session)
    headers: dict[str, str | bytes] = {**auth(ada), "Idempotency-Key": value}
    refused = await client.post(f"{API}/domains", json={"name": "N"}, headers=headers)
    assert refused.status_code == 422
    body = refused.json()
    assert body["type"] == "/problems/validation-error"
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert await count_domains(engine) == 0


async def test_a_key_of_255_characters_is_fine(client: AsyncClient, session: Any) -> None:
    ada = await make_person(session)
    key = "k" * 255
    ok(await client.post(f"{API}/domains", json={"name": "N"}, headers=keyed(ada, key)), 201)
    again = await client.post(f"{API}/domains", json={"name": "N"}, headers=keyed(ada, key))
    assert again.headers["idempotent-replayed"] == "true"


async def test_two_key_headers_are_422(client: AsyncClient, session: Any) -> None:
    ada = await make_person(session)
    headers = [*auth(ada).items(), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    refused = await client.post(f"{API}/domains", json={"name": "N"}, headers=headers)
    assert refused.status_code == 422


async def test_without_a_key_nothing_is_stored(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    ada = await make_person(session)
    for _ in range(2):
        ok(await client.post(f"{API}/domains", json={"name": "N"}, headers=auth(ada)), 201)
    assert await count_domains(engine) == 2
    assert await records(engine) == []


async def test_responses_with_secrets_are_never_stored(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    """An API key is shown once: its creation ignores the header rather than keep the key
    in the idempotency table (a retry makes a second key, which can be revoked)."""
    admin = await make_person(session, is_platform_admin=True)
    for _ in range(2):
        ok(
            await client.post(f"{API}/api-keys", json={"name": "k"}, headers=keyed(admin, "k")),
            201,
        )
    assert await scalar(engine, "SELECT count(*) FROM api_keys") == 2
    body = await gql(
        client,
        'mutation { login(email: "nobody@example.org", password: "wrong password") '
        "{ accessToken } }",
        headers={"Idempotency-Key": "login"},
    )
    assert body["errors"]
    assert await records(engine) == []


def test_credential_mutations_are_recognised_however_written() -> None:
    def request(query: str, name: str | None = None) -> bytes:
        return orjson.dumps({"query": query, "operationName": name})

    assert issues_credentials(request("mutation { login(email: 1, password: 2) { accessToken } }"))
    assert issues_credentials(request("mutation { a: createApiKey(input: {}) { key } }"))
    assert issues_credentials(
        request("mutation M { ...F } fragment F on Mutation { refreshToken(refreshToken: 1) }")
    )
    assert issues_credentials(request("mutation { ... on Mutation { createFeedToken { token } } }"))
    assert not issues_credentials(request("mutation { createDomain(input: {}) { id } }"))
    assert not issues_credentials(request("query { login }"))
    two = "mutation A { createDomain(input: {}) { id } } mutation B { login { accessToken } }"
    assert not issues_credentials(request(two, "A"))
    assert issues_credentials(request(two, "B"))


async def test_credential_mutation_names_exist(client: AsyncClient) -> None:
    """The middleware names them; a rename must not silently start storing tokens."""
    body = await gql(client, '{ __type(name: "Mutation") { fields { name } } }')
    names = {f["name"] for f in body["data"]["__type"]["fields"]}
    assert names >= NOT_STORED_MUTATIONS


async def test_graphql_mutations_replay_with_the_header(
    client: AsyncClient, session: Any, engine: AsyncEngine
) -> None:
    ada = await make_person(session)
    mutation = 'mutation { createDomain(input: {name: "Over GraphQL"}) { id slug version } }'
    headers = {"Idempotency-Key": "g"}
    first = await gql(client, mutation, as_=ada, headers=headers)
    again = await gql(client, mutation, as_=ada, headers=headers)
    assert first == again and first["data"]["createDomain"]["version"] == 1
    assert await count_domains(engine) == 1
    # Without the header, GraphQL is untouched.
    await gql(client, mutation, as_=ada)
    assert await count_domains(engine) == 2


async def test_graphql_server_failures_release_the_key(
    client: AsyncClient, engine: AsyncEngine, session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GraphQL failure on our side is HTTP 200 with an INTERNAL_SERVER_ERROR code: it is
    not the outcome of the request, so a retry runs it again."""
    ada = await make_person(session)
    real = domain_service.create_domain

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    mutation = 'mutation { createDomain(input: {name: "G"}) { id } }'
    monkeypatch.setattr(domain_service, "create_domain", broken)
    failed = await gql(client, mutation, as_=ada, headers={"Idempotency-Key": "g"})
    assert failed["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert await records(engine) == []
    monkeypatch.setattr(domain_service, "create_domain", real)
    done = await gql(client, mutation, as_=ada, headers={"Idempotency-Key": "g"})
    assert done["data"]["createDomain"]["id"]
    assert await count_domains(engine) == 1
