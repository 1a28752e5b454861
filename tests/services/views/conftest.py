"""The view cache starts empty for each test: entries outlive the rows they were computed
from, which are emptied between tests."""

from collections.abc import Iterator

import pytest

from app.services.views import cache


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
