"""Builders for test data. People are inserted directly (no password hashing, which is
slow by design); everything with rules goes through the services, or through the API
where a test needs what a client would have made."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models.base import utcnow
from app.models.contributions import UNTITLED_KINDS, Contribution, ContributionCreate
from app.models.domains import Domain, DomainCreate
from app.models.gatherings import Gathering, GatheringCreate
from app.models.memberships import Membership, MembershipCreate, MembershipEvent, Role
from app.models.people import ApiKey, ApiKeyCreate, Person
from app.services.actors import Actor
from app.services.contributions import service as contributions
from app.services.domains import service as domains
from app.services.gatherings import scheduling
from app.services.memberships import lifecycle
from app.services.people import api_keys
from app.services.people.auth import issue_access_token

_seq = itertools.count(1)
SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
API = "/api/v1"


def ok(response: Response, status: int = 200) -> Any:
    """The decoded body of a response with the given status (None when it has no body).
    Builders check their own requests with it; tests import it from `tests.support`."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def make_person(session: AsyncSession, **fields: Any) -> Person:
    """A person whose email is verified, unless `email_verified_at=None` is given."""
    n = next(_seq)
    fields.setdefault("email_verified_at", utcnow())
    person = Person(
        email=fields.pop("email", f"person{n}@example.org"),
        display_name=fields.pop("display_name", f"Person {n}"),
        **fields,
    )
    session.add(person)
    await session.commit()
    return person


def actor_of(person: Person) -> Actor:
    return Actor(
        person_id=person.id,
        is_platform_admin=person.is_platform_admin,
        email_verified=person.email_verified_at is not None,
    )


async def make_api_key(
    session: AsyncSession, *scopes: str, by: Person | None = None, **fields: Any
) -> tuple[ApiKey, str]:
    """An API key (read-only unless `scopes` say otherwise) and its secret, made through
    the service by `by` (a new platform admin unless given)."""
    admin = by or await make_person(session, is_platform_admin=True)
    n = next(_seq)
    data = ApiKeyCreate.model_validate(
        {"name": f"Key {n}", "scopes": list(scopes) or ["read"], **fields}
    )
    return await api_keys.create_api_key(session, actor_of(admin), data)


async def make_key(session: AsyncSession, admin: Person, *scopes: str) -> str:
    """The secret of an API key made by `admin`, to send as a bearer token."""
    _, secret = await make_api_key(session, *scopes, by=admin)
    return secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auth(person: Person) -> dict[str, str]:
    settings = Settings(environment="test", secret_key=SECRET)
    return bearer(issue_access_token(person.id, settings))


async def sign_up(client: AsyncClient, email: str, **fields: Any) -> Response:
    """The answer to registering through the API (with `PASSWORD` unless told otherwise)."""
    body = {"email": email, "password": PASSWORD, "display_name": "Someone", **fields}
    return await client.post(f"{API}/auth/register", json=body)


async def register(client: AsyncClient, email: str, **fields: Any) -> dict[str, Any]:
    """A person registered through the API, as the API shows them."""
    person: dict[str, Any] = ok(await sign_up(client, email, **fields), 201)
    return person


async def log_in(client: AsyncClient, email: str, password: str = PASSWORD) -> Response:
    """The answer to a password login, whatever it is."""
    return await client.post(f"{API}/auth/token", data={"username": email, "password": password})


