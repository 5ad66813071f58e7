"""bot.db on MariaDB: a request pays only for its own round trips, and a dead connection is still replaced.

The server's own per-connection counters (``SHOW SESSION STATUS``) say what a pooled
connection was sent, so these tests see what MariaDB saw, not what our code meant to send.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, exc, text
from sqlalchemy.orm import Session

import bot.db
from bot import dbwire
from bot.db import make_engine
from tests.sql_budget import commands_sent


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
    monkeypatch.setattr(bot.db, "PING_AFTER_IDLE", 0.0)  # as if it had sat idle longer than that
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
def test_dates_and_times_read_as_pymysql_reads_them(engine: Engine, literal: str) -> None:
    """The C parser the engine reads DATETIME and DATE with gives what PyMySQL's own converters give."""
    import pymysql
    from pymysql.constants import FIELD_TYPE

    with engine.connect() as conn:
        assert conn.connection.dbapi_connection.decoders[FIELD_TYPE.DATETIME] is bot.db._datetime  # type: ignore[union-attr]
        ours = conn.exec_driver_sql(f"SELECT {literal}").scalar()
    url = engine.url
    plain = pymysql.connect(host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
                            database=url.database)
    try:
        with plain.cursor() as cursor:
            cursor.execute(f"SELECT {literal}")
            (theirs,) = cursor.fetchone()
    finally:
        plain.close()
    assert ours == theirs and type(ours) is type(theirs)


# -- a transaction's last statement carries its COMMIT (bot.dbwire.COMMIT_WITH) ----------------------------

@pytest.fixture
def table(engine: Engine) -> Iterator[str]:
    """A real table (other connections see only what was committed), emptied and dropped around the test."""
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS carried (id INT PRIMARY KEY AUTO_INCREMENT, n INT) ENGINE=InnoDB")
        conn.exec_driver_sql("DELETE FROM carried")
        conn.commit()
    yield "carried"
    with engine.connect() as conn:
        conn.exec_driver_sql("DROP TABLE carried")


def _committed(engine: Engine) -> list[int]:
    """What another connection sees."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other.connect() as conn:
            return [n for (n,) in conn.execute(text("SELECT n FROM carried ORDER BY id"))]
    finally:
        other.dispose()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return commands_sent(monkeypatch)


_CARRY = {dbwire.COMMIT_WITH: True}
_INSERT = text("INSERT INTO carried (n) VALUES (:n)")


def test_the_last_statement_carries_the_commit(engine: Engine, table: str, sent: list[str]) -> None:
    commits = _status(engine, "Com_commit")
    sent.clear()
    with Session(engine) as session:
        session.execute(_INSERT, {"n": 1})
        session.execute(_INSERT.execution_options(**_CARRY), {"n": 2})
        session.commit()
    assert [s.split()[0] for s in sent] == ["INSERT", "INSERT"], sent  # no COMMIT of its own
    assert sent[-1].endswith(";COMMIT")
    assert _committed(engine) == [1, 2]
    assert _status(engine, "Com_commit") == commits + 2  # ours, once, and the first count's own


def test_work_after_the_carried_commit_is_committed_by_the_commit(engine: Engine, table: str, sent: list[str]) -> None:
    with Session(engine) as session:
        session.execute(_INSERT.execution_options(**_CARRY), {"n": 1})
        session.execute(_INSERT, {"n": 2})  # a new transaction on the server
        session.commit()
    assert sent[-1] == "COMMIT"
    assert _committed(engine) == [1, 2]


def test_a_carried_statement_that_fails_commits_nothing(engine: Engine, table: str) -> None:
    with Session(engine) as session:
        session.execute(text("INSERT INTO carried (id, n) VALUES (7, 1)"))
        with pytest.raises(exc.IntegrityError):
            session.execute(text("INSERT INTO carried (id, n) VALUES (7, 2)").execution_options(**_CARRY))
        session.rollback()
    assert _committed(engine) == []
    with Session(engine) as session:  # the connection is in step again
        session.execute(_INSERT.execution_options(**_CARRY), {"n": 3})
        session.commit()
    assert _committed(engine) == [3]


def test_a_commit_that_fails_is_raised_by_the_statement(engine: Engine, table: str) -> None:
    # An XA transaction refuses a plain COMMIT (1399): the statement succeeds, its COMMIT does not.
    with Session(engine) as session:
        session.execute(text("XA START 'anxin-test'"))
        with pytest.raises(exc.OperationalError, match="1399"):
            session.execute(_INSERT.execution_options(**_CARRY), {"n": 1})
        session.connection().exec_driver_sql("XA END 'anxin-test'")
        session.connection().exec_driver_sql("XA ROLLBACK 'anxin-test'")
        session.rollback()
    assert _committed(engine) == []


def test_a_carried_statement_reports_its_own_rows(engine: Engine, table: str) -> None:
    with Session(engine) as session:
        first = session.execute(_INSERT.execution_options(**_CARRY), {"n": 1})
        assert first.lastrowid > 0 and first.rowcount == 1
        session.commit()
    with Session(engine) as session:
        session.execute(_INSERT, {"n": 1})
        changed = session.execute(text("UPDATE carried SET n = 5 WHERE n = 1").execution_options(**_CARRY))
        assert changed.rowcount == 2
        session.commit()
    assert _committed(engine) == [5, 5]


def test_a_carried_statement_returns_its_rows(engine: Engine, table: str, sent: list[str]) -> None:
    """An ``INSERT … RETURNING`` (the rate counters' upsert) keeps its rows though the COMMIT's answer came after."""
    with engine.begin() as conn:
        conn.execute(_INSERT, {"n": 1})
    sent.clear()
    with engine.begin() as conn:
        upsert = text("INSERT INTO carried (id, n) VALUES (1, 0), (2, 7) ON DUPLICATE KEY UPDATE n = n + 1 RETURNING id, n")
        rows = conn.execute(upsert.execution_options(**_CARRY)).all()
    assert [tuple(r) for r in rows] == [(1, 2), (2, 7)]
    assert len(sent) == 1 and sent[0].endswith(";COMMIT"), sent
    assert _committed(engine) == [2, 7]
