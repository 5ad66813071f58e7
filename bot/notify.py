"""Deliver the outbox: send pending notifications through the WeChat API, once each.

Runs outside any request: called by the scheduler, by ``run-job``, and right after
a transaction that queued something urgent. A row is claimed (``sending``) in a
short transaction, sent with no transaction open, then marked ``sent``; a send
WeChat refuses or that times out goes back to ``pending`` with back-off.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.db import utcnow
from bot.models import ChatUser, Notification

log = logging.getLogger("anxin.notify")

MAX_ATTEMPTS = 8
# A row left in "sending" this long (the process died mid-send) is tried again.
STALE_SENDING = dt.timedelta(minutes=10)
CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=48)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, ... minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _claim(session_factory: sessionmaker[Session], now: dt.datetime, limit: int) -> list[int]:
    with session_factory() as session, session.begin():
        due = select(Notification.id).where(
            or_(
                (Notification.status == "pending") & (Notification.next_attempt_at <= now),
                (Notification.status == "sending") & (Notification.next_attempt_at <= now - STALE_SENDING),
            )
        ).order_by(Notification.id).limit(limit)
        if session.get_bind().dialect.name in ("mysql", "mariadb"):
            due = due.with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if ids:
            session.execute(
                update(Notification).where(Notification.id.in_(ids))
                .values(status="sending", next_attempt_at=now, attempts=Notification.attempts + 1)
            )
        return ids


def send_pending(
    session_factory: sessionmaker[Session], api: WeChatClient, now: dt.datetime | None = None, limit: int = 200
) -> dict[str, int]:
    """Send what is due; return how many were sent, retried later, and given up."""
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for note_id in _claim(session_factory, now, limit):
        with session_factory() as session:
            note = session.get(Notification, note_id)
            assert note is not None
            user = session.scalar(select(ChatUser).where(ChatUser.openid == note.openid))
            session.expunge_all()  # keep what was loaded: a rollback would expire it
            session.rollback()  # no transaction stays open while we talk to WeChat
        in_window = bool(user and user.last_message_at and now - user.last_message_at < CUSTOMER_SERVICE_WINDOW)
        try:
            channel = _send(api, note, in_window)
        except (WeChatClientException, OSError) as exc:
            outcome = _failed(session_factory, note_id, str(exc), now)
            counts[outcome] += 1
            continue
        with session_factory() as session, session.begin():
            session.execute(
                update(Notification).where(Notification.id == note_id)
                .values(status="sent", sent_at=utcnow(), channel=channel, last_error=None)
            )
        counts["sent"] += 1
        log.info("notify.sent", extra={"fields": {"key": note.key, "channel": channel}})
    return counts


def _send(api: WeChatClient, note: Notification, in_window: bool) -> str:
    if in_window or not note.template:
        # Outside the window without a template WeChat refuses (45015); that is
        # recorded and retried, and goes through once the user writes again.
        api.message.send_text(note.openid, note.text)
        return "custom"
    template = note.template
    api.message.send_template(note.openid, template["template_id"], template.get("data", {}), url=template.get("url"))
    return "template"


def _failed(session_factory: sessionmaker[Session], note_id: int, error: str, now: dt.datetime) -> str:
    with session_factory() as session, session.begin():
        note = session.get(Notification, note_id)
        assert note is not None
        note.last_error = error[:1000]
        if note.attempts >= MAX_ATTEMPTS:
            note.status = "failed"
            outcome = "failed"
        else:
            note.status = "pending"
            note.next_attempt_at = now + backoff(note.attempts)
            outcome = "retry"
    log.warning("notify.send_failed", extra={"fields": {"id": note_id, "error": error[:200], "outcome": outcome}})
    return outcome


def pending_keys(session: Session, keys: Iterable[str]) -> list[str]:
    """Which of ``keys`` are still waiting to be sent (for tests and the admin view)."""
    return list(session.scalars(select(Notification.key).where(
        Notification.key.in_(list(keys)), Notification.status != "sent"
    )))
