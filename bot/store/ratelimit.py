"""Fixed-window rate limits shared by every process: in the database, or in Redis when configured.

``hit(store, key, limit, window)`` counts one hit of ``key`` and says whether it is
still within ``limit`` hits per ``window`` seconds. The store is a SQLAlchemy
session (counters in the ``rate_counter`` table) or a :class:`RedisCounter`; ``counter_for(settings, session)`` picks
the one the settings ask for (``ANXIN_REDIS_URL``). Hits over the limit still
count, so a client that keeps hammering stays refused until its window ends.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast

import redis
from sqlalchemy import Connection, CursorResult, Engine, Table, TextClause, select, text
from sqlalchemy.orm import Session

from bot.models import RateCounter
from bot.store.retry import retrying

_MAX_KEY = 191


class Counter(Protocol):
    def increment(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the current window; return the window's count so far."""
        ...

    def increment_many(self, keys: Sequence[str], window: int, now: float,
                       amounts: Mapping[str, int] | None = None) -> dict[str, int]:
        """Count one hit of each key at once (or ``amounts[key]``: 0 reads a count); return each window's count."""
        ...


def _table() -> Table:
    return cast(Table, RateCounter.__table__)


def _window_start(window: int, now: float) -> int:
    return int(now) - int(now) % window


class DatabaseCounter:
    """Counters in the ``rate_counter`` table: one row per key, reset when its window has passed.

    One upsert per hit. On MySQL/MariaDB the upsert runs in a transaction of its own,
    committed at once: a hit
    counts whatever becomes of the request, and the row is locked only for the upsert. Counted in the
    request's transaction instead, a row every request shares (the total of badge look-ups) would stay
    locked until the request ended and queue every look-up of every process behind it. On SQLite, which
    has one writer at a time anyway, the hit is counted in the caller's transaction. Concurrent hits of
    one key are counted one after the other either way.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def increment(self, key: str, window: int, now: float) -> int:
        return self.increment_many([key], window, now)[key]

    def increment_many(self, keys: Sequence[str], window: int, now: float,
                       amounts: Mapping[str, int] | None = None) -> dict[str, int]:
        """Count a hit of each key in one statement (an upsert returning the counts where the database can)."""
        unique = sorted(set(keys))  # one lock order
        params: dict[str, Any] = {f"k{i}": key for i, key in enumerate(unique)}
        params.update({f"n{i}": (amounts or {}).get(key, 1) for i, key in enumerate(unique)})
        params["start"] = _window_start(window, now)
        bind = self.session.get_bind()
        dialect = bind.dialect
        if dialect.name == "sqlite":
            return _counts(self.session.execute(_upsert_statement("sqlite", len(unique), True), params))
        returning = getattr(dialect, "is_mariadb", False) and (dialect.server_version_info or ()) >= (10, 5)
        if not isinstance(bind, Engine):  # a session bound to one connection: count in its transaction
            return _upsert(self.session, returning, unique, params)
        return retrying(lambda: _upsert_committed(bind, returning, unique, params), "ratelimit.count")


def _upsert_committed(engine: Engine, returning: bool, keys: list[str], params: dict[str, Any]) -> dict[str, int]:
    """The upsert in a transaction of its own; a hit refused for a conflict (another Galera node counted the same
    key at the same moment) was not counted, and is counted again by ``retrying``."""
    with engine.begin() as own:
        return _upsert(own, returning, keys, params)


def _counts(rows: Any) -> dict[str, int]:
    return {key: int(count) for key, count in rows}


_UPSERTS: dict[tuple[str, int, bool], TextClause] = {}


def _upsert_statement(dialect: str, n: int, returning: bool) -> TextClause:
    """The upsert of ``n`` keys (``:k0``… and ``:start``), written once per shape.

    Hand-written because SQLAlchemy does not cache ON DUPLICATE KEY / ON CONFLICT
    constructs: built with them, every hit compiled its statement afresh, the
    largest single cost of a badge look-up. MySQL/MariaDB apply the assignments left
    to right, so ``count`` is set before ``window_start``. Each key adds its own amount (``:n0``…, usually 1;
    0 reads the count in the same statement).
    """
    shape = (dialect, n, returning)
    statement = _UPSERTS.get(shape)
    if statement is None:
        values = ", ".join(f"(:k{i}, :start, :n{i})" for i in range(n))
        if dialect == "sqlite":
            sql = (f'INSERT INTO rate_counter ("key", window_start, count) VALUES {values} '
                   'ON CONFLICT ("key") DO UPDATE SET '
                   "count = CASE WHEN rate_counter.window_start = :start THEN rate_counter.count + excluded.count "
                   "ELSE excluded.count END, "
                   "window_start = :start")
        else:
            sql = (f"INSERT INTO rate_counter (`key`, window_start, `count`) VALUES {values} "
                   "ON DUPLICATE KEY UPDATE "
                   "`count` = CASE WHEN window_start = :start THEN `count` + VALUES(`count`) ELSE VALUES(`count`) END, "
                   "window_start = :start")
        if returning:
            sql += ' RETURNING "key", count' if dialect == "sqlite" else " RETURNING `key`, `count`"
        statement = _UPSERTS.setdefault(shape, text(sql))
    return statement


def _upsert(executor: Session | Connection, returning: bool, keys: list[str], params: dict[str, Any]) -> dict[str, int]:
    if returning:
        return _counts(executor.execute(_upsert_statement("mysql", len(keys), True), params))
    executor.execute(_upsert_statement("mysql", len(keys), False), params)
    table = _table()
    return _counts(executor.execute(select(table.c.key, table.c.count).where(table.c.key.in_(keys))))


class RedisCounter:
    """Counters in Redis: ``INCR`` of a key per window, expiring with the window."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def increment(self, key: str, window: int, now: float) -> int:
        return self.increment_many([key], window, now)[key]

    def increment_many(self, keys: Sequence[str], window: int, now: float,
                       amounts: Mapping[str, int] | None = None) -> dict[str, int]:
        start = _window_start(window, now)
        unique = sorted(set(keys))
        pipe = self.client.pipeline()
        for key in unique:
            name = f"anxin:rl:{key}:{start}"
            pipe.incrby(name, (amounts or {}).get(key, 1))
            pipe.expire(name, window + 1)
        results = pipe.execute()
        return {key: int(results[2 * i]) for i, key in enumerate(unique)}


