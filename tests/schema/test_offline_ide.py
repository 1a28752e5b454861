"""GraphiQL and Swagger UI render on a closed network: every script and stylesheet the
pages load is served by this service, from installed packages."""

import base64
import hashlib
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.main import create_app


class Assets(HTMLParser):
    """The scripts and stylesheets a page loads, with their integrity hashes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls[a["src"] or ""] = a.get("integrity")
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or ""):
            self.urls[a["href"] or ""] = a.get("integrity")


def _assets(html: str) -> dict[str, str | None]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


def _is_external(url: str) -> bool:
    return url.startswith(("http:", "https:", "//"))


async def _check_served(client: AsyncClient, page: str) -> dict[str, str | None]:
    assets = _assets(page)
    assert assets, "the page loads no assets at all?"
    assert [u for u in assets if _is_external(u)] == []
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 100, url
    return assets


async def test_graphiql_is_served_offline(client: AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "GraphiQL" in page
    assert "unpkg" not in page and "jsdelivr" not in page and "esm.sh" not in page
    assets = await _check_served(client, page)
    assert any(u.endswith("graphiql.min.js") for u in assets)
    assert any(u.endswith("react.production.min.js") for u in assets)
    # Each asset is pinned: the browser refuses a file whose hash differs.
    for url, integrity in assets.items():
        assert integrity is not None, url
        body = (await client.get(url)).content
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert integrity == f"sha256-{digest}", url


async def test_graphiql_page_talks_to_this_endpoint(client: AsyncClient) -> None:
    page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    assert 'createFetcher({ url: "/graphql" })' in page
    # A browser asking for the page with a query still gets GraphQL, not the page.
    response = await client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "application/json"}
    )
    assert response.json()["data"] == {"__typename": "Query"}


async def test_swagger_ui_is_served_offline(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    page = response.text
    await _check_served(client, page)
    assert "validatorUrl" in page and "validator.swagger.io" not in page


async def test_swagger_ui_can_render_this_openapi_version(client: AsyncClient) -> None:
    """FastAPI emits OpenAPI 3.1; Swagger UI before 5 shows "Unable to render this
    definition" for it."""
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")
    page = (await client.get("/docs")).text
    bundle = next(u for u in _assets(page) if u.endswith("swagger-ui-bundle.js"))
    assert "isOAS31" in (await client.get(bundle)).text


@pytest.fixture
async def no_ide_client(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    app = create_app(settings.model_copy(update={"graphql_graphiql": False}), engine=engine)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def test_graphiql_can_be_switched_off(no_ide_client: AsyncClient) -> None:
    response = await no_ide_client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404
    body = await no_ide_client.post("/graphql", json={"query": "{ __typename }"})
    assert body.json()["data"] == {"__typename": "Query"}
