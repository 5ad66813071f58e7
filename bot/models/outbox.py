"""The outbox: every notification is a row, written before it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import utcnow
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
