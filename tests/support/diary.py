"""Shared arrangements for the job tests: a family bound through chat, entries on a fixed local day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.diary.engagements import bind
from bot.diary.entries import record_entries
from bot.diary.parse import parse_lines
from bot.models import ChatUser, Engagement, InboundMessage, Notification
from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import MOM as MOM  # the diary tests' mother and nurse are the shared ones
from tests.support.chat import NURSE as NURSE
from tests.support.chat import TZ, Chat, Family, open_family, today

DAD = "o-dad"  # the nurse and the mother: tests/support/chat.py
CUSTOM = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"
# Yesterday: inside the engagement open_family opens (from two days ago), and wholly in the past.
DAY = today() - dt.timedelta(days=1)


def local(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def engagement_with(app: Flask, client: FlaskClient, nurse: str,
                    parent: str | None = None) -> Iterator[tuple[Session, Engagement]]:
    """A baby on day 9 of life (3400 g at birth) whose nurse (and parent) were bound two days ago, with an open
    session for the test; background work joined after it (a fixture's body: ``yield from engagement_with(...)``)."""
    family = open_family(app, client, birth_days_ago=8, birth_weight_g=3400)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with app.extensions["anxin_db"].new_session() as session:
        engagement = session.get(Engagement, family.engagement_id)
        assert engagement is not None
        bind(session, nurse, family.nurse_code, since, TZ)
        if parent is not None:
            bind(session, parent, family.family_code, since, TZ)
        session.commit()
        yield session, engagement
    background.join_all()


def bound_family(app: Flask, client: FlaskClient, parents: tuple[str, ...] = (MOM, DAD), **kw: object) -> Family:
    """An engagement whose nurse and parents bound themselves in chat (``绑定 CODE``)."""
    family = open_family(app, client, **kw)  # type: ignore[arg-type]
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    for parent in parents:
        assert "绑定成功" in chat.say(parent, f"绑定 {family.family_code}")
    return family


def write(app: Flask, family: Family, text: str, sent_at: dt.datetime, nurse: str = NURSE) -> list[int]:
    """The nurse's chat message ``text`` sent at ``sent_at``, recorded as the chat handler records it."""
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        engagement = session.get(Engagement, family.engagement_id)
        assert engagement is not None
        stored = record_entries(session, engagement, nurse, parse_lines(text, sent_at, TZ), sent_at, TZ)
        return [e.id for e in stored]


def last_wrote(app: Flask, openid: str, at: dt.datetime) -> None:
    """The user's last message to the Official Account was at ``at`` (the 48-hour window)."""
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        session.execute(update(ChatUser).where(ChatUser.openid == openid).values(last_message_at=at))
        session.execute(update(InboundMessage).where(InboundMessage.openid == openid, InboundMessage.received_at > at)
                        .values(received_at=at))


def user_wrote(session: Session, openid: str, at: dt.datetime) -> None:
    """``openid`` follows the Official Account and last wrote a message at ``at`` (the 48-hour window opens)."""
    if session.scalar(select(ChatUser.openid).where(ChatUser.openid == openid)) is None:
        session.add(ChatUser(openid=openid, last_message_at=at))
    session.add(InboundMessage(dedup_key=f"wrote:{openid}:{at.isoformat()}", openid=openid, msg_type="text",
                               received_at=at))


def texts_to(fake: WeChatApiFake, openid: str, containing: str = "") -> list[str]:
    """Customer-service texts WeChat accepted for ``openid`` (optionally only those containing a marker)."""
    return [m["text"]["content"] for m in fake.messages_to(openid) if containing in m["text"]["content"]]


def notifications(session, kind: str | None = None) -> list[Notification]:
    session.rollback()  # see what other sessions committed
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(session.scalars(query))
