"""Count the SQL statements a request issues (the budgets of issue 13: what a hot path may cost).

Counts are deterministic, unlike timings: a change that adds a round trip to a hot path fails here,
on SQLite and MariaDB alike. SAVEPOINTs count; the transaction's BEGIN and COMMIT do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event

_TRANSACTION = ("begin", "commit", "rollback")


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The statements the app's engine runs inside the block, in order."""
    seen: list[str] = []
    engine = app.extensions["anxin_db"].engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.strip().lower().startswith(_TRANSACTION):
            seen.append(" ".join(statement.split())[:160])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def count(app: Flask, request: Callable[[], object]) -> list[str]:
    with statements(app) as seen:
        request()
    return seen


@contextmanager
def round_trips(app: Flask) -> Iterator[list[str]]:
    """What the app's engine sends the server inside the block, one entry a round trip: each statement, and each
    transaction's COMMIT or ROLLBACK (the connections run one statement a query: no COMMIT can ride along)."""
    seen: list[str] = []
    engine = app.extensions["anxin_db"].engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split())[:160])

    def commit(_conn: Any) -> None:
        seen.append("COMMIT")

    def rollback(_conn: Any) -> None:
        seen.append("ROLLBACK")

    listeners = (("before_cursor_execute", record), ("commit", commit), ("rollback", rollback))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
