"""The confinement diary (月子日记): entries, their revisions, photos, flags, and each user's current engagement.

Every entry keeps who wrote it, when it happened, when it was recorded and the
line as it was typed; an edit or a withdrawal writes a revision with what the
entry was before, so the family can trust what they read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.dialects.mysql import MEDIUMBLOB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.clock import utcnow
from bot.models.agency import Engagement
from bot.models.base import Base
from bot.models.staff import Baby


class CurrentEngagement(Base):
    """The engagement a chat user works on now (a user bound to several can switch)."""

    __tablename__ = "current_engagement"

    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    chosen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<CurrentEngagement {self.openid} -> {self.engagement_id}>"


# The indexes the hot reads name (``bot.models.base.use_index``): an engagement's entries in time, and of one kind.
BY_DAY = "ix_diary_entry_engagement_id_occurred_at"
BY_KIND_AND_DAY = "ix_diary_entry_engagement_id_kind_occurred_at"


class DiaryEntry(Base):
    """One event of the day: ``kind`` plus its fields (named with their units) and the original text."""

    __tablename__ = "diary_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    # Which baby a baby's entry is about (twins); None for the mother's kinds and notes, and in a one-baby
    # engagement's chat, where the engagement's only baby is meant.
    baby_id: Mapped[int | None] = mapped_column(ForeignKey("baby.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # e.g. {"type": "formula", "amount_ml": 120}; units are part of the names.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text)  # the line as typed, never lost
    occurred_at: Mapped[dt.datetime]
    recorded_at: Mapped[dt.datetime]
    author_openid: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64))  # the phone's own id; unique per engagement
    revised_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    # 1 when recorded, +1 on every edit or withdrawal: an edit made against an older version is a conflict.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    engagement: Mapped[Engagement] = relationship()
    baby: Mapped[Baby | None] = relationship()

    __table_args__ = (
        UniqueConstraint("engagement_id", "client_id"),
        Index(BY_DAY, "engagement_id", "occurred_at"),
        Index("ix_diary_entry_engagement_id_author_openid_recorded_at", "engagement_id", "author_openid", "recorded_at"),
        Index(BY_KIND_AND_DAY, "engagement_id", "kind", "occurred_at"),
    )

    def __repr__(self) -> str:
        return f"<DiaryEntry {self.id} {self.kind} at {self.occurred_at}>"


# The table itself, for the Core reads and inserts of the hot paths (plain rows, no unit of work).
DIARY_ENTRIES = cast(Table, DiaryEntry.__table__)


class DiaryRevision(Base):
    """What an entry was before an edit or a withdrawal, who changed it and when."""

    __tablename__ = "diary_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entry.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # edit | withdraw
    before: Mapped[dict[str, Any]] = mapped_column(JSON)  # kind, fields, text, occurred_at
    by_openid: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<DiaryRevision {self.action} of {self.entry_id}>"


class DiaryPhoto(Base):
    """A photo a nurse sent: first a promise to fetch it (written with the message), then its bytes."""

    __tablename__ = "diary_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(191), unique=True)  # the WeChat message's dedup key
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    author_openid: Mapped[str] = mapped_column(String(64))
    media_id: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | fetching | stored | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary().with_variant(MEDIUMBLOB(), "mysql", "mariadb"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("diary_entry.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    stored_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_diary_photo_status_next_attempt_at", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<DiaryPhoto {self.id} {self.status}>"


class KeepsakeCache(Base):
    """The keepsake PDF as last built for an engagement, and the version of the diary it was built from.

    In the database so that every app server shares one copy: a reader asking again on any server,
    while nothing in the diary changed, gets these bytes instead of a new build. A new version
    (an entry added, edited or withdrawn, a rating, a flag, a new day) replaces the row.
    """

    __tablename__ = "keepsake_cache"

    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int]
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary().with_variant(MEDIUMBLOB(), "mysql", "mariadb"))

    def __repr__(self) -> str:
        return f"<KeepsakeCache {self.engagement_id} {self.version[:8]} {self.pages} pages>"


class DiaryFlag(Base):
    """Something in the diary worth a look (DIARY.md thresholds); advice, never a diagnosis.

    ``key`` names the rule and what triggered it (``temperature:17``,
    ``few_feeds:2026-11-20``), so evaluating the same entries again raises nothing twice.
    """

    __tablename__ = "diary_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("diary_entry.id"), index=True)
    key: Mapped[str] = mapped_column(String(191))
    rule: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))  # urgent | watch
    day: Mapped[dt.date] = mapped_column(Date)  # local calendar day it belongs to
    reason: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The entry behind it was withdrawn or the gap filled in later.
    cleared_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_note: Mapped[str | None] = mapped_column(Text)
    # Who acknowledged it (an openid, or "staff:ID" / "agency" for the back office) and how.
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    # A parent said 收到, opened its link or tapped it in the mini-program: an urgent flag stops escalating.
    family_acknowledged_at: Mapped[dt.datetime | None]
    # Urgent flags nobody acknowledged: how many times they were sent again (and to the supervisors), when last.
    escalations: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("engagement_id", "key"),
        Index("ix_diary_flag_engagement_id_day", "engagement_id", "day"),
        Index("ix_diary_flag_severity_escalated", "severity", "family_acknowledged_at", "acknowledged_at"),
    )

    def __repr__(self) -> str:
        return f"<DiaryFlag {self.key} {self.severity}>"


class FlagEvent(Base):
    """Who saw or did what about a flag, and when: sent, opened, acknowledged, escalated.

    Kept for the agency (``GET /admin/v1/flags/ID/events``): the trail of an urgent flag from
    the nurse's line to the person who acted on it.
    """

    __tablename__ = "flag_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("diary_flag.id"))
    action: Mapped[str] = mapped_column(String(16))  # sent | opened | acknowledged | escalated
    actor: Mapped[str | None] = mapped_column(String(64))  # openid, "staff:ID", "agency", None for the system
    role: Mapped[str | None] = mapped_column(String(16))  # parent | supervisor | agency
    channel: Mapped[str | None] = mapped_column(String(16))  # chat | link | miniprogram | api | console | custom | ...
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_flag_event_flag_id_at", "flag_id", "at"),)

    def __repr__(self) -> str:
        return f"<FlagEvent {self.action} of {self.flag_id} by {self.actor}>"
