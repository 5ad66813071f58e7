"""bot.store.ratelimit: fixed windows shared across processes, in the database and in Redis."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import RateCounter
from bot.store.ratelimit import DatabaseCounter, RedisCounter, counter_for, hit, purge_counters, redis_client, storable_key
from tests.support.backends import TEST_REDIS_URL, redis_or_skip

REDIS_URL = TEST_REDIS_URL
pytestmark = pytest.mark.xdist_group("redis")  # its counters empty Redis database 15: one worker at a time


@pytest.fixture
def redis_counter() -> Iterator[RedisCounter]:
    client = redis_client(redis_or_skip(REDIS_URL))
    client.flushdb()  # database 15 is the tests' own
    yield RedisCounter(client)


def _exercise(store, key: str) -> None:
    t0 = 1_800_000_000.0  # a window boundary for window=100
    assert [hit(store, key, 3, 100, now=t0 + i) for i in range(5)] == [True, True, True, False, False]
    assert hit(store, key, 3, 100, now=t0 + 100) is True  # the next window starts afresh
    assert hit(store, key + ":other", 3, 100, now=t0 + 1) is True  # keys are independent


def test_database_counter(app) -> None:
    db = app.extensions["anxin_db"]
    key = f"test:{uuid.uuid4().hex}"
    with db.new_session() as session:
        _exercise(session, key)
        session.commit()
    with db.new_session() as session:  # another session (another process would see the same rows)
        assert hit(DatabaseCounter(session), key, 3, 100, now=1_800_000_100.5) is True
        assert hit(DatabaseCounter(session), key, 3, 100, now=1_800_000_100.6) is True
        assert hit(DatabaseCounter(session), key, 3, 100, now=1_800_000_100.7) is False
        session.commit()
        assert session.scalar(select(RateCounter.count).where(RateCounter.key == key)) == 4
        assert purge_counters(session, 1_800_000_100 + 1) == 2
        session.commit()


def test_redis_counter(redis_counter: RedisCounter) -> None:
    _exercise(redis_counter, f"test:{uuid.uuid4().hex}")


def test_counter_for_follows_the_settings(app, redis_counter: RedisCounter) -> None:
    with app.extensions["anxin_db"].new_session() as session:
        assert isinstance(counter_for({"ANXIN_REDIS_URL": None}, session), DatabaseCounter)
        assert isinstance(counter_for({"ANXIN_REDIS_URL": REDIS_URL}, session), RedisCounter)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        hit(RedisCounter(redis_client(REDIS_URL)), "k", 0, 10)


def test_a_key_past_191_characters_is_counted_under_its_digest(session) -> None:
    """A key longer than the counter column (a hostile openid or address) is counted, never a server error."""
    long_key = "lookup:user:" + "o" * 300
    other = "lookup:user:" + "o" * 299 + "x"
    assert len(storable_key(long_key)) <= 191 and storable_key(long_key) != storable_key(other)
    assert hit(session, long_key, 2, 3600) and hit(session, long_key, 2, 3600)
    assert not hit(session, long_key, 2, 3600)
    assert hit(session, other, 2, 3600)
    session.commit()


def _hammer(url: str, key: str, hits: int, limit: int) -> int:
    """In its own process: ``hits`` hits of ``key``, each in its own transaction; return how many were allowed."""
    from bot.store.db import make_engine

    engine = make_engine(url)
    allowed = 0
    with Session(engine) as session:
        for _ in range(hits):
            allowed += hit(session, key, limit, 3600)
            session.commit()
    engine.dispose()
    return allowed


@pytest.mark.slow  # server processes of its own
def test_database_counts_are_shared_across_processes(app, database_url: str) -> None:
    key = f"test:procs:{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        allowed = list(pool.map(_hammer, [database_url] * 4, [key] * 4, [15] * 4, [25] * 4))
    assert sum(allowed) == 25, allowed  # 60 hits from four processes, exactly the limit let through
    with app.extensions["anxin_db"].new_session() as session:
        assert session.scalar(select(RateCounter.count).where(RateCounter.key == key)) == 60


def test_a_failed_look_up_does_not_hold_the_shared_failed_total_locked(app) -> None:
    """A failed look-up counts against ``lookup:failed:total``, which every look-up of every process shares.

    While one request is still busy (its transaction open), another process's look-up must be
    counted at once, not wait for the first request to end: on MariaDB the count commits on its own.
    """
    import datetime as dt

    from bot.lookup.codes import generate_code
    from bot.lookup.profile import UNKNOWN, Limits, find_profile

    db = app.extensions["anxin_db"]
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time: the count is part of the request's transaction")
    limits = Limits.from_settings(app.config)

    def look(session: Session, who: str) -> object:
        return find_profile(session, generate_code(), "chat", who=who, address=None, today=dt.date.today(),
                            limits=limits)

    with db.new_session() as first:
        assert [getattr(look(first, "o-first"), "reason", None) for _ in range(2)] == [UNKNOWN, UNKNOWN]
        with db.engine.connect() as other:
            other.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = 1")
            with Session(bind=other) as second:  # another process would wait here for the first to end
                assert getattr(look(second, "o-second"), "reason", None) == UNKNOWN
            other.commit()
        first.rollback()  # the first request fails: its look-ups still counted
    with db.new_session() as session:
        assert session.scalar(select(RateCounter.count).where(RateCounter.key == "lookup:user:o-first")) == 2
        assert session.scalar(select(RateCounter.count).where(RateCounter.key == "lookup:failed:total")) == 3


def test_several_keys_count_in_one_statement_with_or_without_returning(app) -> None:
    """``increment_many`` counts each key once however often it is named; MySQL (no RETURNING) reads them back."""
    from bot.store.ratelimit import _upsert

    db = app.extensions["anxin_db"]
    tag = uuid.uuid4().hex
    keys = [f"test:many:{tag}:{i}" for i in range(3)]
    with db.new_session() as session:
        counts = DatabaseCounter(session).increment_many([keys[2], keys[0], keys[2], keys[1]], 100, 1_800_000_000.0)
        assert counts == {keys[0]: 1, keys[1]: 1, keys[2]: 1}
        counts = DatabaseCounter(session).increment_many(keys[:2], 100, 1_800_000_050.0)
        assert counts == {keys[0]: 2, keys[1]: 2}
        # An amount of 0 reads a count in the same statement (a look-up reads its failed counts so).
        counts = DatabaseCounter(session).increment_many(keys[:2], 100, 1_800_000_060.0, {keys[0]: 0})
        assert counts == {keys[0]: 2, keys[1]: 3}
        session.commit()
    if db.engine.dialect.name == "sqlite":
        return
    params = {"k0": keys[0], "k1": keys[2], "n0": 1, "n1": 1, "start": 1_800_000_000}
    with db.engine.begin() as conn:  # the statement MySQL runs, where RETURNING is not there
        assert _upsert(conn, False, [keys[0], keys[2]], params) == {keys[0]: 3, keys[2]: 2}
        assert _upsert(conn, False, [keys[0], keys[2]], {**params, "n0": 0, "n1": 0}) == {keys[0]: 3, keys[2]: 2}
    params["start"] = 1_800_000_100  # the next window starts afresh
    with db.engine.begin() as conn:
        assert _upsert(conn, True, [keys[0], keys[2]], params) == {keys[0]: 1, keys[2]: 1}
