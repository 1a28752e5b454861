"""A small community for the contribution tests: a convenor, a knowledge broker, two
members and an outsider, in a public domain with themes."""

from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.contributions import Contribution
from app.models.domains import Domain
from app.models.memberships import Role
from app.models.people import Person
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, ok

THEMES = ["pain", "family conversations"]


@dataclass
class Community:
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
    return await client.post(contributions_url(domain), json=fields, headers=auth(person))


async def contribute(
    client: AsyncClient, domain: Domain, person: Person, **fields: Any
) -> dict[str, Any]:
    fields.setdefault("kind", "story")
    if fields["kind"] not in ("answer", "reply"):
        fields.setdefault("title", f"A {fields['kind']}")
    if fields["kind"] == "resource":
        fields.setdefault("url", "https://example.org/guide")
    body: dict[str, Any] = ok(await post(client, domain, person, **fields), 201)
    return body


async def listed(
    client: AsyncClient, domain: Domain, person: Person | None, **params: Any
) -> list[str]:
    """Ids on the first page of a domain's list (up to 100)."""
    params.setdefault("limit", 100)
    headers = auth(person) if person else {}
    body = ok(await client.get(contributions_url(domain), params=params, headers=headers))
    return [c["id"] for c in body["items"]]


async def fetch(client: AsyncClient, contribution_id: Any, person: Person) -> Response:
    return await client.get(item(contribution_id), headers=auth(person))


async def set_columns(session: AsyncSession, contribution_id: Any, **values: Any) -> None:
    """Set columns directly (times, counters) where going through the API is beside the point."""
    await session.exec(
        update(Contribution)  # type: ignore[call-overload]
        .where(col(Contribution.id) == contribution_id)
        .values(**values)
    )
    await session.commit()
