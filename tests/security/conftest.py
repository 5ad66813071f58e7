from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import background


@pytest.fixture(autouse=True)
def _background_work_finishes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Threads started by a test (deliveries after commit) finish before its database is cleared."""
    yield
    if "app" in request.fixturenames:
        background.join_all()
