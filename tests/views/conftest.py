"""View test fixtures: every error response must be RFC 9457 problem+json, and the view
cache starts empty for each test (the database is emptied between tests)."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from httpx import AsyncClient

from app.services.views import cache
from tests.support import problem_checked_client


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[AsyncClient]:
    async with problem_checked_client(app) as client:
        yield client
