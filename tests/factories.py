"""Builders for test data. People are inserted directly (no password hashing, which is
slow by design); everything with rules goes through the services."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient, Response
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


async def make_api_key(session: AsyncSession, *scopes: str, **fields: Any) -> tuple[ApiKey, str]:
    """An API key (read-only unless `scopes` say otherwise) and its secret, made by a
    platform admin through the service."""
    admin = await make_person(session, is_platform_admin=True)
    n = next(_seq)
    data = ApiKeyCreate.model_validate(
        {"name": f"Key {n}", "scopes": list(scopes) or ["read"], **fields}
    )
    return await api_keys.create_api_key(session, actor_of(admin), data)


def auth(person: Person) -> dict[str, str]:
    settings = Settings(environment="test", secret_key=SECRET)
    return {"Authorization": f"Bearer {issue_access_token(person.id, settings)}"}


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
    return [{"Authorization": f"Bearer {issue_access_token(p.id, settings)}"} for p in people]


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
