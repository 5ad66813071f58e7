"""Leases that decide which process runs a job: in the database, or in Redis when configured; and a row locked
for update, made first if missing (``locked_row``).

A lease is taken atomically (a conditional UPDATE, or Redis ``SET NX PX``) and
expires on its own, so a process that died holding it blocks nobody for long.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import CursorResult, Table, or_, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utcnow
from bot.models import JobLock
from bot.models.base import Base
from bot.store.retry import retried

_Row = TypeVar("_Row", bound=Base)


def locked_row(session: Session, model: type[_Row], key: str, **defaults: Any) -> _Row:
    """The row of ``model`` whose primary key is ``key``, locked FOR UPDATE; made first (with ``defaults``) if missing.

    Made by an upsert, not by an INSERT whose duplicate-key error is caught: that error leaves a shared lock on the
    row, which the FOR UPDATE after it must upgrade, and two processes doing so at once deadlock on MariaDB (1213).
    The upsert waits for an exclusive lock instead.
    """
    row = session.get(model, key, with_for_update=True, populate_existing=True)
    if row is None:
        table = cast(Table, model.__table__)
        (column,) = table.primary_key.columns
        values = {column.name: key, **defaults}
        if session.get_bind().dialect.name == "sqlite":
            session.execute(sqlite_insert(table).values(values).on_conflict_do_nothing())
        else:
            made = mysql_insert(table).values(values)
            session.execute(made.on_duplicate_key_update({column.name: made.inserted[column.name]}))
        row = session.get(model, key, with_for_update=True, populate_existing=True)
        assert row is not None
    return row


def owner_id() -> str:
    """Who this process is, for the lock table and the logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases(Protocol):
    def acquire(self, name: str, owner: str, ttl: dt.timedelta) -> bool: ...
    def release(self, name: str, owner: str) -> None: ...


class DatabaseLeases:
    """Leases in the ``job_lock`` table.

    Taken by a conditional UPDATE (``WHERE locked_until < now``), never by a row lock held while the job runs:
    on a Galera cluster two nodes' UPDATEs of the row both run, one commits and the other fails at COMMIT (1213);
    run again, it finds the lease held.
    """

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @retried("lease.acquire")
    def acquire(self, name: str, owner: str, ttl: dt.timedelta) -> bool:
        self._ensure(name)
        now = utcnow()
        with self._sessions() as session, session.begin():
            result = cast(CursorResult[Any], session.execute(
                update(JobLock)
                .where(JobLock.name == name, or_(JobLock.locked_until.is_(None), JobLock.locked_until < now))
                .values(owner=owner, locked_until=now + ttl)
            ))
        return result.rowcount == 1

    @retried("lease.release")
    def release(self, name: str, owner: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(
                update(JobLock).where(JobLock.name == name, JobLock.owner == owner).values(owner=None, locked_until=None)
            )

    def _ensure(self, name: str) -> None:
        with self._sessions() as session, session.begin():
            if session.get(JobLock, name) is not None:
                return
            try:
                with session.begin_nested():
                    session.add(JobLock(name=name))
            except IntegrityError:
                pass  # created by another process at the same moment


class RedisLeases:
    """Leases as Redis keys (``SET NX PX``), released only by their owner."""

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def acquire(self, name: str, owner: str, ttl: dt.timedelta) -> bool:
        return bool(self._redis.set(f"anxin:lease:{name}", owner, nx=True, px=int(ttl.total_seconds() * 1000)))

    def release(self, name: str, owner: str) -> None:
        self._redis.eval(self._RELEASE, 1, f"anxin:lease:{name}", owner)
