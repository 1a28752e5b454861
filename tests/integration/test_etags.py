"""Optimistic concurrency: every single resource a client may change carries a version,
sent as a strong ETag; If-Match on PATCH, PUT and DELETE (and `expectedVersion` over
GraphQL) refuses a write to anything that changed since the client read it."""

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import create_sessionmaker
from app.models.base import utcnow
from app.models.domains import Domain
from app.models.memberships import Role
from app.models.people import Person
from app.services.actors import Actor
from app.services.webhooks import outbox
from tests.factories import add_member, auth, gql, make_domain, make_person, subscribe
from tests.support import API, ok, problem_checked_client, rows

Write = Callable[[str | None], Awaitable[Response]]


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with problem_checked_client(app) as client:
        yield client


def if_match(person: Person, tag: str | None) -> dict[str, str]:
    headers = auth(person)
    if tag is not None:
        headers["If-Match"] = tag
    return headers


def etag_of(response: Response) -> str:
    """The ETag, checked against the version in the body and a digest of its bytes."""
    assert response.status_code < 300, response.text
    tag = response.headers["etag"]
    digest = hashlib.sha256(response.content).hexdigest()[:16]
    assert tag == f'"{response.json()["version"]}.{digest}"', (tag, response.json())
    return tag


def version_of(tag: str) -> int:
    return int(tag.strip('"').split(".")[0])


def precondition_failed(response: Response) -> None:
    assert response.status_code == 412, response.text
    assert response.json()["type"] == "/problems/precondition-failed"


async def conditional(
    read: Callable[[], Awaitable[Response]],
    write: Write,
    *,
    status: int = 200,
    star: bool = True,
) -> Response:
    """The If-Match contract for one write: a stale or weak tag is 412 and changes nothing;
    the current tag succeeds (with the new ETag); that tag is then stale; `*` matches."""
    before = await read()
    tag = etag_of(before)
    version = before.json()["version"]

    precondition_failed(await write(f'"{version + 100}"'))
    precondition_failed(await write(f"W/{tag}"))
    precondition_failed(await write('"not-a-version-of-ours"'))
    unchanged = await read()
    assert etag_of(unchanged) == tag and unchanged.json() == before.json()

    done = await write(tag)
    assert done.status_code == status, done.text
    if done.status_code == 200:
        assert version_of(etag_of(done)) > version
        assert version_of(etag_of(await read())) == version_of(done.headers["etag"])
        precondition_failed(await write(tag))
    if star:
        starred = await write("*")
        assert starred.status_code == status, starred.text
    return done


async def test_domains(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    url = f"{API}/domains/{domain.slug}"

    async def read() -> Response:
        return await client.get(url)

    async def patch(tag: str | None) -> Response:
        return await client.patch(
            url, json={"purpose": f"p {tag}"}, headers=if_match(convenor, tag)
        )

    async def archive(tag: str | None) -> Response:
        return await client.delete(url, headers=if_match(convenor, tag))

    await conditional(read, patch)

    async def read_archived() -> Response:
        return await client.get(url, headers=auth(convenor))

    archived = await conditional(read_archived, archive)
    assert archived.json()["archived_at"] is not None


async def test_memberships(client: AsyncClient, session: AsyncSession) -> None:
    convenor, ada = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, ada)
    url = f"{API}/domains/{domain.slug}/members/{ada.id}"

    async def read() -> Response:
        return await client.get(url, headers=auth(convenor))

    roles = iter([["member", "core"], ["member"], ["member", "core"]])

    async def patch(tag: str | None) -> Response:
        return await client.patch(
            url, json={"roles": next(roles, ["member"])}, headers=if_match(convenor, tag)
        )

    async def remove(tag: str | None) -> Response:
        return await client.delete(url, headers=if_match(convenor, tag))

    await conditional(read, patch)
    removed = await conditional(read, remove, star=False)
    assert removed.json()["status"] == "removed"


