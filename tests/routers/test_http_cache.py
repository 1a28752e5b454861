"""Validators that tell the truth (RFC 9110 8.8.3, 13.1, 15.4.5; RFC 9111 5.2): an ETag
computed from the bytes of each body, so it moves with derived counts and differs between
callers shown different bytes; If-None-Match answered 304 on items, lists and calendar
feeds, HEAD included; If-Match comparing the version part; Cache-Control and Vary."""

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth, circle, make_person, schedule
from tests.support import API, ok, problem


@pytest.fixture
async def plain(app: Any) -> AsyncIterator[AsyncClient]:
    """A client that does not read error bodies: HEAD and 304 answers have none."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


def tag_of(response: Response) -> str:
    """The ETag, checked to be the digest of the body's bytes (after the version, if the
    body has one)."""
    assert response.status_code in (200, 201), response.text
    tag = response.headers["etag"]
    digest = hashlib.sha256(response.content).hexdigest()[:16]
    body = response.json() if "json" in response.headers["content-type"] else None
    if isinstance(body, dict) and "version" in body:
        assert tag == f'"{body["version"]}.{digest}"', tag
    else:
        assert tag == f'"{digest}"', tag
    return tag


def version_of(tag: str) -> str:
    return tag.strip('"').split(".")[0]


def vary(response: Response) -> list[str]:
    return [v.strip().lower() for v in response.headers.get("vary", "").split(",")]


async def test_a_gathering_tag_moves_with_its_going_count(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    gathering = await schedule(client, c.domain, c.convenor)
    url = f"{API}/gatherings/{gathering['id']}"
    before = await client.get(url, headers=auth(c.convenor))
    old = tag_of(before)

    ok(await client.put(f"{url}/rsvp", json={"response": "going"}, headers=auth(c.member)))
    after = await client.get(url, headers=auth(c.convenor))
    new = tag_of(after)
    assert after.json()["going_count"] == before.json()["going_count"] + 1
    assert after.json()["version"] == before.json()["version"]
    assert new != old and version_of(new) == version_of(old)

    # Revalidating with the old tag gets the new bytes, not a 304.
    again = await client.get(url, headers={**auth(c.convenor), "If-None-Match": old})
    assert again.status_code == 200 and again.headers["etag"] == new

    # Someone else's RSVP changed a count, not what the convenor edits: the old tag still
    # guards an edit; once the edit is made, it is stale.
    edited = await client.patch(
        url, json={"theme": "Night shifts"}, headers={**auth(c.convenor), "If-Match": old}
    )
    assert version_of(tag_of(edited)) == str(before.json()["version"] + 1)
    stale = await client.patch(
        url, json={"theme": "Day shifts"}, headers={**auth(c.convenor), "If-Match": old}
    )
    problem(stale, 412, "precondition-failed")


async def test_callers_shown_different_bytes_get_different_tags(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    online = await schedule(
        client, c.domain, c.convenor, modality="online", join_url="https://meet.example.org/a"
    )
    url = f"{API}/gatherings/{online['id']}"
    member = await client.get(url, headers=auth(c.member))
    anonymous = await client.get(url)
    assert member.json()["join_url"] and anonymous.json()["join_url"] is None
    assert tag_of(member) != tag_of(anonymous)
    assert version_of(tag_of(member)) == version_of(tag_of(anonymous))
    # A tag stands for bytes: the anonymous copy does not revalidate the member's.
    crossed = await client.get(
        url, headers={**auth(c.member), "If-None-Match": anonymous.headers["etag"]}
    )
    assert crossed.status_code == 200 and crossed.json()["join_url"]

    # The same bytes get the same tag, whoever asks.
    in_person = await schedule(client, c.domain, c.convenor)
    url = f"{API}/gatherings/{in_person['id']}"
    seen = [
        await client.get(url, headers=auth(c.member)),
        await client.get(url, headers=auth(c.outsider)),
        await client.get(url),
    ]
    assert seen[0].content == seen[1].content == seen[2].content
    assert len({tag_of(r) for r in seen}) == 1


async def _not_modified(
    plain: AsyncClient, url: str, headers: dict[str, str], *, cache_control: str
) -> str:
    """GET, then GET and HEAD revalidating: 304s with the validators and no body."""
    first = await plain.get(url, headers=headers)
    tag = tag_of(first)
    assert first.headers["cache-control"] == cache_control, url
    for method in ("GET", "HEAD"):
        for condition in (tag, f"W/{tag}", f'"other", {tag}', "*"):
            response = await plain.request(
                method, url, headers={**headers, "If-None-Match": condition}
            )
            assert response.status_code == 304, (method, url, condition, response.text)
            assert response.content == b""
            assert response.headers["etag"] == tag
            assert response.headers["cache-control"] == cache_control
            assert "authorization" in vary(response)
            assert "content-type" not in response.headers
            assert "content-length" not in response.headers
        # The same list over two field lines.
        lines = [*headers.items(), ("If-None-Match", '"other"'), ("If-None-Match", tag)]
        assert (await plain.request(method, url, headers=lines)).status_code == 304
        fresh = await plain.request(method, url, headers={**headers, "If-None-Match": '"other"'})
        assert fresh.status_code == 200 and fresh.headers["etag"] == tag
        if method == "HEAD":
            assert fresh.content == b""
            assert int(fresh.headers["content-length"]) == len(first.content)
        else:
            assert fresh.content == first.content
    return tag


async def test_not_modified_for_items_lists_and_feeds(
    client: AsyncClient, plain: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    gathering = await schedule(client, c.domain, c.convenor)
    member = auth(c.member)
    token = ok(await client.post(f"{API}/people/me/feed-tokens", headers=member), 201)
    personal = token["personal_feed_url"].removeprefix("http://test")
    ok(await client.put(f"{API}/gatherings/{gathering['id']}/rsvp", json={"response": "going"},
                        headers=member))  # fmt: skip
    private, public = "private, no-cache", "no-cache"
    cases: list[tuple[str, dict[str, str], str]] = [
        (f"{API}/domains/{c.slug}", {}, public),
        (f"{API}/domains/{c.slug}", member, private),
        (f"{API}/gatherings/{gathering['id']}", member, private),
        (f"{API}/domains?limit=1", {}, public),
        (f"{API}/domains/{c.slug}/gatherings", member, private),
        (f"{API}/domains/{c.slug}/calendar.ics", {}, public),
        (f"{API}/domains/{c.slug}/calendar.ics", member, private),
        # A feed token in the URL is a credential: the feed is the caller's own.
        (f"{API}/domains/{c.slug}/calendar.ics?token={token['token']}", {}, private),
        (personal, {}, private),
    ]
    tags = {}
    for url, headers, cache_control in cases:
        tags[url, bool(headers)] = await _not_modified(
            plain, url, headers, cache_control=cache_control
        )

    # A change to what a list or a feed shows changes its tag: the old one gets a 200.
    ok(await client.patch(f"{API}/gatherings/{gathering['id']}", json={"title": "Renamed"},
                          headers=auth(c.convenor)))  # fmt: skip
    for url, headers in (
        (f"{API}/domains/{c.slug}/gatherings", member),
        (f"{API}/domains/{c.slug}/calendar.ics", {}),
        (personal, {}),
    ):
        old = tags[url, bool(headers)]
        changed = await plain.get(url, headers={**headers, "If-None-Match": old})
        assert changed.status_code == 200 and tag_of(changed) != old, url
        assert b"Renamed" in changed.content


async def test_if_match_compares_the_version_part(
    client: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    url = f"{API}/domains/{c.slug}"
    convenor = auth(c.convenor)

    async def patch(if_match: str, purpose: str) -> Response:
        return await client.patch(
            url, json={"purpose": purpose}, headers={**convenor, "If-Match": if_match}
        )

    read = tag_of(await client.get(url, headers=convenor))
    assert version_of(read) == "1"
    done = await patch(read, "one")
    assert version_of(tag_of(done)) == "2"
    problem(await patch(read, "stale"), 412, "precondition-failed")
    # The bare version, as tags used to be, and a version with any digest, both mean it.
    assert version_of(tag_of(await patch('"2"', "two"))) == "3"
    assert version_of(tag_of(await patch('"3.0000000000000000"', "three"))) == "4"
    assert version_of(tag_of(await patch(f'"1.x", "4.y", {read}', "four"))) == "5"
    # Weak tags never match; nor does a tag without a version (a list's, say).
    problem(await patch('W/"5.abc"', "weak"), 412, "precondition-failed")
    listed = tag_of(await client.get(f"{API}/domains"))
    problem(await patch(listed, "listed"), 412, "precondition-failed")
    problem(await patch('"5.a" "5.b"', "malformed"), 422, "validation-error")
    assert ok(await client.get(url))["purpose"] == "four"


async def test_cache_control_and_vary(
    client: AsyncClient, plain: AsyncClient, session: AsyncSession
) -> None:
    c = await circle(session)
    admin = await make_person(session, is_platform_admin=True)
    url = f"{API}/domains/{c.slug}"
    convenor = auth(c.convenor)
    answers: list[tuple[Response, str]] = [
        (await client.get(url), "no-cache"),
        (await client.get(url, headers=convenor), "private, no-cache"),
        (await plain.head(url, headers=convenor), "private, no-cache"),
        (await client.patch(url, json={"purpose": "x"}, headers=convenor), "no-store"),
        (
            await client.post(f"{API}/domains", json={"name": "Another"}, headers=convenor),
            "no-store",
        ),
        (await client.get(f"{API}/domains/no-such-domain"), "no-store"),
        (await plain.head(f"{API}/domains/no-such-domain"), "no-store"),
        (await client.get(f"{API}/people/me"), "no-store"),
        (await client.delete(url, headers=auth(c.member)), "no-store"),
        (await client.post("/graphql", json={"query": "{ __typename }"}), "no-store"),
    ]
    for response, cache_control in answers:
        where = f"{response.request.method} {response.request.url} {response.status_code}"
        assert response.headers["cache-control"] == cache_control, where
        assert "authorization" in vary(response), where

    # Writes that answer with the resource carry its tag, for the bytes they answer with.
    patched, created = answers[3][0], answers[4][0]
    assert version_of(tag_of(patched)) == "2" and version_of(tag_of(created)) == "1"
    # A GraphQL answer has no tag: a POST is no read to revalidate.
    assert "etag" not in answers[-1][0].headers

    # The export is a download whose bytes differ on every call (it says when it was
    # made): no tag, and nothing keeps it.
    export = await client.get(f"{API}/domains/{c.slug}/export", headers=auth(admin))
    assert export.status_code == 200 and "etag" not in export.headers
    assert export.headers["cache-control"] == "no-store"
    ignored = await client.get(
        f"{API}/domains/{c.slug}/export", headers={**auth(admin), "If-None-Match": "*"}
    )
    assert ignored.status_code == 200 and ignored.content


async def test_graphql_get_varies_by_accept(plain: AsyncClient) -> None:
    """GET /graphql is GraphiQL's page for a browser and JSON for a client: a cache must
    key it by Accept as well as by caller."""
    page = await plain.get("/graphql", headers={"Accept": "text/html"})
    answer = await plain.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "application/json"}
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert answer.status_code == 200 and answer.json() == {
        "data": {"__typename": "Query"},
        "extensions": answer.json()["extensions"],
    }
    for response in (page, answer):
        assert {"accept", "authorization"} <= set(vary(response)), response.headers
