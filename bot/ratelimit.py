"""Fixed-window rate limits shared by every process: in the database, or in Redis when configured.

``hit(store, key, limit, window)`` counts one hit of ``key`` and says whether it is
still within ``limit`` hits per ``window`` seconds. The store is a SQLAlchemy
session (counters in the ``rate_counter`` table, counted in the caller's
transaction) or a :class:`RedisCounter`; ``counter_for(settings, session)`` picks
the one the settings ask for (``ANXIN_REDIS_URL``). Hits over the limit still
count, so a client that keeps hammering stays refused until its window ends.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol, cast

import redis
from sqlalchemy import CursorResult, Table, case
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import RateCounter

_MAX_KEY = 191


class Counter(Protocol):
    def increment(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the current window; return the window's count so far."""
        ...


def _table() -> Table:
    return cast(Table, RateCounter.__table__)


def _window_start(window: int, now: float) -> int:
    return int(now) - int(now) % window


class DatabaseCounter:
    """Counters in the ``rate_counter`` table: one row per key, reset when its window has passed.

    One upsert per hit; the row stays locked until the caller's transaction ends, so
    concurrent hits of one key from several processes are counted one after the other.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def increment(self, key: str, window: int, now: float) -> int:
        start = _window_start(window, now)
        table = _table()
        dialect = self.session.get_bind().dialect.name
        if dialect == "sqlite":
            upsert = sqlite_insert(table).values(key=key, window_start=start, count=1)
            stmt = upsert.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": case((table.c.window_start == start, table.c.count + 1), else_=1),
                    "window_start": start,
                },
            ).returning(table.c.count)
            return int(self.session.execute(stmt).scalar_one())
        # MySQL/MariaDB apply the assignments left to right: count must be set before window_start.
        my = mysql_insert(table).values(key=key, window_start=start, count=1)
        my = my.on_duplicate_key_update(
            [
                ("count", case((table.c.window_start == start, table.c.count + 1), else_=1)),
                ("window_start", start),
            ]
        )
        self.session.execute(my)
        return int(self.session.execute(table.select().with_only_columns(table.c.count).where(table.c.key == key))
                   .scalar_one())


class RedisCounter:
    """Counters in Redis: ``INCR`` of a key per window, expiring with the window."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def increment(self, key: str, window: int, now: float) -> int:
        start = _window_start(window, now)
        name = f"anxin:rl:{key}:{start}"
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count, _ = pipe.execute()
        return int(count)


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
