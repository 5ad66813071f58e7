"""Count the SQL statements a request issues (the budgets of issue 13: what a hot path may cost).

Counts are deterministic, unlike timings: a change that adds a round trip to a hot path fails here,
on SQLite and MariaDB alike. SAVEPOINTs count; the transaction's BEGIN and COMMIT do not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from bot import dbwire

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


def commands_sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every command MariaDB connections send from here on, one per round trip (PyMySQL's own sending,
    passed through): a statement, a COMMIT, a ping."""
    seen: list[str] = []
    send = dbwire.Connection._execute_command

    def counted(self: dbwire.Connection, command: int, sql: object) -> None:
        seen.append(sql.decode() if isinstance(sql, bytes) else str(sql))
        send(self, command, sql)

    monkeypatch.setattr(dbwire.Connection, "_execute_command", counted)
    return seen
