"""What the form and import fuzzers check after every request: rows written, and the error a person reads."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from bot.models.base import Base

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
