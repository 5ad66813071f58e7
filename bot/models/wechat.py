"""What the server keeps of the WeChat side: chat users, seen messages, access tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.models.base import Base

# What ``inbound_message.msg_type`` says of an event (``event:subscribe``): a LOCATION event is not a location message.
EVENT_PREFIX = "event:"


class ChatUser(Base):
    """A WeChat user of the Official Account, as its events tell us (follow, unfollow, scan, menu).

    Ordinary messages are not written here: each is an ``inbound_message`` row already, and the
    48-hour customer-service window is the later of ``last_message_at`` and the newest of those
    (``bot.delivery.notify.window_of``). A chat message costs no write to a row every message would lock.
    """

    __tablename__ = "chat_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The last event that opened WeChat's 48-hour customer-service window (messages: inbound_message).
    last_message_at: Mapped[dt.datetime | None]
    subscribed: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<ChatUser {self.openid}>"


class InboundMessage(Base):
    """One message or event WeChat pushed to us, kept so that a retry is answered, not redone.

    ``dedup_key`` is the MsgId for messages and sender + CreateTime + Event for events
    (WeChat's own rule). The row is written in the same transaction as everything the
    message caused, so it exists exactly when the message was processed.
    """

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(191), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    msg_type: Mapped[str] = mapped_column(String(32))  # text, image, … or event:NAME
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    handler: Mapped[str | None] = mapped_column(String(64))
    # The reply we gave, as JSON (bot.chat.context.reply_to_dict); NULL means we answered "success", or that the
    # handler only reads (``@command(readonly=True)``): a repeat is answered by running it again.
    reply: Mapped[str | None] = mapped_column(Text)
    # The signed query string that carried it (bot.wechat.replay.push_key), kept for the replay window:
    # the same string is accepted again only with the same message (a retry), never for another one.
    push_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_inbound_message_openid_received_at", "openid", "received_at"),
                      # messages answered "in progress" (handler ``NAME:pending``), found by the job that finishes them
                      Index("ix_inbound_message_handler_received_at", "handler", "received_at"))

    def __repr__(self) -> str:
        return f"<InboundMessage {self.dedup_key}>"


class AccessToken(Base):
    """The cached WeChat access token of one app id, shared by every process."""

    __tablename__ = "access_token"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[dt.datetime | None]
    refreshed_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<AccessToken {self.appid} until {self.expires_at}>"
