"""Deliver the outbox: send pending notifications through the WeChat API, once each.

Runs outside any request: called by the scheduler, by ``run-job``, and right after
a transaction that queued something urgent. A row is claimed (``sending``) in a
short transaction, sent with no transaction open, then marked ``sent``; a send
WeChat refuses or that times out goes back to ``pending`` with back-off.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.clock import utcnow
from bot.models import ChatUser, Notification
from bot.outbox import backoff

log = logging.getLogger("anxin.notify")

MAX_ATTEMPTS = 8
# A row left in "sending" this long (the process died mid-send) is tried again.
STALE_SENDING = dt.timedelta(minutes=10)
CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=48)


def _claim(session_factory: sessionmaker[Session], now: dt.datetime, limit: int) -> list[tuple[int, int]]:
    """Mark due rows ``sending``; return (id, attempts) pairs, the attempt number being this claim's token."""
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
        if not ids:
            return []
        session.execute(
            update(Notification).where(Notification.id.in_(ids))
            .values(status="sending", next_attempt_at=now, attempts=Notification.attempts + 1)
        )
        return [(row.id, row.attempts) for row in session.execute(
            select(Notification.id, Notification.attempts).where(Notification.id.in_(ids)).order_by(Notification.id)
        )]


def _still_ours(note_id: int, attempts: int) -> Any:
    """The row is still in the hands of the claim that made attempt ``attempts``."""
    return (Notification.id == note_id) & (Notification.status == "sending") & (Notification.attempts == attempts)


def _renew(session_factory: sessionmaker[Session], note_id: int, attempts: int) -> bool:
    """Refresh this claim just before sending; False if another sender took the row over meanwhile."""
    with session_factory() as session, session.begin():
        result = cast(CursorResult[Any], session.execute(
            update(Notification).where(_still_ours(note_id, attempts)).values(next_attempt_at=utcnow())
        ))
        return result.rowcount == 1


class OutsideWindow(Exception):
    """The user has not written for 48 hours and no template message is configured."""


class Stale(Exception):
    """A notification whose moment has passed (a nudge hours late is worse than none)."""


# Kinds that are only worth sending soon after they were queued.
MAX_AGE = {"reminder": dt.timedelta(minutes=30)}


def send_pending(
    session_factory: sessionmaker[Session],
    api: WeChatClient,
    settings: Mapping[str, Any],
    now: dt.datetime | None = None,
    limit: int = 200,
) -> dict[str, int]:
    """Send what is due; return how many were sent, retried later, and given up."""
    now = now or utcnow()
    template_id = settings.get("ANXIN_WECHAT_TEMPLATE_ID")
    counts = {"sent": 0, "retry": 0, "failed": 0}
    started = time.monotonic()
    for note_id, attempts in _claim(session_factory, now, limit):
        # A long batch may outlive STALE_SENDING: never send a row another sender has taken over.
        if not _renew(session_factory, note_id, attempts):
            continue
        with session_factory() as session:
            note = session.get(Notification, note_id)
            assert note is not None
            follower = session.execute(
                select(ChatUser.id, ChatUser.last_message_at).where(ChatUser.openid == note.openid)
            ).first()
            last_message_at = follower.last_message_at if follower else None
            session.expunge(note)  # a detached copy: no transaction stays open while we talk to WeChat
        # The run's clock moved on by the time this batch took: back-off counts from there, never from its start.
        moment = now + dt.timedelta(seconds=time.monotonic() - started)
        in_window = bool(last_message_at and now - last_message_at < CUSTOMER_SERVICE_WINDOW)
        try:
            if follower is None:
                # Bound only in the mini-program: that openid is not the Official Account's, WeChat refuses it.
                raise Stale("not a user of the Official Account (bound in the mini-program only)")
            if note.kind in MAX_AGE and now - note.created_at > MAX_AGE[note.kind]:
                raise Stale(f"{note.kind} older than {MAX_AGE[note.kind]}: no longer worth sending")
            channel = _send(api, note, in_window, template_id, settings)
        except Stale as exc:
            counts[_failed(session_factory, note_id, attempts, str(exc), moment, final=True)] += 1
            continue
        except (WeChatClientException, OSError, OutsideWindow) as exc:
            counts[_failed(session_factory, note_id, attempts, str(exc), moment)] += 1
            continue
        with session_factory() as session, session.begin():
            session.execute(
                update(Notification).where(_still_ours(note_id, attempts))
                .values(status="sent", sent_at=utcnow(), channel=channel, last_error=None)
            )
        counts["sent"] += 1
        log.info("notify.sent", extra={"fields": {"key": note.key, "channel": channel}})
    return counts


def _send(api: WeChatClient, note: Notification, in_window: bool, template_id: str | None,
          settings: Mapping[str, Any]) -> str:
    """Send by customer-service message inside the 48-hour window, else by template message.

    Custom messages: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
    Template messages: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
    """
    if in_window:
        api.message.send_text(note.openid, note.text)
        return "custom"
    if not template_id:
        raise OutsideWindow("用户48小时内未互动且未配置模板消息 (outside the 48-hour window, no ANXIN_WECHAT_TEMPLATE_ID)")
    lines = note.text.splitlines() or [""]
    fields = note.template or {}
    data = {
        "first": {"value": fields.get("first", lines[0])},
        "keyword1": {"value": fields.get("keyword1", KIND_LABELS.get(note.kind, "服务提醒"))},
        "keyword2": {"value": fields.get("keyword2", note.created_at.astimezone(ZoneInfo(settings["ANXIN_TIMEZONE"]))
                                         .strftime("%Y-%m-%d"))},
        "remark": {"value": fields.get("remark", "\n".join(lines[1:])[:180])},
    }
    api.message.send_template(note.openid, template_id, data, url=fields.get("url"))
    return "template"


KIND_LABELS = {
    "digest": "今日月子日记",
    "flag": "健康提醒",
    "reminder": "记录提醒",
    "expiry": "证件到期提醒",
    "followup": "消息回复",
    "complaint": "投诉回复",
}


def _failed(session_factory: sessionmaker[Session], note_id: int, attempts: int, error: str, now: dt.datetime,
            final: bool = False) -> str:
    with session_factory() as session, session.begin():
        note = session.scalar(select(Notification).where(_still_ours(note_id, attempts)))
        if note is None:
            return "retry"  # another sender took the row over; it decides what happens next
        note.last_error = error[:1000]
        if final or note.attempts >= MAX_ATTEMPTS:
            note.status = "failed"
            outcome = "failed"
        else:
            note.status = "pending"
            note.next_attempt_at = now + backoff(note.attempts)
            outcome = "retry"
    log.warning("notify.send_failed", extra={"fields": {"id": note_id, "error": error[:200], "outcome": outcome}})
    return outcome


def delivery(app: Flask) -> Callable[[], dict[str, int]]:
    """The work of sending what is due for ``app``, to run in a background thread."""

    def work() -> dict[str, int]:
        from bot.db import get_db
        from bot.wechat.api import get_api

        factory = get_db(app).session_factory
        assert factory is not None
        return send_pending(factory, get_api(app), app.config)

    return work
