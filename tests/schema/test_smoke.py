from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import add_member, gql, make_domain, make_person


async def test_nested_query(client: AsyncClient, session: AsyncSession) -> None:
    amara = await make_person(session)
    mei = await make_person(session)
    domain = await make_domain(session, amara)
    await add_member(session, domain, mei)
    body = await gql(
        client,
        """{ me { memberships { nodes { status history { kind at } domain { slug } } } }
             domains(first: 5) { edges { node { slug parent { slug }
               members { nodes { roles person { displayName } } } } } } }""",
        as_=amara,
    )
    assert "errors" not in body, body
