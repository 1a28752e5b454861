"""Keyset pagination: limit and cursor, `next_cursor` and the `Link` header, bad cursors,
and stability while rows are being inserted."""

import asyncio
import base64
import re
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_sessionmaker
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.people import Person
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, ok, problem

EARLY = datetime(2000, 1, 1, tzinfo=UTC)
LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


async def walk(
    client: AsyncClient, url: str, headers: dict[str, str] | None = None, between: Any = None
) -> list[list[str]]:
    """Follow `Link: rel="next"` to the end; returns the ids on each page."""
    pages: list[list[str]] = []
    next_url: str | None = url
    while next_url is not None:
        response = await client.get(next_url, headers=headers or {})
        body = ok(response)
        pages.append([item["id"] for item in body["items"]])
        link = response.headers.get("link")
        if body["next_cursor"] is None:
            assert link is None
            next_url = None
        else:
            assert link is not None
            match = LINK.match(link)
            assert match is not None, link
            next_url = match["url"]
            assert f"cursor={body['next_cursor']}" in next_url
        if between is not None and next_url is not None:
            await between()
        assert len(pages) < 100, "pagination does not end"
    return pages


async def test_pages_follow_the_link_header_to_the_end(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    made = [await make_domain(session, convenor, name=f"Nurses {i}") for i in range(7)]
    pages = await walk(client, f"{API}/domains?limit=3&q=nurses")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == [str(d.id) for d in made]

    exact = await walk(client, f"{API}/domains?limit=7")
    assert [len(p) for p in exact] == [7]
    # The Link keeps the other query parameters.
    response = await client.get(f"{API}/domains?limit=3&q=nurses")
    assert "q=nurses" in response.headers["link"] and "limit=3" in response.headers["link"]


async def test_every_list_paginates(client: AsyncClient, session: AsyncSession) -> None:
    admin = await make_person(session, is_platform_admin=True)
    domain = await make_domain(session, admin)
    for _ in range(4):
        person = await make_person(session)
        await add_member(session, domain, person)
    headers = auth(admin)
    for url, total in (
        (f"{API}/people?limit=2", 5),
        (f"{API}/domains/{domain.slug}/members?limit=2", 5),
        (f"{API}/people/{admin.id}/memberships?limit=2", 1),
    ):
        pages = await walk(client, url, headers)
        ids = [i for p in pages for i in p]
        assert len(ids) == total == len(set(ids)), url


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


BAD_CURSORS = [
    "not-a-cursor",
    "!!!!",
    "",
    _cursor("just a string"),
    _cursor([]),
    _cursor({"a": 1}),
    _cursor([1, 2]),
    _cursor(["2024-01-01T00:00:00", "00000000-0000-4000-8000-000000000000"]),
    _cursor(["2024-01-01T00:00:00+00:00", "not-a-uuid"]),
    _cursor(["2024-01-01T00:00:00+00:00", 5]),
    _cursor(["2024-01-01T00:00:00+00:00", None]),
    _cursor(["2024-01-01T00:00:00+00:00", "00000000-0000-4000-8000-000000000000", 3]),
    _cursor(["0001-01-01T00:00:00+14:00", "00000000-0000-4000-8000-000000000000"]),
    _cursor(["9999-12-31T23:59:59-14:00", "00000000-0000-4000-8000-000000000000"]),
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    "é☃",
    "abc\x00def",
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
async def test_a_cursor_this_api_did_not_give_out_is_422(
    client: AsyncClient, session: AsyncSession, cursor: str
) -> None:
    admin = await make_person(session, is_platform_admin=True)
    domain = await make_domain(session, admin)
    for url in (
        f"{API}/domains",
        f"{API}/people",
        f"{API}/domains/{domain.slug}/members",
        f"{API}/people/{admin.id}/memberships",
        f"{API}/api-keys",
    ):
        response = await client.get(url, params={"cursor": cursor}, headers=auth(admin))
        errors = problem(response, 422, "validation-error")["errors"]
        assert [e["field"] for e in errors] == ["cursor"], url


@pytest.mark.parametrize("limit", ["0", "-1", "101", "ten", "1.5"])
async def test_limit_is_bounded(client: AsyncClient, limit: str) -> None:
    errors = problem(await client.get(f"{API}/domains?limit={limit}"), 422)["errors"]
    assert [e["field"] for e in errors] == ["query.limit"]


async def test_too_long_a_cursor_is_422(client: AsyncClient) -> None:
    problem(await client.get(f"{API}/domains", params={"cursor": "a" * 201}), 422)


async def test_paging_while_rows_are_inserted_between_pages(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    """Every row that existed before the first page is seen exactly once."""
    convenor = await make_person(session)
    before = [str((await make_domain(session, convenor, name=f"Old {i}")).id) for i in range(10)]
    sessionmaker = create_sessionmaker(engine)
    inserted: list[str] = []

    async def insert_more() -> None:
        if len(inserted) >= 12:
            return
        async with sessionmaker() as other:
            # New rows that sort after the cursor, and (back-dated) ones that sort before
            # it: offset pagination would serve some old rows twice.
            made = [await make_domain(other, convenor, name=f"New {len(inserted)}")]
            for _ in range(2):
                n = len(inserted) + len(made)
                made.append(Domain(slug=f"early-{n}", name="Early", created_at=EARLY))
                other.add(made[-1])
            await other.commit()
            inserted.extend(str(d.id) for d in made)

    pages = await walk(client, f"{API}/domains?limit=3", between=insert_more)
    seen = [i for p in pages for i in p]
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert [i for i in seen if i in before] == before
    assert len(inserted) == 12


async def test_paging_under_truly_concurrent_inserts(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    """Pages fetched while another task keeps inserting, with no turn-taking at all."""
    admin = await make_person(session, is_platform_admin=True)
    domain = await make_domain(session, admin)
    before = [str(admin.id)]
    for _ in range(14):
        person = await make_person(session)
        before.append(str(person.id))
        await add_member(session, domain, person)
    sessionmaker = create_sessionmaker(engine)
    stop = asyncio.Event()

    async def keep_joining() -> int:
        made = 0
        async with sessionmaker() as other:
            while not stop.is_set() and made < 30:
                when = EARLY if made % 2 else utcnow()
                other.add(
                    Person(email=f"late{made}@example.org", display_name="Late", created_at=when)
                )
                await other.commit()
                made += 1
                await asyncio.sleep(0)
        return made

    inserter = asyncio.create_task(keep_joining())

    async def yield_to_inserter() -> None:
        await asyncio.sleep(0.005)

    try:
        pages = await walk(client, f"{API}/people?limit=4", auth(admin), between=yield_to_inserter)
    finally:
        stop.set()
    made = await inserter
    seen = [i for p in pages for i in p]
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert [i for i in seen if i in before] == before
    assert made > 0
