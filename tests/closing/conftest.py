from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from bot.store import background


@pytest.fixture(autouse=True)
def _background_work_finishes(app: Flask) -> Iterator[None]:
    """Threads started by a test finish before its database is cleared."""
    yield
    background.join_all()
