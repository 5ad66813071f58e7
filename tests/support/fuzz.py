"""The fuzzers' budget (``budget``, scaled by ``ANXIN_FUZZ_EXAMPLES``, seeded by ``ANXIN_FUZZ_SEED``: see
``tests/fuzz/conftest.py``), and what the form and import fuzzers check after every request: rows written,
and the error a person reads."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, seed, settings
from sqlalchemy import Engine, text

from bot.models.base import Base

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


# Bookkeeping that any request may touch (rate counters, job leases, cached tokens): not the agency's data.
_BOOKKEEPING = {"access_token", "job_lock", "job_run", "rate_counter"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ALERT = re.compile(r'role="alert">(.*?)</(?:div|p)>', re.S)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every data table, read in one statement."""
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in _BOOKKEEPING]
    query = " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM {name}" for name in names)
    with engine.connect() as conn:
        return {name: int(n) for name, n in conn.execute(text(query))}


def chinese_error(page: str) -> str:
    """The error box a person sees on a refused form or import, which must be in Chinese ('' when none)."""
    found = _ALERT.search(page)
    shown = re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""
    return shown if _CJK.search(shown) else ""
