"""The outbox: every notification is a row, written before it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
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
    channel: Mapped[str | None] = mapped_column(String(16))  # custom | template | bizsend | subscribe | sms, once sent
    # The channels this notification may take, in order, decided before its first send (``custom,template``).
    plan: Mapped[str | None] = mapped_column(String(64))
    # An SMS: the number, encrypted (``notification.phone``); ``openid`` then holds it masked (tel:138****8000).
    phone_enc: Mapped[str | None] = mapped_column(Text)
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


class CustomQuota(Base):
    """Customer-service messages we sent one user since the message that opened their window: our own count.

    Since June 2023 a user's message allows 5 customer-service messages within 48 hours (an event such as a
    menu click 3 within a minute); WeChat answers 45047 past them. Every sender, in every process, takes one
    from this row (under its lock) before it sends, so the count holds with several app servers. A newer
    opening (``opened_at``) starts the count over.
    """

    __tablename__ = "custom_quota"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    opened_at: Mapped[dt.datetime | None]
    used: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<CustomQuota {self.openid} {self.used}>"


class DeliveryAttempt(Base):
    """One try of one channel for one notification: sent, refused (and why), or failed on the way.

    What ``GET /admin/v1/deliveries`` and ``/console/deliveries`` count per channel and period.
    """

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16))  # custom | template | subscribe | sms
    outcome: Mapped[str] = mapped_column(String(16))  # sent | refused | error
    detail: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_delivery_attempt_at", "at"),)

    def __repr__(self) -> str:
        return f"<DeliveryAttempt {self.notification_id} {self.channel} {self.outcome}>"


class ShortLink(Base):
    """A short ``/d/CODE`` link for an SMS: a random code standing for one engagement's day and flag.

    Tencent takes no link as a template parameter and counts every character, so an SMS carries only the code
    (the site's address is written into the approved template). The code is the permission, as the sealed
    token of a WeChat link is; it expires with it (``bot.outbox.daylinks.LINK_TTL``). ``recipient`` is whom
    it was sent to, masked (tel:138****8000), for the flag's trail when they acknowledge from it.
    """

    __tablename__ = "short_link"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("diary_flag.id"))
    recipient: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # parent | supervisor
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ShortLink {self.code} of engagement {self.engagement_id}>"
