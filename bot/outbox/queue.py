"""Queue notifications in the outbox. Domain code: no Flask.

``enqueue`` is called inside the transaction of whatever caused the message, so
the notification exists exactly when its cause does; the ``key`` makes queueing
idempotent (a second enqueue with the same key is a no-op). Delivery lives in
``bot.delivery.notify``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import Notification


def enqueue(
    session: Session,
    *,
    key: str,
    openid: str,
    kind: str,
    text: str,
    template: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Notification | None:
    """Queue a notification unless one with ``key`` exists; return the new row or None.

    ``now`` (a job's clock) is when it is queued and first due; by default the current time.
    """
    if session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    note = Notification(key=key[:191], openid=openid, kind=kind, text=text, template=template)
    if now is not None:
        note.created_at = note.next_attempt_at = now
    try:
        with session.begin_nested():
            session.add(note)
    except IntegrityError:  # queued concurrently by another process
        return None
    return note


def enqueue_new(session: Session, notes: Sequence[Notification]) -> None:
    """Queue notifications whose keys cannot exist yet (they name a row this transaction has just made, a new
    flag's id): no look-up first and no savepoint; the session's next flush inserts them together."""
    session.add_all(notes)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))
