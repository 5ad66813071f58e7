from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from bot import create_app
from bot.store import background


@pytest.fixture(autouse=True)
def _background_work_finishes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Threads started by a test (deliveries after commit) finish before its database is cleared."""
    yield
    if "app" in request.fixturenames:
        background.join_all()


@pytest.fixture
def make_app(app: Flask, app_settings: dict[str, object]) -> Iterator[Callable[..., Flask]]:
    """Another app on the test database (another worker, other settings); its connections closed at the end."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        other = create_app({**app_settings, **overrides})
        made.append(other)
        return other

    yield make
    for other in made:
        other.extensions["anxin_db"].engine.dispose()
