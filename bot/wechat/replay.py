"""Refuse a signed push query string used for a second, different message.

WeChat signs only token, timestamp and nonce in plaintext mode, not the body: one
query string seen once (a log line, a proxy) would let anyone post any message.
Every accepted query string is remembered for the replay window on the
``inbound_message`` row of the message it carried (``push_key``, unique), written by
the inbox's one INSERT, so every worker sees it. The same string with the same
message is a retry (answered with the first reply); with another message the INSERT
fails on the key and the push is refused (``bot.chat.inbox.ReplayedPush``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.models import InboundMessage


def push_key(params: Mapping[str, str | None]) -> str:
    """The identity of a signed query string: timestamp, nonce and both signatures."""
    parts = [params.get(name) or "" for name in ("timestamp", "nonce", "signature", "msg_signature")]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def forget_push_keys(session: Session, older_than: dt.datetime) -> int:
    """Drop the query strings of messages received before ``older_than`` (their timestamps are refused anyway)."""
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.push_key.is_not(None), InboundMessage.received_at < older_than)
        .values(push_key=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
