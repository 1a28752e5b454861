from httpx import AsyncClient
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth, make_domain, make_person


async def test_empty_domain_views(client: AsyncClient, session: AsyncSession) -> None:
    convenor = await make_person(session)
    domain = await make_domain(session, convenor, themes=["pain"])
    for view in ("network", "community", "comparison", "comparison/history"):
        r = await client.get(f"/api/v1/domains/{domain.slug}/views/{view}", headers=auth(convenor))
        assert r.status_code == 200, r.text
        assert "NaN" not in r.text
    r = await client.get("/api/v1/views/network", headers=auth(convenor))
    assert r.status_code == 200, r.text
