"""The hottest reads, compiled once per database and run straight on the session's DB-API cursor.

Every chat message reads its binding, and every feed or nappy its kind's timeline. Run through
``Connection.execute``, a statement SQLAlchemy has compiled and cached long ago still costs about 100 µs
of Python a time before and after the driver's own work: the cache look-up, an execution context, the
parameters built afresh, a result object with its metadata, and rows made from the cursor's tuples
(measured on the binding's read, 250–280 µs a query against 156–169 µs for the same SQL on the cursor).
A :class:`Prepared` statement keeps, per dialect, what SQLAlchemy would work out on each execution: the
SQL text, the order of its parameters, their bind processors and the columns' result processors. It then
runs like any other statement of the session's transaction, on the session's own connection:

* what the session holds is flushed first, as ``Session.execute`` does (autoflush);
* the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners see it (with no execution
  context), so statement budgets and the benchmark count it;
* a driver error is raised as SQLAlchemy would raise it (``sqlalchemy.exc.DBAPIError`` and its subclasses),
  and a connection the server has dropped is invalidated, so the pool replaces it.

What it returns are plain tuples of the columns' values, converted as SQLAlchemy converts them (the
zone-aware UTC timestamps, JSON, SQLite's dates); ``tests/test_prepared.py`` compares both on every hot
statement, value for value, on SQLite and MariaDB. Only SELECTs with bound parameters go this way; writes
stay with SQLAlchemy, whose errors (a repeated message's unique key) the callers catch.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class _Form:
    """A statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...] | None  # the parameters' order for a positional paramstyle (SQLite's qmark)
    defaults: Mapping[str, Any]  # the values the statement itself binds (literals SQLAlchemy made parameters)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # the parameters that convert their value
    results: tuple[Callable[[Any], Any] | None, ...]  # each column's conversion, or None
    convert: bool  # some column converts


class Prepared:
    """A Core SELECT run on the session's cursor; its forms are made once per dialect (engine)."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._forms: weakref.WeakKeyDictionary[Dialect, _Form] = weakref.WeakKeyDictionary()

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect)
        if form is None:
            form = self._forms[dialect] = _compile(self.statement, dialect)
        return form

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The statement's rows for ``params`` in the session's transaction."""
        session.flush()
        connection = session.connection()
        form = self._form(connection.dialect)
        values = {**form.defaults, **params}
        for name, process in form.binds:
            values[name] = process(values[name])
        args: Any = values if form.names is None else tuple(values[name] for name in form.names)
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            events = connection._has_events or connection.engine._has_events
            if events:
                connection.dispatch.before_cursor_execute(connection, cursor, form.sql, args, None, False)
            try:
                cursor.execute(form.sql, args)
                fetched = cursor.fetchall()
            except connection.dialect.loaded_dbapi.Error as error:
                raise _translated(connection, error, form.sql, args, cursor) from error
            if events:
                connection.dispatch.after_cursor_execute(connection, cursor, form.sql, args, None, False)
        finally:
            cursor.close()
        if not form.convert:
            return [tuple(row) for row in fetched]
        results = form.results
        return [tuple(value if process is None or value is None else process(value)
                      for process, value in zip(results, row, strict=True)) for row in fetched]


def _translated(connection: Connection, error: Exception, sql: str, args: Any, cursor: Any) -> exc.StatementError:
    """The error SQLAlchemy raises for ``error``; a dropped connection is invalidated (the pool replaces it)."""
    dialect = connection.dialect
    dropped = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)  # type: ignore[arg-type]
    if dropped and not connection.invalidated:
        connection.invalidate(error)
    return exc.DBAPIError.instance(sql, args, error, dialect.loaded_dbapi.Error, connection_invalidated=dropped,
                                   dialect=dialect)


def _compile(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _Form:
    compiled = statement.compile(dialect=dialect)
    required = {name for name, bind in compiled.binds.items() if bind.required}
    defaults = compiled.construct_params({name: None for name in required})
    for name in required:
        defaults.pop(name, None)
    binds = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((name, process))
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in statement.selected_columns)
    names = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    return _Form(compiled.string, names, defaults, tuple(binds), results, any(p is not None for p in results))
