"""Refuse a signed push query string used for a second, different message.

WeChat signs only token, timestamp and nonce in plaintext mode, not the body: one
query string seen once (a log line, a proxy) would let anyone post any message.
Every accepted query string is remembered for the replay window together with the
message it carried (``dedup_key``), in the database or in Redis, so every worker
sees it. The same string with the same message is a retry and goes on to the inbox
(which answers with the first reply); with another message it is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import utcnow
from bot.models import SeenPush
from bot.ratelimit import redis_client
from bot.wechat.protocol import StaleError

# One push in this many also deletes the rows older than twice the window.
_PURGE_EVERY = 64


def push_key(params: Mapping[str, str | None]) -> str:
    """The identity of a signed query string: timestamp, nonce and both signatures."""
    parts = [params.get(name) or "" for name in ("timestamp", "nonce", "signature", "msg_signature")]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def check_replay(
    session_factory: sessionmaker[Session], settings: Mapping[str, Any], key: str, dedup_key: str
) -> None:
    """Remember ``key`` for ``dedup_key``; raise StaleError when it was used for another message."""
    window = int(settings["ANXIN_WECHAT_REPLAY_WINDOW"])
    url = settings.get("ANXIN_REDIS_URL")
    if url:
        client = redis_client(url)
        name = f"anxin:push:{key}"
        if client.set(name, dedup_key, nx=True, ex=2 * window):
            return
        seen = client.get(name)
        first = seen.decode("utf-8") if isinstance(seen, bytes) else seen
    else:
        first = _remember(session_factory, key, dedup_key, window)
    if first is not None and first != dedup_key:
        raise StaleError("this signed query string was already used for another message")


def _remember(session_factory: sessionmaker[Session], key: str, dedup_key: str, window: int) -> str | None:
    """Insert the key in its own transaction; return the message it was first seen with (None: new)."""
    with session_factory() as session:
        try:
            with session.begin():
                session.add(SeenPush(key=key, dedup_key=dedup_key))
                if random.randrange(_PURGE_EVERY) == 0:
                    purge_seen_pushes(session, utcnow() - dt.timedelta(seconds=2 * window))
            return None
        except IntegrityError:
            session.rollback()
        return session.scalar(select(SeenPush.dedup_key).where(SeenPush.key == key))


def purge_seen_pushes(session: Session, older_than: dt.datetime) -> int:
    """Forget query strings seen before ``older_than`` (their timestamps are refused anyway)."""
    result = session.execute(delete(SeenPush).where(SeenPush.seen_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)
