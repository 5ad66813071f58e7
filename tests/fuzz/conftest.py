"""The fuzz tests' run: its budget and seed in pytest's header, background work finished after each test.

The budget itself (a hypothesis settings profile, bounded examples per test, no deadline) is
``tests/support/fuzz.py``'s ``budget``. Two settings make a nightly-size run out of the everyday one:

- ``ANXIN_FUZZ_EXAMPLES`` scales every test's number of examples (default 1, what ``make check`` runs: the
  whole fuzz suite stays under a minute on SQLite; ``make test``, the fast loop, runs 0.2 of it; e.g. 20 for
  a nightly run, 100 for a weekend). Each test's kept failures (``@example``) run whatever the scale.
- ``ANXIN_FUZZ_SEED``: unset, the seeds are fixed (``derandomize``), so CI is stable; an integer replays that
  seed; ``random`` draws a fresh one, printed in pytest's header as ``ANXIN_FUZZ_SEED=N`` so a nightly failure
  can be replayed exactly (the header is left out under `-q`; hypothesis also prints `@reproduce_failure`).

    ANXIN_FUZZ_EXAMPLES=20 ANXIN_FUZZ_SEED=random ANXIN_TEST_BACKENDS=sqlite pytest -q tests/fuzz

Every failure a run ever found is kept as an ``@example`` on its test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.store import background
from tests.support.fuzz import SCALE, SEED


def pytest_report_header() -> str:
    seeded = f"ANXIN_FUZZ_SEED={SEED}" if SEED is not None else "fixed seeds (derandomize)"
    return f"anxin fuzz: ANXIN_FUZZ_EXAMPLES={SCALE:g}, {seeded}"


@pytest.fixture(autouse=True)
def _background_work_finishes(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        background.join_all()
