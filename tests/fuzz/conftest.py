"""Fuzzing budget: a hypothesis settings profile, bounded examples per test, no deadline.

Two settings make a nightly-size run out of the everyday one:

- ``ANXIN_FUZZ_EXAMPLES`` scales every test's number of examples (default 1: the whole fuzz suite stays
  under a minute on SQLite; e.g. 20 for a nightly run, 100 for a weekend).
- ``ANXIN_FUZZ_SEED``: unset, the seeds are fixed (``derandomize``), so CI is stable; an integer replays that
  seed; ``random`` draws a fresh one, printed in pytest's header as ``ANXIN_FUZZ_SEED=N`` so a nightly failure
  can be replayed exactly (the header is left out under `-q`; hypothesis also prints `@reproduce_failure`).

    ANXIN_FUZZ_EXAMPLES=20 ANXIN_FUZZ_SEED=random ANXIN_TEST_BACKENDS=sqlite pytest -q tests/fuzz

Every failure a run ever found is kept as an ``@example`` on its test.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, seed, settings

from bot.store import background

SCALE = float(os.environ.get("ANXIN_FUZZ_EXAMPLES", "1"))
_SEED = os.environ.get("ANXIN_FUZZ_SEED", "").strip()
SEED: int | None = random.SystemRandom().randrange(2**32) if _SEED == "random" else int(_SEED) if _SEED else None

settings.register_profile(
    "anxin-fuzz",
    deadline=None,
    derandomize=SEED is None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile("anxin-fuzz")

F = TypeVar("F", bound=Callable[..., Any])


def examples(base: int) -> int:
    """``base`` examples scaled by ``ANXIN_FUZZ_EXAMPLES``."""
    return max(1, int(base * SCALE))


def budget(base: int, **overrides: Any) -> Callable[[F], F]:
    """The profile with ``base`` (scaled) examples, and the run's seed when one is set."""
    configured = settings(PROFILE, max_examples=examples(base), **overrides)

    def apply(test: F) -> F:
        test = configured(test)
        return seed(SEED)(test) if SEED is not None else test

    return apply


def pytest_report_header() -> str:
    seeded = f"ANXIN_FUZZ_SEED={SEED}" if SEED is not None else "fixed seeds (derandomize)"
    return f"anxin fuzz: ANXIN_FUZZ_EXAMPLES={SCALE:g}, {seeded}"


@pytest.fixture(autouse=True)
def _background_work_finishes(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        background.join_all()