async def login(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """The tokens of a login that must succeed."""
    tokens: dict[str, Any] = ok(await log_in(client, email, password), 200)
    return tokens


async def make_domain(session: AsyncSession, convenor: Person, **fields: Any) -> Domain:
    n = next(_seq)
    fields.setdefault("name", f"Domain {n}")
    return await domains.create_domain(session, actor_of(convenor), DomainCreate(**fields))


async def add_member(
    session: AsyncSession,
    domain: Domain,
    person: Person,
    *,
    roles: list[Role] | None = None,
    status: str = "active",
) -> Membership:
    membership = Membership(
        domain_id=domain.id,
        person_id=person.id,
        status=status,
        roles=[r.value for r in (roles or [Role.member])],
    )
    session.add(membership)
    await session.flush()
    session.add(
        MembershipEvent(
            membership_id=membership.id, kind="joined", status=status, roles=membership.roles
        )
    )
    await session.commit()
    return membership


async def invite(
    session: AsyncSession,
    domain: Domain,
    convenor: Person,
    person: Person,
    roles: list[Role] | None = None,
) -> Membership:
    """An invitation, sent by a convenor through the service (unlike `add_member`)."""
    data = MembershipCreate(person_id=person.id, roles=roles)
    return await lifecycle.join_or_invite(session, actor_of(convenor), domain.slug, data)


async def gql(
    client: AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_: Person | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    sent = dict(headers or {})
    if as_ is not None:
        sent.update(auth(as_))
    response: Response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
    )
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def new_id() -> str:
    return str(uuid.uuid4())


async def make_contribution(
    session: AsyncSession, author: Person | Actor, domain: Domain, **fields: Any
) -> Contribution:
    """A contribution through the service: a published story with a title unless told
    otherwise (answers and replies get no title)."""
    actor = author if isinstance(author, Actor) else actor_of(author)
    fields.setdefault("kind", "story")
    if fields["kind"] not in UNTITLED_KINDS:
        fields.setdefault("title", "A title")
    return await contributions.create_contribution(
        session, actor, domain.slug, ContributionCreate(**fields)
    )


def from_now(**delta: float) -> datetime:
    """Now plus `delta` (timedelta's arguments), to the second."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


async def make_gathering(
    session: AsyncSession, domain: Domain, by: Person, **fields: Any
) -> Gathering:
    """A gathering (or series) scheduled by `by` in a week, lasting 90 minutes; returns its
    first occurrence."""
    fields.setdefault("title", f"Gathering {next(_seq)}")
    fields.setdefault("start", from_now(days=7))
    fields.setdefault("timezone", "Europe/Amsterdam")
    fields.setdefault("duration_minutes", 90)
    data = GatheringCreate.model_validate(fields)
    return await scheduling.create_gathering(session, actor_of(by), domain.slug, data)


def at(moment: datetime) -> str:
    """ISO 8601 with an offset, as a client would send it."""
    return moment.astimezone(UTC).isoformat()


def gathering_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": f"Gathering {next(_seq)}",
        "start": at(from_now(days=7)),
        "timezone": "Europe/Amsterdam",
        "duration_minutes": 90,
    }
    body.update(fields)
    return body


def headers_for(people: list[Person]) -> list[dict[str, str]]:
    """`auth()` for many people at once, without building settings for each."""
    settings = Settings(environment="test", secret_key=SECRET)
    return [bearer(issue_access_token(p.id, settings)) for p in people]


async def schedule(
    client: AsyncClient, domain: Domain | str, by: Person, **fields: Any
) -> dict[str, Any]:
    """A gathering scheduled through the API (`gathering_body`'s defaults)."""
    slug = domain if isinstance(domain, str) else domain.slug
    response = await client.post(
        f"{API}/domains/{slug}/gatherings", json=gathering_body(**fields), headers=auth(by)
    )
    gathering: dict[str, Any] = ok(response, 201)
    return gathering


async def make_members(session: AsyncSession, domain: Domain, n: int) -> list[Person]:
    """`n` new people, each an active member of `domain` (with the event of joining)."""
    people = [await make_person(session) for _ in range(n)]
    for person in people:
        await add_member(session, domain, person)
    return people


async def many_members(session: AsyncSession, domain: Domain, n: int) -> list[Person]:
    """`n` active members, inserted in two statements rather than `n` round trips."""
    people = [
        Person(
            email=f"crowd{next(_seq)}@example.org",
            display_name=f"Crowd {i}",
            email_verified_at=utcnow(),
        )
        for i in range(n)
    ]
    session.add_all(people)
    await session.flush()
    session.add_all(
        Membership(domain_id=domain.id, person_id=p.id, status="active", roles=["member"])
        for p in people
    )
    await session.commit()
    return people


class Circle:
    """A domain with a convenor, a core member, a plain member and an outsider."""

    def __init__(self, domain: Domain, convenor: Person, core: Person, member: Person,
                 outsider: Person) -> None:  # fmt: skip
        self.domain, self.convenor, self.core = domain, convenor, core
        self.member, self.outsider = member, outsider
        self.slug = domain.slug


async def circle(session: AsyncSession, **domain_fields: Any) -> Circle:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, **domain_fields)
    core, member, outsider = [await make_person(session) for _ in range(3)]
    await add_member(session, domain, core, roles=[Role.member, Role.core])
    await add_member(session, domain, member)
    return Circle(domain, convenor, core, member, outsider)


# --- Contributions through the API ---------------------------------------------------------

THEMES = ["pain", "family conversations"]


@dataclass
class Community:
    """A public domain with themes: a convenor, a knowledge broker, two members, and an
    outsider."""

    domain: Domain
    convenor: Person
    broker: Person
    alice: Person
    bob: Person
    outsider: Person

    @property
    def contributions(self) -> str:
        return contributions_url(self.domain)


def contributions_url(domain: Domain) -> str:
    return f"{API}/domains/{domain.slug}/contributions"


def item(contribution_id: Any, tail: str = "") -> str:
    return f"{API}/contributions/{contribution_id}{tail}"


async def community(session: AsyncSession, **domain_fields: Any) -> Community:
    convenor = await make_person(session)
    broker = await make_person(session)
    alice = await make_person(session, display_name="Alice")
    bob = await make_person(session, display_name="Bob")
    outsider = await make_person(session)
    domain_fields.setdefault("themes", THEMES)
    domain = await make_domain(session, convenor, **domain_fields)
    await add_member(session, domain, broker, roles=[Role.member, Role.knowledge_broker])
    await add_member(session, domain, alice)
    await add_member(session, domain, bob)
    return Community(domain, convenor, broker, alice, bob, outsider)


async def post(client: AsyncClient, domain: Domain, person: Person, **fields: Any) -> Response:
    """The answer to posting a contribution, whatever it is."""
    return await client.post(contributions_url(domain), json=fields, headers=auth(person))


async def contribute(
    client: AsyncClient, domain: Domain, person: Person, **fields: Any
) -> dict[str, Any]:
    """A contribution posted through the API: a story with a title unless told otherwise
    (a resource gets a URL)."""
    fields.setdefault("kind", "story")
    if fields["kind"] not in UNTITLED_KINDS:
        fields.setdefault("title", f"A {fields['kind']}")
    if fields["kind"] == "resource":
        fields.setdefault("url", "https://example.org/guide")
    body: dict[str, Any] = ok(await post(client, domain, person, **fields), 201)
    return body


async def set_columns(session: AsyncSession, contribution_id: Any, **values: Any) -> None:
    """Set columns directly (times, counters) where going through the API is beside the point."""
    await session.exec(
        update(Contribution)  # type: ignore[call-overload]
        .where(col(Contribution.id) == contribution_id)
        .values(**values)
    )
    await session.commit()


# --- A private domain with an invitee ------------------------------------------------------

WORD = "tracheostomy"  # in the invitees' contribution, so a search finds it


@dataclass
class Invited:
    """A private domain with something in every kind of content, and a person invited to
    it (not yet accepted)."""

    domain: Domain
    convenor: Person
    member: Person
    invitee: Person
    contribution: dict[str, Any]
    gathering: dict[str, Any]
    collection: dict[str, Any]

    @property
    def slug(self) -> str:
        return self.domain.slug


async def invited_to_private_domain(client: AsyncClient, session: AsyncSession) -> Invited:
    convenor = await make_person(session, display_name="Connie Convenor")
    member = await make_person(session)
    invitee = await make_person(session)
    domain = await make_domain(
        session, convenor, name="Night nurses", slug="night-nurses", visibility="private"
    )
    await add_member(session, domain, member)
    base = f"{API}/domains/{domain.slug}"
    contribution = await contribute(
        client,
        domain,
        member,
        title="Handover",
        body=f"Changing a {WORD} tube",
        tags=["airway"],
    )
    gathering = await schedule(client, domain, convenor)
    collection = ok(
        await client.post(f"{base}/collections", json={"title": "Airways"}, headers=auth(convenor)),
        201,
    )
    invitation = ok(
        await client.post(
            f"{base}/members",
            json={"person_id": str(invitee.id), "roles": ["member", "core"]},
            headers=auth(convenor),
        ),
        201,
    )
    assert invitation["status"] == "invited"
    return Invited(domain, convenor, member, invitee, contribution, gathering, collection)


# --- Webhooks ------------------------------------------------------------------------------


async def subscribe(client: AsyncClient, person: Person, url: str, **fields: Any) -> dict[str, Any]:
    """A webhook subscription made through the API."""
    created: dict[str, Any] = ok(
        await client.post(f"{API}/webhooks", json={"url": url, **fields}, headers=auth(person)),
        201,
    )
    return created


# --- Member imports ------------------------------------------------------------------------


def members_import_url(slug: str, **query: str) -> str:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return f"{API}/domains/{slug}/members/import" + (f"?{params}" if params else "")


async def post_csv(client: AsyncClient, slug: str, body: str, who: Any, **query: str) -> Response:
    """The answer to importing members from a CSV file, sent with the headers `who`."""
    headers = {**who, "Content-Type": "text/csv"}
    return await client.post(
        members_import_url(slug, **query), content=body.encode(), headers=headers
    )
