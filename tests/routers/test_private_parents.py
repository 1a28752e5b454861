"""A public sub-group of a private domain does not reveal its parent's id."""

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth, make_domain, make_person


async def test_private_parent_stays_hidden(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    outsider = await make_person(session)
    parent = await make_domain(session, convenor, visibility="private")
    child = await make_domain(session, convenor, parent_slug=parent.slug)

    seen = await client.get(f"/api/v1/domains/{child.slug}", headers=auth(outsider))
    assert seen.status_code == 200 and seen.json()["parent_id"] is None
    listed = await client.get("/api/v1/domains", headers=auth(outsider))
    assert [d["parent_id"] for d in listed.json()["items"] if d["slug"] == child.slug] == [None]
    anonymous = await client.get(f"/api/v1/domains/{child.slug}")
    assert anonymous.json()["parent_id"] is None

    member_view = await client.get(f"/api/v1/domains/{child.slug}", headers=auth(convenor))
    assert member_view.json()["parent_id"] == str(parent.id)
