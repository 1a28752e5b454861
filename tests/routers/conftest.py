"""REST test fixtures. The `client` here checks every error response it sees: whatever
test sent the request, a 4xx or 5xx must be RFC 9457 problem+json with the fields
clients rely on."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient

from tests.support import problem_checked_client


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with problem_checked_client(app) as client:
        yield client
