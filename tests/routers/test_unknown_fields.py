"""A field a request body does not know is refused with 422 naming it, as Stripe does,
instead of being ignored while the request answers 200 and changes nothing."""

from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth, make_domain, make_person
from tests.support import API


async def test_an_unknown_field_is_named_and_nothing_changes(
    client: AsyncClient, session: AsyncSession
) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, name="Strict")
    response = await client.patch(
        f"{API}/domains/{domain.slug}",
        json={"name": "Renamed", "parent_id": "00000000-0000-0000-0000-000000000000"},
        headers=auth(convenor),
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("parent_id", "extra_forbidden")]
    after = await client.get(f"{API}/domains/{domain.slug}", headers=auth(convenor))
    assert after.json()["name"] == "Strict"


async def test_unknown_fields_are_refused_on_creation_too(
    client: AsyncClient, session: AsyncSession
) -> None:
    person = await make_person(session)
    response = await client.post(
        f"{API}/domains", json={"name": "New", "colour": "green"}, headers=auth(person)
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["colour"]
