"""Process each WeChat push exactly once, however many copies arrive and wherever.

WeChat resends a message it got no answer to within five seconds, up to three
times, and the copies may land on different workers at the same moment. The
``inbound_message`` row is inserted in the same transaction as everything the
message causes, with its reply: a second copy blocks on the unique key until the
first commits, then rolls back whatever it did, finds the row and answers with
the stored reply (a read-only command, whose reply is not stored, is answered by
running it again). If the first
copy fails, its transaction (row included) rolls back and a retry processes it
afresh, so nothing acknowledged is lost.

A message that needs more than WeChat's five seconds (a voice still being transcribed) is answered
"in progress" and recorded as such (handler ``NAME:pending``, with what is needed to resume it);
``complete`` later claims that row and runs the handler, exactly once, and queues the reply as a
customer-service message. A retry of the push meanwhile gets the "in progress" answer again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.context import (
    ChatContext,
    ChatMessage,
    ChatServices,
    News,
    NoServices,
    Reply,
    Text,
    reply_from_dict,
    reply_to_dict,
    roles_of,
)
from bot.chat.router import HandlerFailed, Route, route, run
from bot.core.clock import utcnow
from bot.diary.refs import current_binding
from bot.models import ChatUser, InboundMessage
from bot.models.wechat import EVENT_PREFIX
from bot.outbox.queue import enqueue
from bot.store import background
from bot.store.retry import retried, retrying

log = logging.getLogger("anxin.inbox")

# Events that open WeChat's 48-hour customer-service window (besides every ordinary message):
# following, scanning a QR code, tapping a menu item. Others (VIEW, template receipts, location) do not.
_WINDOW_EVENTS = {"subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"}
# The handler column of a message answered "in progress" and finished later by ``complete``.
PENDING = ":pending"


class ReplayedPush(Exception):
    """The signed query string already carried another message: somebody is replaying it."""


def receive(
    session_factory: sessionmaker[Session],
    message: ChatMessage,
    settings: Mapping[str, Any],
    services: ChatServices | None = None,
    push_key: str | None = None,
    now: dt.datetime | None = None,
) -> Reply | None:
    """Process ``message`` once and return its reply (the stored one for a repeat).

    ``now`` is the time the handlers read as now and the row records as received (default: the clock's).

    A handler's errors become replies, so a genuine message is always answered; what it
    half-wrote is rolled back and the message is recorded with that reply. Only an outage of
    the database itself fails the request, and then nothing was acknowledged and WeChat
    retries. ``push_key`` is the identity of the signed query string
    (``bot.wechat.replay.push_key``): kept on the row, it lets the same string through again
    only with the same message.

    Most messages run their handler first and insert their row last, with the reply, in the
    same transaction: a concurrent copy that loses on the unique key rolls back everything it
    did. A command with a guard (a throttle whose count must stand whatever the handler does)
    inserts its row first and runs its handler in a savepoint.

    The whole of it runs again when the database refused it for a conflict (``bot.store.retry``: on a Galera
    cluster, the copy of the message another node recorded first): the second run finds the row and answers
    with its stored reply. A guard's count in Redis counts each run.
    """
    when = now or utcnow()
    return retrying(lambda: _receive(session_factory, message, settings, services, push_key, when), "chat.receive")


def _receive(session_factory: sessionmaker[Session], message: ChatMessage, settings: Mapping[str, Any],
             services: ChatServices | None, push_key: str | None, now: dt.datetime) -> Reply | None:
    with session_factory() as session:
        try:
            with session.begin():
                ctx = _context(session, message, settings, services, now)
                found = route(ctx)
                if found.guard is not None:
                    _record(session, message, found.name, None, push_key, now)
                    reply = run(found, ctx)
                    stored = _stored(found, reply)
                    if stored is not None:
                        session.execute(_SET_REPLY, {"key": message.dedup_key, "reply": stored})
                elif message.asr == "pending":
                    reply = run(found, ctx, savepoint=False)
                    _record(session, message, found.name + PENDING, _stored(found, reply, _resume(message)),
                            push_key, now)
                else:
                    reply = run(found, ctx, savepoint=False)
                    _record(session, message, found.name, _stored(found, reply), push_key, now)
        except HandlerFailed as failed:  # everything it did is rolled back: record the message with its answer
            session.rollback()
            try:
                with session.begin():
                    _record(session, message, found.name, _stored(found, failed.reply), push_key, now)
            except IntegrityError as error:
                session.rollback()
                return _repeat(session, message, settings, services, push_key, error, now)
            return failed.reply
        except IntegrityError as error:
            session.rollback()
            return _repeat(session, message, settings, services, push_key, error, now)
    for name, work in ctx.post_commit:
        background.start(name, work)
    log.info(
        "chat.handled",
        extra={"fields": {"dedup_key": message.dedup_key, "handler": found.name, "openid": message.openid}},
    )
    return reply


def _record(session: Session, message: ChatMessage, handler: str, reply: str | None, push_key: str | None,
            now: dt.datetime) -> None:
    """Insert the message's row (a copy already recorded fails here, on the unique key) and, for an event,
    what it tells of the sender. One Core INSERT, built once: no unit of work for a row nothing reads back.
    What the session holds is flushed first, so that after a handler the row is its transaction's last write.
    """
    if message.msg_type == "event":
        _touch_user(session, message)
    session.flush()
    session.connection().execute(_INSERT, {
        "dedup_key": message.dedup_key,
        "openid": message.openid,
        "msg_type": (EVENT_PREFIX + message.event)[:32] if message.msg_type == "event" else message.msg_type,
        "received_at": now,
        "handler": handler,
        "reply": reply,
        "push_key": push_key,
    })


# On the table, not the mapped class: an ORM-enabled INSERT goes through the bulk-persistence layer first.
_INSERT = insert(cast(Table, InboundMessage.__table__))
_SET_REPLY = (update(InboundMessage).where(InboundMessage.dedup_key == bindparam("key"))
              .values(reply=bindparam("reply")).execution_options(synchronize_session=False))


def _stored(found: Route, reply: Reply | None, resume: dict[str, Any] | None = None) -> str | None:
    """The reply as the row keeps it: JSON, or None for "success" and for a read-only handler (run again).
    A pending message's row also keeps what ``complete`` needs to finish it (``resume``)."""
    data = None if found.readonly else reply_to_dict(reply)
    if data is not None and resume is not None:
        data["resume"] = resume
    return json.dumps(data, ensure_ascii=False) if data else None


def _resume(message: ChatMessage) -> dict[str, Any]:
    """What a pending voice needs to be finished by another process: WeChat keeps its media for three days."""
    return {"account": message.account, "create_time": message.create_time, "media_id": message.media_id,
            "media_format": message.media_format}


def seen(session_factory: sessionmaker[Session], message: ChatMessage, push_key: str | None = None) -> bool:
    """True when ``message`` was already processed (or answered "in progress"), or its signed query string carried
    a message before: ``receive`` answers it from the record or refuses it, with no costly work first."""
    known = InboundMessage.dedup_key == message.dedup_key
    if push_key is not None:
        known = or_(known, InboundMessage.push_key == push_key)
    with session_factory() as session:
        return session.scalar(select(InboundMessage.id).where(known).limit(1)) is not None


@dataclass(frozen=True)
class Pending:
    """A message answered "in progress" and not finished yet, as its row keeps it."""

    message: ChatMessage
    received_at: dt.datetime


def pending(session_factory: sessionmaker[Session], handler: str, before: dt.datetime,
            limit: int = 50) -> list[Pending]:
    """Messages of ``handler`` answered "in progress" before ``before`` and never finished (their thread died with
    its process, or the network kept it from finishing)."""
    with session_factory() as session:
        rows = session.execute(
            select(InboundMessage.dedup_key, InboundMessage.openid, InboundMessage.msg_type,
                   InboundMessage.received_at, InboundMessage.reply)
            .where(InboundMessage.handler == handler + PENDING, InboundMessage.received_at < before)
            .order_by(InboundMessage.id).limit(limit)).all()
    found = []
    for row in rows:
        resume = json.loads(row.reply or "{}").get("resume")
        if not resume or not row.dedup_key.startswith("msg:"):
            continue
        found.append(Pending(ChatMessage(
            openid=row.openid, account=resume["account"], msg_type=row.msg_type,
            created_at=dt.datetime.fromtimestamp(resume["create_time"], dt.UTC), create_time=resume["create_time"],
            msg_id=row.dedup_key.removeprefix("msg:"), media_id=resume["media_id"],
            media_format=resume["media_format"], asr="pending"), row.received_at))
    return found


@retried("chat.complete")
def complete(
    session_factory: sessionmaker[Session],
    message: ChatMessage,
    settings: Mapping[str, Any],
    services: ChatServices | None = None,
    now: dt.datetime | None = None,
) -> Reply | None:
    """Finish a message answered "in progress", with what it turned out to say (``message``); return the reply, or
    None when it was finished already.

    One transaction claims the pending row (a second thread or the sweep finds it claimed and does nothing),
    runs the handler as ``receive`` would have, replaces the stored reply and queues it as a customer-service
    message (kind ``followup``): the entries, the row and the message to send are written together or not at
    all. ``now`` is when the message came (the handlers file undated lines at it).
    """
    now = now or utcnow()
    with session_factory() as session, session.begin():
        ctx = _context(session, message, settings, services, now)
        found = route(ctx)
        claimed = cast(CursorResult[Any], session.execute(
            _CLAIM, {"key": message.dedup_key, "pending": found.name + PENDING, "handler": found.name}))
        if claimed.rowcount != 1:
            return None
        reply = run(found, ctx)
        session.execute(_SET_REPLY, {"key": message.dedup_key, "reply": _stored(found, reply)})
        text = _as_text(reply)
        if text:
            enqueue(session, key=f"reply:{message.dedup_key}", openid=message.openid, kind="followup", text=text)
    for name, work in ctx.post_commit:
        background.start(name, work)
    if services is not None:
        services.deliver_notifications()
    log.info("chat.completed", extra={"fields": {"dedup_key": message.dedup_key, "handler": found.name}})
    return reply


_CLAIM = (update(InboundMessage)
          .where(InboundMessage.dedup_key == bindparam("key"), InboundMessage.handler == bindparam("pending"))
          .values(handler=bindparam("handler")).execution_options(synchronize_session=False))


def _as_text(reply: Reply | None) -> str:
    """A reply as a customer-service text: a news card's title, description and link."""
    if isinstance(reply, Text):
        return reply.content
    if isinstance(reply, News):
        return "\n".join(part for a in reply.articles for part in (a.title, a.description, a.url) if part)
    return ""


def _context(session: Session, message: ChatMessage, settings: Mapping[str, Any],
             services: ChatServices | None, now: dt.datetime) -> ChatContext:
    """The message resolved: its sender's binding read once (one query, with the engagement and its babies), their
    roles from it; the handlers take both from the context."""
    binding = current_binding(session, message.openid)
    return ChatContext(session=session, message=message, binding=binding, roles=roles_of(binding),
                       settings=settings, now=now, services=services or NoServices())


def _repeat(session: Session, message: ChatMessage,
            settings: Mapping[str, Any], services: ChatServices | None, push_key: str | None,
            error: IntegrityError, now: dt.datetime) -> Reply | None:
    """Answer a copy of a message already processed: its stored reply, or a read-only handler's answer again."""
    row = session.execute(
        select(InboundMessage.handler, InboundMessage.reply).where(InboundMessage.dedup_key == message.dedup_key)
    ).first()
    if row is None:
        if push_key is not None and session.scalar(
            select(InboundMessage.id).where(InboundMessage.push_key == push_key)
        ) is not None:
            raise ReplayedPush(push_key)
        raise error  # a constraint of the handler's own, not a repeat
    log.info("chat.repeat", extra={"fields": {"dedup_key": message.dedup_key}})
    session.rollback()  # nothing to keep of the look-up
    if row.reply:
        return reply_from_dict(json.loads(row.reply))
    with session.begin():
        ctx = _context(session, message, settings, services, now)
        found = route(ctx)
        if not (found.readonly and found.name == row.handler):
            return None  # it had nothing to say (an event, an unsubscribe)
        reply = run(found, ctx)
    return reply


def _touch_user(session: Session, message: ChatMessage) -> None:
    """An event: know the sender, whether it opened the 48-hour window and whether they follow: one upsert.

    Ordinary messages need no write here: their ``inbound_message`` row says when they came.
    """
    opens_window = message.event in _WINDOW_EVENTS
    follows = {"subscribe": True, "unsubscribe": False}.get(message.event)
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