async def test_gatherings(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)

    async def schedule(start: datetime) -> str:
        created = await client.post(
            f"{API}/domains/{domain.slug}/gatherings",
            json={
                "title": "Case clinic",
                "start": start.isoformat(),
                "timezone": "Europe/London",
                "duration_minutes": 60,
            },
            headers=auth(convenor),
        )
        etag_of(created)
        return f"{API}/gatherings/{created.json()['id']}"

    url = await schedule(datetime.now(UTC) + timedelta(days=7))

    async def read() -> Response:
        return await client.get(url, headers=auth(convenor))

    async def patch(tag: str | None) -> Response:
        return await client.patch(url, json={"theme": f"t {tag}"}, headers=if_match(convenor, tag))

    async def cancel(tag: str | None) -> Response:
        return await client.delete(url, headers=if_match(convenor, tag))

    await conditional(read, patch)
    cancelled = await conditional(read, cancel)
    assert cancelled.json()["status"] == "cancelled"

    past = await schedule(datetime.now(UTC) - timedelta(hours=2))

    async def read_past() -> Response:
        return await client.get(past, headers=auth(convenor))

    async def summarise(tag: str | None) -> Response:
        return await client.put(
            f"{past}/summary", json={"summary": f"s {tag}"}, headers=if_match(convenor, tag)
        )

    summarised = await conditional(read_past, summarise)
    assert summarised.json()["status"] == "completed"


async def test_contributions_and_curation(client: AsyncClient, session: AsyncSession) -> None:
    convenor, ada = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, ada)
    created = await client.post(
        f"{API}/domains/{domain.slug}/contributions",
        json={"kind": "story", "title": "A night shift", "body": "It went well."},
        headers=auth(ada),
    )
    assert created.status_code == 201
    etag_of(created)
    url = f"{API}/contributions/{created.json()['id']}"

    async def read() -> Response:
        return await client.get(url, headers=auth(ada))

    async def edit(tag: str | None) -> Response:
        return await client.patch(url, json={"body": f"b {tag}"}, headers=if_match(ada, tag))

    async def curate(tag: str | None) -> Response:
        return await client.put(f"{url}/curation", headers=if_match(convenor, tag))

    async def uncurate(tag: str | None) -> Response:
        return await client.delete(f"{url}/curation", headers=if_match(convenor, tag))

    async def archive(tag: str | None) -> Response:
        return await client.delete(url, headers=if_match(ada, tag))

    await conditional(read, edit)
    assert (await conditional(read, curate)).json()["curated_at"] is not None
    assert (await conditional(read, uncurate)).json()["curated_at"] is None
    assert (await conditional(read, archive)).json()["status"] == "archived"


