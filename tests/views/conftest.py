"""View test fixtures: every error response must be RFC 9457 problem+json, and the view
cache starts empty for each test (the database is emptied between tests)."""

from collections.abc import Iterator

import pytest

from app.services.views import cache
from tests.routers.conftest import client  # noqa: F401 (the fixture, with its problem checks)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
