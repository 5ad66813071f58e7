"""An agency's staff accounts for the back office (``/console``), and the babies of an engagement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.models.base import Base

STAFF_ROLES = ("admin", "supervisor", "clerk")


class Staff(Base):
    """A person of an agency who signs in to the console: a username (or phone) and a password hash."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)  # stored lower-case
    # Keyed digest of the phone number (signs in with it); the number itself is not kept.
    phone_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The same number encrypted (``staff.phone``): a supervisor's urgent flags by SMS. Never shown unmasked.
    phone_enc: Mapped[str | None] = mapped_column(Text)
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16))  # one of STAFF_ROLES
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Counted in the database (failed_logins = failed_logins + 1), never read-modified-written in Python.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    # A console cookie carries the epoch it was issued under; bumping it signs the account out everywhere.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Staff {self.username} {self.role} of agency {self.agency_id}>"


class PhoneView(Base):
    """A staff member saw a phone number in full (a worker's, or an engagement's family's), as a lookup is logged:
    who, whose, from which page, when."""

    __tablename__ = "phone_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"))
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagement.id"))
    page: Mapped[str] = mapped_column(String(16))  # worker | flags

    __table_args__ = (Index("ix_phone_view_agency_id_at", "agency_id", "at"),)

    def __repr__(self) -> str:
        return f"<PhoneView by staff {self.staff_id} at {self.at:%Y-%m-%d %H:%M}>"


class Baby(Base):
    """One baby of an engagement (twins are two rows); the first is also summed up on the engagement."""

    __tablename__ = "baby"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    position: Mapped[int] = mapped_column(default=1)  # 1 = first-born
    nickname: Mapped[str | None] = mapped_column(String(50))
    sex: Mapped[str | None] = mapped_column(String(8))  # female | male
    born_at: Mapped[dt.datetime | None]  # the hour of birth, when known (jaundice thresholds use it)
    born_on: Mapped[dt.date | None] = mapped_column(Date)  # the local calendar day of birth
    gestation_weeks: Mapped[int | None]
    birth_weight_g: Mapped[int | None]
    # AAP 2022 hyperbilirubinemia neurotoxicity risk factors, comma-separated (bot.diary.kinds.jaundice.RISK_FACTORS);
    # "" when the agency said there are none, NULL when nobody said (the lower, risk-factor curves are used then).
    risk_factors: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (Index("ix_baby_engagement_id_position", "engagement_id", "position", unique=True),)

    def __repr__(self) -> str:
        return f"<Baby {self.position} of engagement {self.engagement_id}>"