_redis_clients: dict[str, redis.Redis] = {}
_redis_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per Redis URL in this process."""
    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            _redis_clients[url] = client
        return client


def counter_for(settings: Mapping[str, Any], session: Session) -> Counter:
    """Redis when ``ANXIN_REDIS_URL`` is set, else the database of ``session``."""
    url = settings.get("ANXIN_REDIS_URL")
    if url:
        return RedisCounter(redis_client(url))
    return DatabaseCounter(session)


def count_all(store: Counter | Session, amounts: Mapping[str, int], window: int, now: float) -> dict[str, int]:
    """Add ``amounts[key]`` to each key's count (0: only read it) in one statement; return the counts by key."""
    if window < 1 or any(amount < 0 for amount in amounts.values()):
        raise ValueError("window must be positive and amounts not negative")
    stored = {key: storable_key(key) for key in amounts}
    counter = DatabaseCounter(store) if isinstance(store, Session) else store
    counts = counter.increment_many(list(stored.values()), window, now,
                                    {stored[key]: amount for key, amount in amounts.items()})
    return {key: counts[stored[key]] for key in amounts}


def window_start(window: int, now: float) -> int:
    """The start (epoch seconds) of the fixed window ``now`` falls in: what a count of that window is keyed by."""
    return _window_start(window, now)


def hit_all(store: Counter | Session, limits: Mapping[str, int], window: int, now: float | None = None) -> bool:
    """Count a hit of every key at once; True while each is within its limit per ``window`` seconds."""
    if window < 1 or any(limit < 1 for limit in limits.values()):
        raise ValueError("limit and window must be positive")
    keys = {storable_key(key): limit for key, limit in limits.items()}
    counter = DatabaseCounter(store) if isinstance(store, Session) else store
    counts = counter.increment_many(list(keys), window, time.time() if now is None else now)
    return all(counts[key] <= limit for key, limit in keys.items())


def hit(store: Counter | Session, key: str, limit: int, window: int, now: float | None = None) -> bool:
    """Count a hit of ``key``; True while it is within ``limit`` hits per ``window`` seconds."""
    if limit < 1 or window < 1:
        raise ValueError("limit and window must be positive")
    key = storable_key(key)
    counter = DatabaseCounter(store) if isinstance(store, Session) else store
    count = counter.increment(key, window, time.time() if now is None else now)
    return count <= limit


def storable_key(key: str) -> str:
    """``key`` itself when it fits the counter column, else its start and a digest of the whole."""
    if len(key) <= _MAX_KEY and len(key.encode("utf-8")) <= _MAX_KEY * 4:
        return key
    return key[:100] + "#" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def purge_counters(session: Session, older_than: float) -> int:
    """Delete database counters whose window began before ``older_than`` (epoch seconds)."""
    table = _table()
    result = cast(CursorResult[Any], session.execute(table.delete().where(table.c.window_start < int(older_than))))
    return int(result.rowcount or 0)
