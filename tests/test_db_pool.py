"""bot.store.db on MariaDB: a request pays only for its own round trips, and a dead connection is still replaced.

The server's own per-connection counters (``SHOW SESSION STATUS``) say what a pooled
connection was sent, so these tests see what MariaDB saw, not what our code meant to send.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, exc, text
from sqlalchemy.orm import Session

import bot.store.db
from bot.store.db import make_engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    if database_url.startswith("sqlite"):
        pytest.skip("the server pool's pings and resets are MariaDB's")
    made = make_engine(database_url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


def _status(engine: Engine, name: str) -> int:
    """A counter of the pool's one connection, read (and committed) on that connection."""
    with engine.connect() as conn:
        value = conn.execute(text("SHOW SESSION STATUS LIKE :name"), {"name": name}).one()[1]
        conn.commit()
    return int(value)


def _server_thread(engine: Engine) -> int:
    with engine.connect() as conn:
        found = int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())
        conn.commit()
    return found


def _kill(engine: Engine, thread: int) -> None:
    """End a server connection from another one, as a MariaDB restart would."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    with other.connect() as killer:
        killer.exec_driver_sql(f"KILL {thread}")
    other.dispose()


def test_a_committed_request_is_not_rolled_back_again_nor_pinged(engine: Engine) -> None:
    before_rollbacks, before_pings = _status(engine, "Com_rollback"), _status(engine, "Com_admin_commands")
    for _ in range(5):  # five requests that write and commit
        with Session(engine) as session:
            session.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS scratch (n INT)"))
            session.execute(text("INSERT INTO scratch VALUES (1)"))
            session.commit()
    assert _status(engine, "Com_rollback") == before_rollbacks
    assert _status(engine, "Com_admin_commands") == before_pings  # COM_PING counts here
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM scratch")).scalar_one() == 5  # all committed


def test_a_request_that_ends_without_commit_is_rolled_back(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE IF NOT EXISTS scratch (n INT) ENGINE=InnoDB"))
        conn.commit()
    with Session(engine) as session:  # a failed request: it wrote, then closed without commit
        session.execute(text("INSERT INTO scratch VALUES (1)"))
    raw = engine.raw_connection()  # raw use that leaves a write transaction open
    try:
        cursor = raw.cursor()
        cursor.execute("INSERT INTO scratch VALUES (2)")
        cursor.close()
    finally:
        raw.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM scratch")).scalar_one() == 0


def test_a_connection_killed_while_idle_is_replaced_before_use(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = _server_thread(engine)
    _kill(engine, dead)
    monkeypatch.setattr(bot.store.db, "PING_AFTER_IDLE", 0.0)  # as if it had sat idle longer than that
    with Session(engine) as session:  # the checkout pings, finds it dead and connects afresh
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    assert _server_thread(engine) != dead


def test_a_connection_killed_while_busy_fails_one_request_then_the_pool_recovers(engine: Engine) -> None:
    dead = _server_thread(engine)  # just used: not pinged at its next checkout
    _kill(engine, dead)
    with pytest.raises(exc.OperationalError) as failed, Session(engine) as session:
        session.execute(text("SELECT 1"))
    assert failed.value.connection_invalidated  # SQLAlchemy saw a disconnect and dropped the connection
    with Session(engine) as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    assert _server_thread(engine) != dead


@pytest.mark.parametrize("literal", [
    "CAST('2026-11-23 10:00:00.123456' AS DATETIME(6))",  # the app's columns (UTCDateTime is DATETIME(6))
    "CAST('2026-11-23 10:00:00' AS DATETIME(6))",
    "CAST('2026-11-23 10:00:00.5' AS DATETIME(1))",
    "CAST('2026-11-23 10:00:00' AS DATETIME)",
    "TIMESTAMP('2026-02-28 23:59:59.999999')",
    "CAST('9999-12-31 23:59:59.999999' AS DATETIME(6))",
    "CAST('0000-00-00 00:00:00' AS DATETIME)",  # what PyMySQL cannot make a datetime of stays a string
    "CAST('2026-11-23' AS DATE)",
    "CAST('0000-00-00' AS DATE)",
    "CAST(NULL AS DATETIME)",
])
def test_dates_and_times_read_as_the_driver_reads_them(engine: Engine, literal: str) -> None:
    """The C parser the engine reads DATETIME and DATE with gives what the driver's own converters give."""
    with engine.connect() as conn:
        ours = conn.exec_driver_sql(f"SELECT {literal}").scalar()
    dialect = engine.dialect
    cargs, cparams = dialect.create_connect_args(engine.url)  # the URL's arguments, without the engine's conv
    plain = dialect.loaded_dbapi.connect(*cargs, **cparams)
    try:
        cursor = plain.cursor()
        cursor.execute(f"SELECT {literal}")
        (theirs,) = cursor.fetchone()
        cursor.close()
    finally:
        plain.close()
    assert ours == theirs and type(ours) is type(theirs)


# -- one statement a query: no stacked queries ------------------------------------------------------------

def test_connections_do_not_allow_several_statements_in_one_query(engine: Engine) -> None:
    """Neither driver's connections ask for CLIENT_MULTI_STATEMENTS, so an injection that slipped in could not
    stack a query of its own: the server refuses the second statement."""
    with engine.connect() as conn:
        client_flag = conn.connection.dbapi_connection.client_flag  # type: ignore[union-attr]
        assert client_flag & bot.store.db.CLIENT_MULTI_STATEMENTS == 0, engine.dialect.driver
        with pytest.raises(exc.ProgrammingError, match="1064"):  # a syntax error at "SELECT 2"
            conn.exec_driver_sql("SELECT 1; SELECT 2")
        conn.rollback()
        assert conn.exec_driver_sql("SELECT 3").scalar() == 3  # the connection is fine afterwards


def test_a_url_asking_for_several_statements_a_query_is_not_given_them(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("MariaDB's protocol")
    asking = make_engine(f"{database_url}&client_flag={bot.store.db.CLIENT_MULTI_STATEMENTS}", pool_size=1)
    try:
        with asking.connect() as conn:
            assert conn.connection.dbapi_connection.client_flag & bot.store.db.CLIENT_MULTI_STATEMENTS == 0  # type: ignore[union-attr]
            with pytest.raises(exc.ProgrammingError, match="1064"):
                conn.exec_driver_sql("SELECT 1; SELECT 2")
    finally:
        asking.dispose()
