"""Fuzzing budget: fixed seeds (derandomize) so CI is stable, a bounded number of examples, no deadline.

``ANXIN_FUZZ_EXAMPLES`` scales every budget (default 1.0; e.g. 5 for a long local run).
Every crash a run ever found is kept as an ``@example`` on its test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from bot import background

SCALE = float(os.environ.get("ANXIN_FUZZ_EXAMPLES", "1"))


def budget(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


@pytest.fixture(autouse=True)
def _background_work_finishes(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        background.join_all()
