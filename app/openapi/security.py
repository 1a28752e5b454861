"""Credentials in the document: the two security schemes, and which one a route asks for,
read from its dependencies."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant

from app import deps

# The two ways to send a credential: both are `Authorization: Bearer ...`.
OAUTH2 = "OAuth2"
API_KEY = "ApiKey"
SECURITY_SCHEMES: dict[str, Any] = {
    OAUTH2: {
        "type": "oauth2",
        "description": "A person's access token: log in at `/api/v1/auth/token` (OAuth2 "
        "password flow, form-encoded), send `Authorization: Bearer <access_token>`. It "
        "expires after `expires_in` seconds; `/api/v1/auth/refresh` swaps the refresh token "
        '(JSON: `{"refresh_token": "..."}`) for a new pair.',
        "flows": {
            "password": {
                "tokenUrl": "/api/v1/auth/token",
                "refreshUrl": "/api/v1/auth/refresh",
                "scopes": {},
            }
        },
    },
    API_KEY: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "cop_<8 hex digits>_<43 characters>",
        "description": "An API key (a service account, created by a platform admin), sent "
        "as `Authorization: Bearer cop_...`. Its scopes (`read`, `write`, `admin`) bound "
        "what it may do.",
    },
}
CREDENTIALS: list[dict[str, list[str]]] = [{OAUTH2: []}, {API_KEY: []}]


def calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from calls(sub)


def access(route: Any) -> str:
    """`required`, `optional` or `none`: the credential the route's dependencies ask for."""
    called = set(calls(route.dependant))
    if deps.get_authenticated in called:
        return "required"
    if deps.get_actor in called:
        return "optional"
    return "none"
