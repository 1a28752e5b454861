"""GraphiQL served entirely by this service, so that it works on a closed network.

Strawberry's own GraphiQL page loads React and GraphiQL from a CDN. The PyPI package
`graphene-django-graphiql-static` ships the same assets as plain files (GraphiQL 2.4.7,
React 17.0.2 and the explorer plugin 0.1.15, all MIT-licensed, byte for byte the npm
releases plus a trailing newline); only those files are used, none of its Python code.
The page pins each file by its SHA-256, so a changed file is refused by the browser
(and fails the tests) rather than run."""

import asyncio
import importlib.util
import json
import logging
from pathlib import Path
from typing import Any

from cross_web import HTTPException
from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from app import json_body
from app.schema.context import Context

log = logging.getLogger("cop_api")

ASSETS_PACKAGE = "graphene_django_graphiql_static"
ASSETS_URL = "/static/graphiql"

# file -> Subresource Integrity hash of the file in graphene-django-graphiql-static 0.8.
STYLES = {
    "graphiql.min.css": "sha256-xs1Lg/AcXh/0l113vJVxhNzm3sAVX7+cxNkZDrqKe50=",
    "style.css": "sha256-fA0LPUlukMNR6L4SPSeFqDTYav8QdWjQ2nr559Zln1U=",
}
SCRIPTS = {
    "react.production.min.js": "sha256-Ipu/TQ50iCCVZBUsZyNJfxrDk0E2yhaEIz0vqI+kFG8=",
    "react-dom.production.min.js": "sha256-nbMykgB6tsOFJ7OdVmPpdqMFVk4ZsqWocT6issAPUF0=",
    "graphiql.min.js": "sha256-xWTeBbldGE4sW6XOryY1gh9r+S8tV3e3TZEAT/a1kdE=",
    "graphiql-plugin-explorer.umd.js": "sha256-3hUuhBXdXlfCj6RTeEkJFtEh/kUG+TCDASFpFPLrzvE=",
}

EXAMPLE_QUERY = """# cop-api GraphQL. Send a token in the Headers tab below:
#   {"Authorization": "Bearer <access token or API key>"}
# Get one with the `login` mutation. Run with Ctrl-Enter.

query Domains {
  domains(first: 10) {
    edges {
      node {
        slug
        name
        purpose
        members(first: 5) {
          nodes { roles person { displayName } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def assets_dir() -> Path:
    """The package's static folder, found without importing the package (it is a Django
    app; importing it is neither needed nor wanted)."""
    spec = importlib.util.find_spec(ASSETS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The '{ASSETS_PACKAGE}' package (GraphiQL's assets) is missing.")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / ASSETS_PACKAGE


def _tags() -> str:
    links = [
        f'<link rel="stylesheet" href="{ASSETS_URL}/{name}" integrity="{sri}">'
        for name, sri in STYLES.items()
    ]
    scripts = [
        f'<script src="{ASSETS_URL}/{name}" integrity="{sri}"></script>'
        for name, sri in SCRIPTS.items()
    ]
    return "\n    ".join(links + scripts)


def _js(value: str) -> str:
    """A JavaScript string literal that is safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c")


def graphiql_html(endpoint: str) -> str:
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>cop-api · GraphiQL</title>
    <link rel="icon" href="data:,">
    <style>
      html, body, #graphiql {{ height: 100%; margin: 0; overflow: hidden; width: 100%; }}
    </style>
    <!-- GraphiQL (c) GraphQL Contributors and React (c) Meta Platforms: MIT licence. -->
    {_tags()}
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script>
      (function () {{
        var fetcher = GraphiQL.createFetcher({{ url: {_js(endpoint)} }});
        var example = {_js(EXAMPLE_QUERY)};
        function App() {{
          var state = React.useState(localStorage.getItem("graphiql:query") || example);
          var query = state[0], setQuery = state[1];
          var explorer = GraphiQLPluginExplorer.useExplorerPlugin({{
            query: query, onEdit: setQuery
          }});
          return React.createElement(GraphiQL, {{
            fetcher: fetcher,
            query: query,
            onEditQuery: setQuery,
            plugins: [explorer],
            headerEditorEnabled: true,
            defaultEditorToolsVisibility: true
          }});
        }}
        ReactDOM.render(React.createElement(App), document.getElementById("graphiql"));
      }})();
    </script>
  </body>
</html>
"""


class GraphQLApp(GraphQLRouter[Context, None]):
    """The GraphQL endpoint; a browser asking for HTML gets the offline GraphiQL page.
    Bodies and `variables` are read by the same JSON reader as REST bodies."""

    def decode_json(self, data: str | bytes) -> object:
        return json_body.loads(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html(request.url.path))

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """An operation still running after the time limit is cancelled: its resolvers
        stop and their connections go back to the pool."""
        limit = context.settings.graphql_timeout_seconds
        try:
            async with asyncio.timeout(limit):
                return await super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
        except TimeoutError:
            log.warning("GraphQL operation cancelled after %s s", limit)
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"The operation ran longer than {limit:g} s and was stopped; "
                        "ask for less at once.",
                        extensions={"code": "TIMEOUT"},
                    )
                ],
            )

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """A request GraphQL cannot even read (a body that is no JSON, nested too deep, not
        UTF-8) is answered in GraphQL's own shape with a stable code, not in plain text."""
        try:
            response = await super().run(request, context=context, root_value=root_value)
        except HTTPException as exc:
            if exc.status_code != 400:
                raise
            code = "MALFORMED_JSON" if "JSON" in exc.reason else "BAD_REQUEST"
            body = {"errors": [{"message": exc.reason, "extensions": {"code": code}}]}
            return JSONResponse(body, status_code=400)
        if request.method == "GET" and isinstance(response, Response):
            # GET answers GraphiQL's page to a browser and JSON to a client: by Accept.
            response.headers["Vary"] = "Accept"
        return response
