"""Every lookup of a worker's profile, and the counters that rate-limit lookups."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.models.base import Base

LOOKUP_SURFACES = ("chat", "web", "mp")


class LookupLog(Base):
    """One lookup of a badge: who asked (openid and/or address), through which surface, and the outcome.

    Refusals are logged too (mistyped, unknown, revoked, rate limited, ...), so an
    agency can see how often a badge was checked and an operator can see who walks codes.
    """

    __tablename__ = "lookup_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    surface: Mapped[str] = mapped_column(String(8))  # one of LOOKUP_SURFACES
    openid: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(45))
    code: Mapped[str | None] = mapped_column(String(11))  # the normalised input, when it was code-shaped
    badge_id: Mapped[int | None] = mapped_column(ForeignKey("badge.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    outcome: Mapped[str] = mapped_column(String(16))  # shown | mistyped | unknown | revoked | ...

    __table_args__ = (
        Index("ix_lookup_log_badge_id_surface", "badge_id", "surface"),
        Index("ix_lookup_log_worker_id_at", "worker_id", "at"),
        Index("ix_lookup_log_at", "at"),
    )

    def __repr__(self) -> str:
        return f"<LookupLog {self.id} {self.surface} {self.outcome} badge {self.badge_id}>"


class RateCounter(Base):
    """A fixed-window counter: ``count`` hits of ``key`` in the window that began at ``window_start``."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(191), primary_key=True)
    window_start: Mapped[int]  # epoch seconds
    count: Mapped[int]

    __table_args__ = (Index("ix_rate_counter_window_start", "window_start"),)

    def __repr__(self) -> str:
        return f"<RateCounter {self.key} {self.count}@{self.window_start}>"
