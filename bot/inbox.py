"""Process each WeChat push exactly once, however many copies arrive and wherever.

WeChat resends a message it got no answer to within five seconds, up to three
times, and the copies may land on different workers at the same moment. The
``inbound_message`` row is inserted first, in the same transaction as everything
the message causes: a second copy blocks on the unique key until the first
commits, then finds the row and answers with the stored reply. If the first
copy fails, its transaction (row included) rolls back and a retry processes it
afresh, so nothing acknowledged is lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import background
from bot.chat import ChatContext, ChatMessage, ChatServices, NoServices, Reply, reply_from_dict, reply_to_dict
from bot.clock import utcnow
from bot.handlers import dispatch, roles_of
from bot.models import ChatUser, InboundMessage

log = logging.getLogger("anxin.inbox")

# Events that open WeChat's 48-hour customer-service window (besides every ordinary message):
# following, scanning a QR code, tapping a menu item. Others (VIEW, template receipts, location) do not.
_WINDOW_EVENTS = {"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"}


def receive(
    session_factory: sessionmaker[Session],
    message: ChatMessage,
    settings: Mapping[str, Any],
    services: ChatServices | None = None,
) -> Reply | None:
    """Process ``message`` once and return its reply (the stored one for a repeat).

    Every handler runs in a savepoint (``run_handler``): its errors become replies, so a
    genuine message is always answered. Only an outage of the database itself fails the
    request, and then nothing was acknowledged and WeChat retries.
    """
    with session_factory() as session:
        try:
            with session.begin():
                record = InboundMessage(
                    dedup_key=message.dedup_key,
                    openid=message.openid,
                    msg_type=message.event if message.msg_type == "event" else message.msg_type,
                )
                session.add(record)
                session.flush()  # a concurrent copy waits here, then fails on the unique key
                _touch_user(session, message)
                ctx = ChatContext(
                    session=session,
                    message=message,
                    roles=roles_of(session, message.openid),
                    settings=settings,
                    now=utcnow(),
                    services=services or NoServices(),
                )
                handler, reply = dispatch(ctx)
                record.handler = handler
                data = reply_to_dict(reply)
                record.reply = json.dumps(data, ensure_ascii=False) if data else None
        except IntegrityError:
            session.rollback()
            row = session.execute(
                select(InboundMessage.id, InboundMessage.reply).where(
                    InboundMessage.dedup_key == message.dedup_key
                )
            ).first()
            if row is None:
                raise  # a constraint of the handler's own, not a repeat
            log.info("chat.repeat", extra={"fields": {"dedup_key": message.dedup_key}})
            return reply_from_dict(json.loads(row.reply)) if row.reply else None
    for name, work in ctx.post_commit:
        background.start(name, work)
    log.info(
        "chat.handled",
        extra={"fields": {"dedup_key": message.dedup_key, "handler": handler, "openid": message.openid}},
    )
    return reply


def _touch_user(session: Session, message: ChatMessage) -> None:
    """Know the sender, when they last wrote (the 48-hour window) and whether they follow: one upsert."""
    opens_window = message.msg_type != "event" or message.event in _WINDOW_EVENTS
    follows = {"subscribe": True, "unsubscribe": False}.get(message.event) if message.msg_type == "event" else None
    values = {"openid": message.openid, "first_seen_at": message.created_at, "subscribed": bool(follows),
              "last_message_at": message.created_at if opens_window else None}
    changes: dict[str, Any] = {}
    table = cast(Table, ChatUser.__table__)
    if session.get_bind().dialect.name == "sqlite":
        lite = sqlite_insert(table).values(**values)
        if opens_window:
            changes["last_message_at"] = lite.excluded.last_message_at
        if follows is not None:
            changes["subscribed"] = lite.excluded.subscribed
        session.execute(lite.on_conflict_do_update(index_elements=["openid"],
                                                   set_=changes or {"openid": lite.excluded.openid}))
        return
    my = mysql_insert(table).values(**values)
    if opens_window:
        changes["last_message_at"] = my.inserted.last_message_at
    if follows is not None:
        changes["subscribed"] = my.inserted.subscribed
    session.execute(my.on_duplicate_key_update(**(changes or {"openid": table.c.openid})))