async def test_collections(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    story = ok(
        await client.post(
            f"{API}/domains/{domain.slug}/contributions",
            json={"kind": "story", "title": "Kept", "body": "x"},
            headers=auth(convenor),
        ),
        201,
    )
    created = await client.post(
        f"{API}/domains/{domain.slug}/collections",
        json={"title": "Start here"},
        headers=auth(convenor),
    )
    assert created.status_code == 201
    etag_of(created)
    url = f"{API}/collections/{created.json()['id']}"

    async def read() -> Response:
        return await client.get(url)

    async def rename(tag: str | None) -> Response:
        return await client.patch(url, json={"title": f"t {tag}"}, headers=if_match(convenor, tag))

    async def put_item(tag: str | None) -> Response:
        return await client.put(
            f"{url}/items",
            json={"contribution_id": story["id"], "note": f"n {tag}"},
            headers=if_match(convenor, tag),
        )

    async def remove_item(tag: str | None) -> Response:
        return await client.delete(f"{url}/items/{story['id']}", headers=if_match(convenor, tag))

    async def delete(tag: str | None) -> Response:
        return await client.delete(url, headers=if_match(convenor, tag))

    await conditional(read, rename)
    assert len((await conditional(read, put_item)).json()["items"]) == 1
    # Removing an item changes the collection: a new version.
    assert (await conditional(read, remove_item, star=False)).json()["items"] == []
    await conditional(read, delete, status=204, star=False)
    assert (await read()).status_code == 404


async def test_my_profile(client: AsyncClient, session: AsyncSession) -> None:
    ada, bob = await make_person(session), await make_person(session)
    url = f"{API}/people/me"

    async def read() -> Response:
        return await client.get(url, headers=auth(ada))

    async def patch(tag: str | None) -> Response:
        return await client.patch(url, json={"bio": f"b {tag}"}, headers=if_match(ada, tag))

    done = await conditional(read, patch)
    # Others see the same version (and ETag) of the public profile.
    domain = await make_domain(session, ada)
    await add_member(session, domain, bob)
    seen = await client.get(f"{API}/people/{ada.id}", headers=auth(bob))
    assert seen.json()["version"] >= done.json()["version"]
    etag_of(seen)


async def test_webhooks(hook_client: AsyncClient, session: AsyncSession, receiver: Any) -> None:
    admin = await make_person(session, is_platform_admin=True)
    created = await subscribe(hook_client, admin, receiver.url())
    url = f"{API}/webhooks/{created['id']}"

    async def read() -> Response:
        return await hook_client.get(url, headers=auth(admin))

    async def patch(tag: str | None) -> Response:
        return await hook_client.patch(
            url, json={"description": f"d {tag}"}, headers=if_match(admin, tag)
        )

    async def delete(tag: str | None) -> Response:
        return await hook_client.delete(url, headers=if_match(admin, tag))

    await conditional(read, patch)
    await conditional(read, delete, status=204, star=False)
    assert (await read()).status_code == 404


async def test_the_dispatcher_disabling_a_webhook_is_a_new_version(
    hook_client: AsyncClient, session: AsyncSession, engine: AsyncEngine, receiver: Any
) -> None:
    """Its delivery statistics change on every delivery and leave the version alone; being
    disabled is a change a client must not overwrite unawares."""
    admin = await make_person(session, is_platform_admin=True)
    created = await subscribe(hook_client, admin, receiver.url())
    async with create_sessionmaker(engine)() as own:
        await outbox.disable_subscription(
            own, uuid.UUID(created["id"]), "Too many failures.", utcnow(), Actor()
        )
        await own.commit()
    after = ok(await hook_client.get(f"{API}/webhooks/{created['id']}", headers=auth(admin)))
    assert after["active"] is False and after["version"] == created["version"] + 1
    stale = await hook_client.patch(
        f"{API}/webhooks/{created['id']}",
        json={"description": "mine"},
        headers=if_match(admin, f'"{created["version"]}"'),
    )
    precondition_failed(stale)


async def test_a_malformed_if_match_is_422(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    url = f"{API}/domains/{domain.slug}"
    for bad in ("1", '"1', "W/1", '"1" "2"', "*, *", '*, "1"'):
        response = await client.patch(url, json={"purpose": "x"}, headers=if_match(convenor, bad))
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["errors"][0]["field"] == "If-Match", bad
    assert ok(await client.get(url))["version"] == 1


async def test_without_if_match_writes_go_through(
    client: AsyncClient, session: AsyncSession
) -> None:
    """If-Match is optional: a client that sends none overwrites, as before."""
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    url = f"{API}/domains/{domain.slug}"
    for n in range(1, 3):
        done = await client.patch(url, json={"purpose": str(n)}, headers=auth(convenor))
        assert done.json()["version"] == n + 1
        assert version_of(etag_of(done)) == n + 1


async def test_forbidden_and_not_found_come_before_the_precondition(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor, stranger = await make_person(session), await make_person(session)
    private = await make_domain(session, convenor, visibility="private")
    public = await make_domain(session, convenor)
    stale = '"99"'
    hidden = await client.patch(
        f"{API}/domains/{private.slug}", json={"purpose": "x"}, headers=if_match(stranger, stale)
    )
    assert hidden.status_code == 404
    refused = await client.patch(
        f"{API}/domains/{public.slug}", json={"purpose": "x"}, headers=if_match(stranger, stale)
    )
    assert refused.status_code == 403


async def test_events_carry_the_new_version(
    client: AsyncClient, session: AsyncSession, engine: AsyncEngine
) -> None:
    """A webhook receiver can tell which version an event describes, and it is the one the
    API answered with."""
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    url = f"{API}/domains/{domain.slug}"
    done = ok(await client.patch(url, json={"purpose": "new"}, headers=auth(convenor)))
    [event] = await rows(
        engine,
        "SELECT payload FROM events WHERE type = 'domain.updated' AND resource_id = :id",
        id=domain.id,
    )
    assert event["payload"]["version"] == done["version"] == 2
    [audit] = await rows(engine, "SELECT changes FROM audit_log WHERE action = 'domain.updated'")
    assert set(audit["changes"]) == {"purpose"}  # the version is bookkeeping, not a change


async def test_an_endorsement_is_a_new_version_of_the_contribution(
    client: AsyncClient, session: AsyncSession
) -> None:
    """Its counts are part of what GET shows, so the strong ETag changes with them."""
    convenor, ada, bob = [await make_person(session) for _ in range(3)]
    domain = await make_domain(session, convenor)
    await add_member(session, domain, ada)
    await add_member(session, domain, bob)
    created = ok(
        await client.post(
            f"{API}/domains/{domain.slug}/contributions",
            json={"kind": "lesson", "title": "Listen first", "body": "x"},
            headers=auth(ada),
        ),
        201,
    )
    url = f"{API}/contributions/{created['id']}"
    ok(await client.post(f"{url}/endorsements", json={"kind": "helpful"}, headers=auth(bob)), 201)
    now = ok(await client.get(url, headers=auth(ada)))
    assert now["helpful_count"] == 1 and now["version"] == created["version"] + 1
    precondition_failed(
        await client.patch(
            url, json={"body": "y"}, headers=if_match(ada, f'"{created["version"]}"')
        )
    )


async def test_concurrent_orm_writes_cannot_overwrite_each_other(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    """The version column guards every ORM update, not only those with If-Match: a write
    based on a row another transaction changed meanwhile fails instead of winning."""
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    maker = create_sessionmaker(engine)
    async with maker() as first, maker() as second:
        mine = (await first.exec(select(Domain).where(col(Domain.id) == domain.id))).one()
        theirs = (await second.exec(select(Domain).where(col(Domain.id) == domain.id))).one()
        theirs.purpose = "theirs"
        second.add(theirs)
        await second.commit()
        mine.purpose = "mine"
        first.add(mine)
        with pytest.raises(StaleDataError):
            await first.commit()
    async with maker() as check:
        stored = await check.get(Domain, domain.id)
        assert stored is not None and stored.purpose == "theirs" and stored.version == 2


async def test_stale_graphql_writes_are_conflicts(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor, ada = await make_person(session), await make_person(session)
    domain = await make_domain(session, convenor)
    await add_member(session, domain, ada, roles=[Role.member, Role.core])
    contribution = ok(
        await client.post(
            f"{API}/domains/{domain.slug}/contributions",
            json={"kind": "story", "title": "T", "body": "x"},
            headers=auth(ada),
        ),
        201,
    )
    collection = ok(
        await client.post(
            f"{API}/domains/{domain.slug}/collections", json={"title": "C"}, headers=auth(convenor)
        ),
        201,
    )
    gathering = ok(
        await client.post(
            f"{API}/domains/{domain.slug}/gatherings",
            json={
                "title": "G",
                "start": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
                "timezone": "UTC",
                "duration_minutes": 30,
            },
            headers=auth(convenor),
        ),
        201,
    )
    cases: list[tuple[Person, str, str, dict[str, Any]]] = [
        (
            convenor,
            "updateDomain",
            "mutation($v: Int, $s: String!) { updateDomain(slug: $s, "
            'input: {purpose: "x"}, expectedVersion: $v) { version } }',
            {"s": domain.slug},
        ),
        (
            convenor,
            "updateMembership",
            "mutation($v: Int, $s: String!, $p: UUID!) { updateMembership(slug: $s, "
            "personId: $p, input: {roles: [member]}, expectedVersion: $v) { version } }",
            {"s": domain.slug, "p": str(ada.id)},
        ),
        (
            convenor,
            "updateGathering",
            "mutation($v: Int, $id: UUID!) { updateGathering(id: $id, "
            'input: {theme: "x"}, expectedVersion: $v) { version } }',
            {"id": gathering["id"]},
        ),
        (
            ada,
            "updateContribution",
            "mutation($v: Int, $id: UUID!) { updateContribution(id: $id, "
            'input: {body: "y"}, expectedVersion: $v) { version } }',
            {"id": contribution["id"]},
        ),
        (
            convenor,
            "updateCollection",
            "mutation($v: Int, $id: UUID!) { updateCollection(id: $id, "
            'input: {title: "y"}, expectedVersion: $v) { version } }',
            {"id": collection["id"]},
        ),
        (
            ada,
            "updateMe",
            'mutation($v: Int) { updateMe(input: {bio: "y"}, expectedVersion: $v) { version } }',
            {},
        ),
    ]
    for person, field, query, variables in cases:
        stale = await gql(client, query, {**variables, "v": 999}, as_=person)
        assert stale["data"][field] is None, (field, stale)
        [error] = stale["errors"]
        assert error["extensions"]["code"] == "CONFLICT", (field, error)
        assert error["extensions"]["problemType"] == "/problems/precondition-failed", field
        current = await gql(client, query, {**variables, "v": None}, as_=person)
        version = current["data"][field]["version"]
        done = await gql(client, query, {**variables, "v": version}, as_=person)
        assert done["data"][field]["version"] == version + 1, (field, done)


async def test_graphql_deletes_take_an_expected_version_too(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor)
    archive = (
        "mutation($s: String!, $v: Int) { archiveDomain(slug: $s, expectedVersion: $v) "
        "{ archivedAt version } }"
    )
    stale = await gql(client, archive, {"s": domain.slug, "v": 7}, as_=convenor)
    assert [e["extensions"]["code"] for e in stale["errors"]] == ["CONFLICT"]
    done = await gql(client, archive, {"s": domain.slug, "v": 1}, as_=convenor)
    assert (
        done["data"]["archiveDomain"]["archivedAt"]
        and done["data"]["archiveDomain"]["version"] == 2
    )
