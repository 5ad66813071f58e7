"""Database engines and sessions, wired to the app (the declarative base is ``bot.models.base``).

SQLite is the embedded default and MySQL/MariaDB the production database. Both
are set up here so that concurrent writers behave the same way on each:

* SQLite runs in WAL mode, waits for locks (``busy_timeout``) and starts every
  transaction with ``BEGIN IMMEDIATE``: a transaction that will write takes the
  write lock up front, so two processes never deadlock upgrading a read lock,
  and a read-then-write (check, then refresh a token) is atomic across processes.
  ``reader_session`` opts out (``BEGIN DEFERRED``) for work that only reads.
* MySQL runs at READ COMMITTED with utf8mb4, so a transaction that waited on a
  unique key sees the row the other one committed. The driver is the URL's:
  ``mysql+pymysql://`` (PyMySQL, pure Python, the default) or ``mysql+mysqldb://``
  (mysqlclient, in C: ``requirements-mysqlclient.txt``). Either way a connection
  never allows several statements in one query (no stacked queries).

A request to a server database costs only its own round trips: a pooled connection is
pinged only when it has sat idle for ``PING_AFTER_IDLE`` seconds (a dead one is replaced
before use), and it is not rolled back on its way back to the pool when its transaction
already ended (a COMMIT leaves nothing to undo). A connection that died while in use —
the server restarted within those seconds — fails that one request, which the app
answers so that the sender retries, and SQLAlchemy then replaces every older connection
of the pool on its next checkout.

A MySQL URL may name other servers of a Galera cluster to connect to when its own does not answer or is
not ready (``?failover=10.0.0.12:3306,10.0.0.13:3306``): each new connection tries the URL's host first,
then these in order, and takes the first that is a node ready for queries (``wsrep_ready``). The writes
of one app server thus go to one node while it lives, and to the next while it does not.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, g
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolResetState

from bot.core.clock import utcnow
from bot.models.base import Base, UTCDateTime
from config import MYSQL_DRIVERS

log = logging.getLogger("anxin.db")


def default_sqlite_url(instance_path: str) -> str:
    path = Path(instance_path) / "anxin.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for concurrent writers on SQLite or MySQL/MariaDB."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    driver = parsed.get_driver_name()
    if driver not in MYSQL_DRIVERS:
        raise ValueError(f"{url!r}: Anxin runs MySQL/MariaDB on {' or '.join(MYSQL_DRIVERS)}, not {driver!r}")
    parsed, failover = failover_hosts(parsed)
    engine = create_engine(
        parsed,
        connect_args=_pymysql_arguments() if driver == "pymysql" else _mysqldb_arguments(),
        pool_recycle=3600,
        pool_reset_on_return=None,  # _configure_server_pool resets what needs it
        isolation_level="READ COMMITTED",
        **kwargs,
    )
    _configure_server_pool(engine)
    if failover:
        _connect_with_failover(engine, failover)
    return engine


FAILOVER = "failover"


def failover_hosts(url: URL) -> tuple[URL, list[tuple[str, int]]]:
    """The URL without its ``failover`` query and the (host, port) pairs it named (port 3306 if left out)."""
    raw = url.query.get(FAILOVER)
    if raw is None:
        return url, []
    hosts = []
    for item in (",".join(raw) if isinstance(raw, tuple) else raw).split(","):
        host, _, port = item.strip().rpartition(":") if ":" in item else (item.strip(), "", "3306")
        if not host or not port.isdigit():
            raise ValueError(f"{FAILOVER}={raw!r}: expected host:port,host:port")
        hosts.append((host, int(port)))
    return url.difference_update_query([FAILOVER]), hosts


def _connect_with_failover(engine: Engine, failover: list[tuple[str, int]]) -> None:
    """Make each new connection to the URL's host, else to the first ``failover`` host that is a ready node."""

    @event.listens_for(engine, "do_connect")  # after _without_multi_statements: cparams are final here
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        dbapi = dialect.loaded_dbapi
        tried: list[str] = []
        for host, port in [(cparams.get("host", "localhost"), int(cparams.get("port", 3306))), *failover]:
            try:
                connection = dbapi.connect(*cargs, **{**cparams, "host": host, "port": port})
            except dbapi.OperationalError as err:
                tried.append(f"{host}:{port}: {err}")
                continue
            if _ready(connection):
                if tried:
                    log.warning("db.failover", extra={"fields": {"to": f"{host}:{port}", "tried": tried}})
                return connection
            connection.close()
            tried.append(f"{host}:{port}: a Galera node not ready for queries (wsrep_ready OFF)")
        raise dbapi.OperationalError(2003, "no database server of the URL or its failover list answered: "
                                     + "; ".join(tried))


def _ready(connection: Any) -> bool:
    """A server that is no Galera node, or a node that takes queries (joined, synced, in the primary component)."""
    cursor = connection.cursor()
    try:
        cursor.execute("SHOW VARIABLES LIKE 'wsrep_on'")
        galera = cursor.fetchone()
        if galera is None or str(galera[1]).upper() != "ON":
            return True
        cursor.execute("SHOW STATUS LIKE 'wsrep_ready'")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row is not None and str(row[1]).upper() == "ON"


# MySQL protocol: the client may send several statements in one query. Never asked for: an injection that
# slipped in would otherwise run as stacked queries. PyMySQL asks for it only when told to; mysqlclient asks
# for it unless told not to (``multi_statements=False``).
CLIENT_MULTI_STATEMENTS = 1 << 16


