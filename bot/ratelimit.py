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
from sqlalchemy import Connection, CursorResult, Engine, Table, case, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import RateCounter

_MAX_KEY = 191


class Counter(Protocol):
    def increment(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the current window; return the window's count so far."""
        ...

    def increment_many(self, keys: Sequence[str], window: int, now: float) -> dict[str, int]:
        """Count one hit of each key at once; return each window's count so far."""
        ...


def _table() -> Table:
    return cast(Table, RateCounter.__table__)


def _window_start(window: int, now: float) -> int:
    return int(now) - int(now) % window


class DatabaseCounter:
    """Counters in the ``rate_counter`` table: one row per key, reset when its window has passed.

    One upsert per hit. On MySQL/MariaDB the upsert runs in a transaction of its own,
    committed at once: a hit counts whatever becomes of the request, and the row is
    locked only for the upsert. Counted in the request's transaction instead, a row
    every request shares (the total of badge look-ups) would stay locked until the
    request ended and queue every look-up of every process behind it. On SQLite, which
    has one writer at a time anyway, the hit is counted in the caller's transaction.
    Concurrent hits of one key are counted one after the other either way.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def increment(self, key: str, window: int, now: float) -> int:
        return self.increment_many([key], window, now)[key]

    def increment_many(self, keys: Sequence[str], window: int, now: float) -> dict[str, int]:
        """Count a hit of each key in one statement (an upsert returning the counts where the database can)."""
        start = _window_start(window, now)
        table = _table()
        unique = sorted(set(keys))  # one lock order
        rows = [{"key": key, "window_start": start, "count": 1} for key in unique]
        bind = self.session.get_bind()
        dialect = bind.dialect
        if dialect.name == "sqlite":
            upsert = sqlite_insert(table).values(rows)
            stmt = upsert.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": case((table.c.window_start == start, table.c.count + 1), else_=1),
                    "window_start": start,
                },
            ).returning(table.c.key, table.c.count)
            return {key: int(count) for key, count in self.session.execute(stmt)}
        # MySQL/MariaDB apply the assignments left to right: count must be set before window_start.
        my = mysql_insert(table).values(rows)
        my = my.on_duplicate_key_update(
            [
                ("count", case((table.c.window_start == start, table.c.count + 1), else_=1)),
                ("window_start", start),
            ]
        )
        returning = getattr(dialect, "is_mariadb", False) and (dialect.server_version_info or ()) >= (10, 5)
        if not isinstance(bind, Engine):  # a session bound to one connection: count in its transaction
            return _upsert(self.session, my, returning, unique)
        with bind.begin() as own:
            return _upsert(own, my, returning, unique)


def _upsert(executor: Session | Connection, upsert: Any, returning: bool, keys: list[str]) -> dict[str, int]:
    table = _table()
    if returning:
        return {key: int(count) for key, count in executor.execute(upsert.returning(table.c.key, table.c.count))}
    executor.execute(upsert)
    found = executor.execute(select(table.c.key, table.c.count).where(table.c.key.in_(keys)))
    return {key: int(count) for key, count in found}


class RedisCounter:
    """Counters in Redis: ``INCR`` of a key per window, expiring with the window."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def increment(self, key: str, window: int, now: float) -> int:
        return self.increment_many([key], window, now)[key]

    def increment_many(self, keys: Sequence[str], window: int, now: float) -> dict[str, int]:
        start = _window_start(window, now)
        unique = sorted(set(keys))
        pipe = self.client.pipeline()
        for key in unique:
            name = f"anxin:rl:{key}:{start}"
            pipe.incr(name)
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
