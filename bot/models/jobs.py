"""Scheduled jobs: a lease per job so that only one process runs it at a time, and a history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.clock import utcnow
from bot.models.base import Base


class JobLock(Base):
    """Who holds a job now; a lease that expires, so a crashed holder does not block forever."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<JobLock {self.name} held by {self.owner} until {self.locked_until}>"


class JobRun(Base):
    """One run of a job: when, by whom, and what it did."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | error
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_job_run_name_started_at", "name", "started_at"),)

    def __repr__(self) -> str:
        return f"<JobRun {self.name} {self.outcome}>"
