"""bot.store.retry and the failover hosts of bot.store.db, on MariaDB: real deadlocks, real lock waits, real sockets.

A deadlock is made the way two requests make one: two transactions each update one row and then the other's,
in opposite orders; InnoDB refuses one of them (1213) at once. On a Galera cluster the same error comes at
COMMIT when another node wrote the row first (bench/cluster.py provokes that one).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, exc, text
from sqlalchemy.engine import make_url

from bot import create_app
from bot.store.db import failover_hosts, make_engine
from bot.store.retry import conflict_code, retrying
from tests.support.agency import TODAY, add_worker, auth, new_agency
from tests.support.backends import clear


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite takes its write lock up front (BEGIN IMMEDIATE): it has no deadlock to retry")
    made = make_engine(database_url)
    with made.begin() as conn:
        conn.execute(text("DELETE FROM job_lock WHERE name IN ('retry-a', 'retry-b')"))
        conn.execute(text("INSERT INTO job_lock (name, owner) VALUES ('retry-a', ''), ('retry-b', '')"))
    yield made
    with made.begin() as conn:
        conn.execute(text("DELETE FROM job_lock WHERE name IN ('retry-a', 'retry-b')"))
    made.dispose()


def _append(conn: Connection, name: str, mark: str) -> None:
    conn.execute(text("UPDATE job_lock SET owner = CONCAT(owner, :m) WHERE name = :n"), {"m": mark, "n": name})


def test_a_deadlocked_unit_runs_again_and_both_units_commit_once(engine: Engine,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    both_hold_one = threading.Barrier(2, timeout=10)
    runs = {"x": 0, "y": 0}
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def unit(me: str, first: str, second: str) -> str:
        runs[me] += 1
        with engine.begin() as conn:
            _append(conn, first, me)
            if runs[me] == 1:
                both_hold_one.wait()  # each holds its first row; each now wants the other's: a deadlock
            _append(conn, second, me)
        return me

    def run(me: str, first: str, second: str) -> None:
        try:
            results[me] = retrying(lambda: unit(me, first, second), f"test.{me}")
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    caplog.set_level(logging.INFO, logger="anxin.db")
    threads = [threading.Thread(target=run, args=("x", "retry-a", "retry-b")),
               threading.Thread(target=run, args=("y", "retry-b", "retry-a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and results == {"x": "x", "y": "y"}
    assert sorted(runs.values()) == [1, 2]  # InnoDB refused one of them once; it ran again and committed
    retried = [r for r in caplog.records if r.getMessage() == "db.conflict_retried"]
    assert [r.fields["code"] for r in retried] == [1213]  # type: ignore[attr-defined]
    with engine.connect() as conn:
        owners: dict[str, str] = dict(conn.execute(text("SELECT name, owner FROM job_lock WHERE name LIKE 'retry-%'")).all())
    # Each unit's two writes are there once each: the refused run left nothing behind.
    assert sorted(owners["retry-a"]) == ["x", "y"] and sorted(owners["retry-b"]) == ["x", "y"]


def test_a_unit_still_waiting_gives_up_after_its_attempts_and_raises_the_lock_wait(engine: Engine) -> None:
    runs = []

    def unit() -> None:
        runs.append(1)
        with engine.begin() as conn:
            conn.execute(text("SET SESSION innodb_lock_wait_timeout = 1"))
            _append(conn, "retry-a", "w")

    with engine.connect() as holder:
        holder.begin()
        _append(holder, "retry-a", "h")  # held for the whole test
        with pytest.raises(exc.OperationalError) as raised:
            retrying(unit, "test.wait", attempts=2)
        holder.rollback()
    assert conflict_code(raised.value) == 1205 and len(runs) == 2


def test_an_error_that_is_no_conflict_is_raised_at_once(engine: Engine) -> None:
    runs = []

    def unit() -> None:
        runs.append(1)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO job_lock (name, owner) VALUES ('retry-a', 'again')"))

    with pytest.raises(exc.IntegrityError) as raised:
        retrying(unit, "test.duplicate")
    assert conflict_code(raised.value) is None and runs == [1]


def test_a_request_refused_for_a_lock_is_answered_503_to_retry_and_keeps_nothing(
        app_settings: dict[str, object], database_url: str) -> None:
    """A console or API request is not run again by the app: it is told to come back (503, Retry-After)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite waits for its write lock (busy_timeout) instead of refusing")
    # The server's own setting, per connection: a lock waited for over a second refuses the statement (1205).
    url = make_url(database_url).update_query_dict({"init_command": "SET innodb_lock_wait_timeout = 1"})
    app = create_app({**app_settings, "ANXIN_DATABASE_URL": url.render_as_string(hide_password=False)})
    engine = app.extensions["anxin_db"].engine
    clear(engine)
    try:
        _, key = new_agency(app, "锁等待家政服务有限公司")
        client = app.test_client()
        worker_id = add_worker(client, key)
        with engine.connect() as holder:
            holder.begin()
            holder.execute(text("SELECT id FROM worker WHERE id = :i FOR UPDATE"), {"i": worker_id})
            res = client.put(f"/admin/v1/workers/{worker_id}/consent", json={"signed_on": TODAY.isoformat()},
                             headers=auth(key))
            holder.rollback()
        assert res.status_code == 503 and res.headers["Retry-After"] == "1", res.get_data(as_text=True)
        assert res.get_json()["error"] == {"code": "conflict", "message": "服务繁忙，请稍后重试 (busy, try again)"}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT consent_signed_on FROM worker WHERE id = :i"),
                                {"i": worker_id}).scalar() is None
        again = client.put(f"/admin/v1/workers/{worker_id}/consent", json={"signed_on": TODAY.isoformat()},
                           headers=auth(key))
        assert again.status_code == 200, again.get_data(as_text=True)
    finally:
        clear(engine)
        engine.dispose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_url_whose_server_is_down_connects_to_its_failover_host(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("failover hosts are a MySQL URL's")
    real = make_url(database_url)
    dead = _closed_port()
    url = real.set(port=dead).update_query_dict({"failover": f"127.0.0.1:{dead},{real.host}:{real.port or 3306}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT @@port")).scalar() == (real.port or 3306)
    finally:
        engine.dispose()
    nowhere = real.set(port=dead).update_query_dict({"failover": f"127.0.0.1:{dead}"})
    engine = make_engine(nowhere.render_as_string(hide_password=False))
    try:
        with pytest.raises(exc.OperationalError, match="no database server of the URL or its failover list"):
            engine.connect()
    finally:
        engine.dispose()


def test_failover_hosts_are_read_from_the_url_and_a_bad_list_is_refused() -> None:
    url, hosts = failover_hosts(make_url("mysql+pymysql://u@db1:3306/anxin?charset=utf8mb4&failover=db2:3307,db3"))
    assert hosts == [("db2", 3307), ("db3", 3306)]
    assert url.render_as_string() == "mysql+pymysql://u@db1:3306/anxin?charset=utf8mb4"
    with pytest.raises(ValueError, match="expected host:port"):
        failover_hosts(make_url("mysql+pymysql://u@db1/anxin?failover=db2:x"))
