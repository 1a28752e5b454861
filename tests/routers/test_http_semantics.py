"""HTTP semantics from RFC 9110 the routes do not declare one by one: HEAD wherever GET is
(9.1), a 405's `Allow` naming every method of the path (15.5.6), If-Match with a list of
tags (13.1.1), and an index at `/`."""

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from httpx import ASGITransport, AsyncClient, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, ok, problem

# Headers that differ between any two requests, whatever their method.
VARYING = {"x-request-id", "ratelimit", "date"}


@pytest.fixture
async def plain(app: Any) -> AsyncIterator[AsyncClient]:
    """A client that does not read error bodies: HEAD answers have none."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


def same_but_body(get: Response, head: Response) -> None:
    assert head.status_code == get.status_code, (get.text, head.headers)
    assert head.content == b""
    assert get.content, "GET should have had a body to compare against"

    def kept(r: Response) -> dict[str, str]:
        return {k: v for k, v in r.headers.items() if k not in VARYING}

    assert kept(head) == kept(get)
    assert int(head.headers["content-length"]) == len(get.content)


async def test_head_answers_like_get_without_the_body(
    plain: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    for _ in range(2):
        await make_domain(session, convenor)
    list_url = f"{API}/domains?limit=1"
    samples = [
        (f"{API}/domains/{domain.slug}", {}),
        (list_url, {}),
        (f"{API}/people/me", auth(convenor)),
        (f"{API}/domains/{domain.slug}/calendar.ics", auth(convenor)),
        (f"{API}/domains/no-such-domain", {}),
        (f"{API}/people/me", {}),
        ("/openapi.json", {}),
    ]
    for url, headers in samples:
        get = await plain.get(url, headers=headers)
        head = await plain.head(url, headers=headers)
        same_but_body(get, head)
    domain_head = await plain.head(f"{API}/domains/{domain.slug}")
    assert domain_head.headers["etag"].startswith('"1.')
    assert 'rel="next"' in (await plain.head(list_url)).headers["link"]
    ics = await plain.head(f"{API}/domains/{domain.slug}/calendar.ics", headers=auth(convenor))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert (await plain.head(f"{API}/people/me")).status_code == 401


def _sample_path(path: str) -> str:
    """A concrete path for a route's template: ids get a UUID, anything else a word."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return str(uuid.uuid4()) if name == "id" or name.endswith("_id") else "sample"

    return re.sub(r"\{([^}]+)\}", value, path)


async def test_every_get_route_answers_head(
    app: Any, plain: AsyncClient, session: AsyncSession
) -> None:
    """Walks the application's routes: no GET route refuses HEAD, and HEAD gets GET's
    status with no body. (Parameters are made up, so most answers are 4xx: the point is
    that HEAD reaches the same route GET does.)"""
    person = await make_person(session)
    gets = sorted(
        {
            str(route.path)
            for route in iter_route_contexts(app.routes)
            if route.methods and "GET" in route.methods and route.path
        }
    )
    assert len(gets) > 40, gets
    assert "/" in gets and f"{API}/domains/{{slug}}/calendar.ics" in gets
    for template in gets:
        url = _sample_path(template)
        head = await plain.head(url, headers=auth(person))
        get = await plain.get(url, headers=auth(person))
        assert head.status_code != 405, (template, head.headers)
        assert head.status_code == get.status_code, (template, get.text)
        assert head.content == b"", template


async def test_a_405_allows_every_method_of_the_path(
    client: AsyncClient, plain: AsyncClient
) -> None:
    cases = [
        ("PUT", f"{API}/domains", "GET, HEAD, POST"),
        ("PUT", f"{API}/domains/some-slug", "GET, HEAD, PATCH, DELETE"),
        ("DELETE", f"{API}/people/me", "GET, HEAD, PATCH"),
        ("GET", f"{API}/auth/register", "POST"),
        ("HEAD", f"{API}/auth/register", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
    ]
    for method, url, allow in cases:
        response = await (plain if method == "HEAD" else client).request(method, url)
        assert response.status_code == 405, (method, url, response.status_code)
        assert response.headers["allow"] == allow, (method, url)
        if method != "HEAD":
            problem(response, 405, "method-not-allowed")


async def test_the_root_is_an_index(client: AsyncClient, app: Any) -> None:
    body = ok(await client.get("/"))
    assert body["name"] == "cop-api" and body["version"] == app.version
    assert body["links"] == {
        "docs": "/docs",
        "openapi": "/openapi.json",
        "graphql": "/graphql",
        "health": "/healthz",
    }
    for link in ("/docs", "/openapi.json", "/healthz"):
        assert (await client.get(link)).status_code == 200, link
    assert "/" not in app.openapi()["paths"]


async def test_the_openapi_document_declares_no_head(app: Any) -> None:
    for path, operations in app.openapi()["paths"].items():
        assert "head" not in operations, path


async def test_if_match_takes_a_list(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    url = f"{API}/domains/{domain.slug}"

    async def patch(if_match: str) -> Response:
        headers = {**auth(convenor), "If-Match": if_match}
        return await client.patch(url, json={"purpose": f"p {uuid.uuid4()}"}, headers=headers)

    # Version 1: one of the tags matches.
    first = await patch('"999", "1"')
    assert ok(first)["version"] == 2 and first.headers["etag"].startswith('"2.')
    # None matches: a stale, a weak and a foreign tag.
    stale = problem(await patch('"1", W/"2", "abc"'), 412, "precondition-failed")
    assert stale["current_version"] == 2
    assert ok(await client.get(url))["version"] == 2
    # The weak tag alone never matches either (If-Match compares strongly).
    problem(await patch('W/"2"'), 412, "precondition-failed")
    # Matches at the end of a list, with odd spacing.
    assert ok(await patch('"7" ,"2"'))["version"] == 3
    # `*`: any current representation.
    assert ok(await patch("*"))["version"] == 4
    # Malformed stays a 422 on the header.
    bad = problem(await patch('"4", *'), 422, "validation-error")
    assert bad["errors"][0]["field"] == "If-Match"


async def test_if_match_list_on_a_membership_delete(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Another service reading the same header: a list with the current version removes."""
    convenor = await make_person(session)
    member = await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, member)
    url = f"{API}/domains/{domain.slug}/members/{member.id}"
    tag = (await client.get(url, headers=auth(convenor))).headers["etag"]
    none_match = {**auth(convenor), "If-Match": '"998", "999"'}
    problem(await client.delete(url, headers=none_match), 412, "precondition-failed")
    one_matches = {**auth(convenor), "If-Match": f'"999", {tag}'}
    response = await client.delete(url, headers=one_matches)
    assert response.status_code in (200, 204), response.text