def _pymysql_arguments() -> dict[str, Any]:
    from pymysql import converters

    return {"conv": {**converters.conversions, FIELD_TYPE_DATETIME: _datetime(converters.convert_datetime),
                     FIELD_TYPE_TIMESTAMP: _datetime(converters.convert_datetime),
                     FIELD_TYPE_DATE: _date(converters.convert_date)}}


def _mysqldb_arguments() -> dict[str, Any]:
    from MySQLdb import converters, times  # mysqlclient: optional (requirements-mysqlclient.txt)

    return {"multi_statements": False,
            "conv": {**converters.conversions, FIELD_TYPE_DATETIME: _datetime(times.DateTime_or_None),
                     FIELD_TYPE_TIMESTAMP: _datetime(times.DateTime_or_None),
                     FIELD_TYPE_DATE: _date(times.Date_or_None)}}


def _without_multi_statements(engine: Engine) -> None:
    """Take the multi-statement flag off whatever the URL's query asked for (``?client_flag=…``)."""

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        if "client_flag" in cparams:
            cparams["client_flag"] &= ~CLIENT_MULTI_STATEMENTS


# MySQL protocol field types, the same numbers in both drivers' FIELD_TYPE constants.
FIELD_TYPE_DATE, FIELD_TYPE_TIMESTAMP, FIELD_TYPE_DATETIME = 10, 7, 12

_FROM_ISO = dt.datetime.fromisoformat
_DATE_FROM_ISO = dt.date.fromisoformat


def _datetime(driver_converter: Callable[[str], Any]) -> Callable[[str], Any]:
    """A DATETIME as the server sends it ('2026-11-23 10:00:00.123456'), parsed in C; what that refuses
    (a zero date, an impossible day) goes to the driver's own converter, which says what it makes of it.

    PyMySQL parses every DATETIME with a regular expression and int() of each part, mysqlclient with int() of
    each part: 1.7 µs and about 1 µs against 0.07 µs for fromisoformat, and a day view reads about a hundred."""

    def convert(value: str) -> Any:
        if value[10:11] == " ":  # the server's own form; nothing else is read in C
            try:
                return _FROM_ISO(value)
            except ValueError:
                pass
        return driver_converter(value)

    return convert


def _date(driver_converter: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        if len(value) == 10:
            try:
                return _DATE_FROM_ISO(value)
            except ValueError:
                pass
        return driver_converter(value)

    return convert


# A pooled connection idle for longer than this is pinged before use; a busy one is not.
PING_AFTER_IDLE = 10.0
# Set on a connection's pool record while it is checked out raw (``engine.raw_connection()``), not by a
# SQLAlchemy ``Connection``.
_RAW = "anxin_raw"


def _configure_server_pool(engine: Engine) -> None:
    """Ping only connections that sat idle, and skip the rollback a committed connection does not need."""
    _without_multi_statements(engine)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["anxin_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        record.info[_RAW] = True  # until a SQLAlchemy Connection says it holds it (engine_connect, below)
        since = record.info.get("anxin_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as err:
            if engine.dialect.is_disconnect(err, dbapi_connection, None):
                raise exc.DisconnectionError(str(err)) from err  # the pool replaces it and tries again
            raise

    @event.listens_for(engine, "engine_connect")
    def _on_engine_connect(connection: Connection) -> None:
        connection.connection.info[_RAW] = False

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: PoolResetState) -> None:
        # transaction_was_reset: SQLAlchemy's Connection rolled its transaction back as it closed. Otherwise a
        # Connection ended its transaction by COMMIT or ROLLBACK: nothing is left to undo. Only a connection
        # used raw (``engine.raw_connection()``, which the app does not do) may have left one open.
        if state.terminate_only or state.transaction_was_reset:
            return
        if record.info.get(_RAW, True):
            dbapi_connection.rollback()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The app's engine and session factory; one per Flask app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.reader_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        url = app.config["ANXIN_DATABASE_URL"] or default_sqlite_url(app.instance_path)
        app.config["ANXIN_DATABASE_URL"] = url
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # Sessions that mostly read; on SQLite they take the write lock only when they write.
        self.reader_factory = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        app.extensions["anxin_db"] = self
        app.teardown_appcontext(self._close_session)

    def session(self) -> Session:
        """Return the session of the current app context, opening it on first use."""
        if "db_session" not in g:
            assert self.session_factory is not None, "Database.init_app was not called"
            g.db_session = self.session_factory()
        session: Session = g.db_session
        return session

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """Open a session of its own, outside the request's (for jobs and side work)."""
        assert self.session_factory is not None
        with self.session_factory() as session:
            yield session

    @contextmanager
    def reader_session(self) -> Iterator[Session]:
        """Open a session that does not hold SQLite's write lock while it only reads."""
        assert self.reader_factory is not None
        with self.reader_factory() as session:
            yield session

    def ping(self) -> bool:
        assert self.engine is not None
        with self.engine.execution_options(sqlite_begin="DEFERRED").connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_db(app: Flask | None = None) -> Database:
    from flask import current_app

    database: Database = (app or current_app).extensions["anxin_db"]
    return database


def get_session() -> Session:
    """Return the current app context's session."""
    return get_db().session()

__all__ = ["Base", "Database", "UTCDateTime", "get_db", "get_session", "make_engine", "utcnow"]
