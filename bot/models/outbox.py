"""The outbox: every notification is a row, written before it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.models.base import Base


class Notification(Base):
    """One message to one WeChat user, keyed so that it can never be queued or sent twice.

    ``key`` names who, what and which day (e.g. ``digest:12:oAbc:2026-11-20``). A
    notification is written in the same transaction as what caused it; sending
    marks it ``sent``; a refused or timed-out send stays ``pending`` with a later
    ``next_attempt_at`` (back-off) until it goes through or runs out of attempts.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    openid: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # digest | flag | reminder | expiry | followup | ...
    text: Mapped[str] = mapped_column(Text)
    # For users outside the 48-hour window: a subscribe/template message's fields.
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(16))  # custom | template, once sent
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<Notification {self.key} {self.status}>"


class SubscriptionGrant(Base):
    """What a mini-program user accepted in ``wx.requestSubscribeMessage``: one message per grant.

    WeChat counts one-time subscriptions per template: each acceptance allows one
    ``subscribe/send``; ``remaining`` is that count, taken when a message is sent.
    Doc: https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/subscribe-message.html
    """

    __tablename__ = "subscription_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    template_id: Mapped[str] = mapped_column(String(64))
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("openid", "template_id"),)

    def __repr__(self) -> str:
        return f"<SubscriptionGrant {self.openid} {self.template_id} x{self.remaining}>"


class WeChatIdentity(Base):
    """An openid of one of our two apps and the person's unionid, when WeChat gave one.

    A person who uses both the Official Account and the mini-program has two openids and one
    unionid; the outbox sends such a person one message, not two.
    """

    __tablename__ = "wechat_identity"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    app: Mapped[str] = mapped_column(String(8))  # oa | mp
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<WeChatIdentity {self.app} {self.openid}>"
