"""A Python client generated from the committed `openapi.json` by `openapi-python-client`
(a tool nobody here wrote), used against the service running under uvicorn on loopback.

It logs in, signs someone up, creates and pages through domains, and meets one of every
error class; each answer, errors included, is decoded into the generated typed models
(the `Problem` model for errors). The client is made to raise on any status the contract
does not document for the operation, so an undocumented answer fails the test."""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from app.services.people.auth import Passwords
from tests.factories import make_person
from tests.reliability.conftest import ServerFactory, server  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "cop_client"
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated once per session into a temporary directory; any
    generator warning (a part of the contract it could not turn into code) fails."""
    folder = tmp_path_factory.mktemp("generated-client")
    config = folder / "config.json"
    config.write_text(
        json.dumps(
            {
                "package_name_override": PACKAGE,
                "project_name_override": "cop-client",
                "post_hooks": [],
                # The members import also reads CSV; the generator knows it as bytes.
                "content_type_overrides": {"text/csv": "application/octet-stream"},
            }
        )
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"), "generate",
            "--path", str(ROOT / "openapi.json"), "--meta", "none",
            "--output-path", str(folder / PACKAGE), "--config", str(config),
            "--fail-on-warning",
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def problem_of(response: Any, status: int, slug: str) -> Any:
    """The answer decoded by the generated client into its typed Problem model."""
    problem = response.parsed
    assert response.status_code == status, response.content
    assert isinstance(problem, models().Problem), (status, problem)
    assert problem.status == status and problem.type_ == f"/problems/{slug}", problem
    assert isinstance(problem.detail, str) and problem.detail
    return problem


async def test_a_generated_client_works_against_the_service(
    generated: ModuleType,
    server: ServerFactory,  # noqa: F811 (the fixture imported above)
    session: AsyncSession,
) -> None:
    m = models()
    admin = await make_person(
        session,
        email="admin@example.org",
        is_platform_admin=True,
        password_hash=await Passwords(time_cost=1).hash(PASSWORD),
    )
    # A small body limit, so that the 413 case sends a body the socket takes whole: a
    # refusal of a megabyte may reach the client while it still writes, as a reset.
    async with server(RATE_LIMIT_ENABLED="true", REQUEST_MAX_BYTES="16384") as running:
        anonymous = generated.Client(base_url=running.url, raise_on_unexpected_status=True)

        # Log in (OAuth2 password flow): a typed token pair.
        login = await api("auth.log_in").asyncio_detailed(
            client=anonymous, body=m.BodyLogIn(username=admin.email, password=PASSWORD)
        )
        assert login.status_code == 200 and isinstance(login.parsed, m.TokenPair)
        client = generated.AuthenticatedClient(
            base_url=running.url, token=login.parsed.access_token, raise_on_unexpected_status=True
        )
        me = await api("people.get_me").asyncio_detailed(client=client)
        assert me.parsed.email == admin.email

        # Sign someone up: 201, a typed person, and where it lives.
        signed_up = await api("auth.register").asyncio_detailed(
            client=anonymous,
            body=m.PersonRegister(email="ada@example.org", password=PASSWORD, display_name="Ada"),
        )
        assert signed_up.status_code == 201 and isinstance(signed_up.parsed, m.PersonPrivate)
        assert signed_up.headers["location"] == f"/api/v1/people/{signed_up.parsed.id}"

        # Create three domains and page through them, two at a time.
        slugs = []
        for name in ("Alpha Circle", "Beta Circle", "Gamma Circle"):
            created = await api("domains.create_domain").asyncio_detailed(
                client=client, body=m.DomainCreate(name=name)
            )
            assert created.status_code == 201 and isinstance(created.parsed, m.DomainPublic)
            assert created.headers["location"] == f"/api/v1/domains/{created.parsed.slug}"
            assert created.headers["etag"]
            slugs.append(created.parsed.slug)
        first = await api("domains.list_domains").asyncio_detailed(client=client, limit=2)
        assert isinstance(first.parsed, m.PageDomainPublic) and len(first.parsed.items) == 2
        assert first.parsed.next_cursor and 'rel="next"' in first.headers["link"]
        rest = await api("domains.list_domains").asyncio_detailed(
            client=client, limit=2, cursor=first.parsed.next_cursor
        )
        assert rest.parsed.next_cursor is None and "link" not in rest.headers
        seen = [d.slug for d in first.parsed.items + rest.parsed.items]
        assert sorted(seen) == sorted(slugs)
        # The same read, anonymously: the operation's security is optional.
        public = await api("domains.list_domains").asyncio_detailed(client=anonymous)
        assert {d.slug for d in public.parsed.items} == set(slugs)

        await meet_every_error_class(generated, running.url, anonymous, client, slugs[0])


async def meet_every_error_class(
    generated: ModuleType, url: str, anonymous: Any, client: Any, slug: str
) -> None:
    m = models()
    create_domain = api("domains.create_domain")

    # 400 and 415 need bytes no typed client sends: they are sent by hand, and the
    # generated operation decodes the answer.
    token = client.token
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as raw:
        malformed = await raw.post(
            "/api/v1/domains", content=b'{"name": ', headers={"Content-Type": "application/json"}
        )
        problem_of(
            create_domain._build_response(client=client, response=malformed), 400, "malformed-json"
        )
        plain = await raw.post(
            "/api/v1/domains", content=b"name=X", headers={"Content-Type": "text/plain"}
        )
        problem_of(
            create_domain._build_response(client=client, response=plain),
            415,
            "unsupported-media-type",
        )

    response = await api("people.get_me").asyncio_detailed(client=anonymous)
    problem_of(response, 401, "unauthenticated")

    login = await api("auth.log_in").asyncio_detailed(
        client=anonymous, body=m.BodyLogIn(username="ada@example.org", password=PASSWORD)
    )
    ada = generated.AuthenticatedClient(
        base_url=url, token=login.parsed.access_token, raise_on_unexpected_status=True
    )
    problem_of(await api("api_keys.list_api_keys").asyncio_detailed(client=ada), 403, "forbidden")

    response = await api("domains.get_domain").asyncio_detailed(
        slug="no-such-domain", client=client
    )
    problem_of(response, 404, "not-found")

    response = await create_domain.asyncio_detailed(
        client=client, body=m.DomainCreate(name="Another", slug=slug)
    )
    problem_of(response, 409, "slug-taken")

    update_domain = api("domains.update_domain")
    current = await api("domains.get_domain").asyncio_detailed(slug=slug, client=client)
    etag = current.headers["etag"]
    changed = await update_domain.asyncio_detailed(
        slug=slug, client=client, body=m.DomainUpdate(purpose="First edit"), if_match=etag
    )
    assert changed.status_code == 200 and changed.parsed.purpose == "First edit"
    response = await update_domain.asyncio_detailed(
        slug=slug, client=client, body=m.DomainUpdate(purpose="Stale edit"), if_match=etag
    )
    problem_of(response, 412, "precondition-failed")

    response = await create_domain.asyncio_detailed(
        client=client, body=m.DomainCreate(name="Big", description="x" * 20_000)
    )
    problem_of(response, 413, "payload-too-large")

    response = await create_domain.asyncio_detailed(client=client, body=m.DomainCreate(name=""))
    problem = problem_of(response, 422, "validation-error")
    assert [e.field for e in problem.errors] == ["name"]

    # 429: an API key with a limit of its own, two requests a minute.
    key = await api("api_keys.create_api_key").asyncio_detailed(
        client=client,
        body=m.ApiKeyCreate(name="tiny", scopes=[m.ApiKeyScope.READ], rate_limit_per_minute=2),
    )
    assert key.status_code == 201 and isinstance(key.parsed, m.ApiKeyCreated)
    integration = generated.AuthenticatedClient(
        base_url=url, token=key.parsed.key, raise_on_unexpected_status=True
    )
    for _ in range(2):
        allowed = await api("domains.list_domains").asyncio_detailed(client=integration)
        assert allowed.status_code == 200 and allowed.headers["ratelimit-policy"]
    response = await api("domains.list_domains").asyncio_detailed(client=integration)
    problem_of(response, 429, "rate-limited")
    assert int(response.headers["retry-after"]) >= 1
