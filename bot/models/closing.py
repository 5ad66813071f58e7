"""The end of an engagement (下户): the family's final evaluation and the agency's follow-up visit (回访).

GB/T 31771-2024 6.4 (服务结束及回访): when the service ends the family evaluates it and the agency follows up.
Both count in the worker's credit grade (``bot.lookup.credit``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.clock import utcnow
from bot.models.agency import Engagement
from bot.models.base import Base

# Ended engagements by end date: the evaluation job's and the follow-up list's read.
ENGAGEMENT_ENDS_ON = Index("ix_engagement_ends_on", Engagement.ends_on)


class FinalEvaluation(Base):
    """One family member's evaluation of a whole engagement: stars on each dimension and a comment.

    ``stars`` maps each dimension of ``bot/diary/data/evaluation.yaml`` to 1–5; ``average`` is their mean, kept so
    that the credit grade averages evaluations in SQL. Evaluating again replaces one's own.
    """

    __tablename__ = "final_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    openid: Mapped[str] = mapped_column(String(64))  # the family member
    stars: Mapped[dict[str, Any]] = mapped_column(JSON)
    average: Mapped[float]
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))  # chat | miniprogram
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    engagement: Mapped[Engagement] = relationship()

    __table_args__ = (UniqueConstraint("engagement_id", "openid"),)

    def __repr__(self) -> str:
        return f"<FinalEvaluation {self.average:.1f} of {self.engagement_id} by {self.openid}>"


class FollowUpVisit(Base):
    """The agency's follow-up visit (回访) after an engagement ended: when it is planned, who made it, what came of it."""

    __tablename__ = "follow_up_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), unique=True)
    scheduled_for: Mapped[dt.date] = mapped_column(Date)
    scheduled_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    done_at: Mapped[dt.datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None]  # 1–5, the family's satisfaction as the visit found it
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    engagement: Mapped[Engagement] = relationship()

    __table_args__ = (Index("ix_follow_up_visit_done_at_scheduled_for", "done_at", "scheduled_for"),)

    def __repr__(self) -> str:
        return f"<FollowUpVisit {self.engagement_id} on {self.scheduled_for}>"
