"""A private domain with something in every kind of content, and a person invited to it
(not yet accepted): shared by the REST and GraphQL invitee tests."""

from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.domains import Domain
from app.models.people import Person
from tests.factories import add_member, auth, make_domain, make_person
from tests.support import API, ok, schedule

WORD = "tracheostomy"  # in the contribution, so a search finds it


@dataclass
class Invited:
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
    contribution = ok(
        await client.post(
            f"{base}/contributions",
            json={
                "kind": "story",
                "title": "Handover",
                "body": f"Changing a {WORD} tube",
                "tags": ["airway"],
            },
            headers=auth(member),
        ),
        201,
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
