"""A day of the diary as the family reads it: entries in time order, a summary, the rating and the flags."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.entries import is_backdated
from bot.diary.flags import flags_of_day
from bot.diary.parse import body_of
from bot.models import DiaryEntry, DiaryFlag, Engagement, Rating


@dataclass(frozen=True)
class EntryView:
    id: int
    kind: str
    fields: dict[str, Any]
    text: str
    body: str  # the text without its leading time
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    author: str
    client_id: str | None
    revised: bool
    backdated: bool


@dataclass(frozen=True)
class FlagView:
    id: int
    entry_id: int | None
    rule: str
    severity: str
    reason: str
    raised_at: dt.datetime
    acknowledged: bool


@dataclass(frozen=True)
class RatingView:
    stars: int
    comment: str | None
    rated_by: str
    updated_at: dt.datetime


@dataclass
class DaySummary:
    """Totals of one day, for the chat summary, the digest and the charts."""

    date: dt.date
    entries: int = 0
    feeds: int = 0
    feed_ml: int = 0
    breast_min: int = 0
    nappies: int = 0
    wet: int = 0
    dirty: int = 0
    sleep_min: int = 0
    temperatures_celsius: list[float] = field(default_factory=list)
    mother_temperatures_celsius: list[float] = field(default_factory=list)
    flags: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        return data


@dataclass
class DayView:
    date: dt.date
    entries: list[EntryView]
    summary: DaySummary
    rating: RatingView | None
    flags: list[FlagView]


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local calendar day starts and ends at."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def entries_of_day(session: Session, engagement_id: int, day: dt.date, tz: ZoneInfo) -> list[DiaryEntry]:
    start, end = day_bounds(day, tz)
    return list(session.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.engagement_id == engagement_id, DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at < end,
               DiaryEntry.withdrawn_at.is_(None))
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    ))


def _summarise(day: dt.date, entries: list[DiaryEntry], flags: list[DiaryFlag]) -> DaySummary:
    summary = DaySummary(date=day, entries=len(entries), flags=len(flags))
    asleep_since: dt.datetime | None = None
    for entry in entries:
        f = entry.fields
        if entry.kind == "feeding" and f.get("type") != "water":
            summary.feeds += 1
            summary.feed_ml += int(f.get("amount_ml") or 0)
            if f.get("type") == "breast":
                summary.breast_min += int(f.get("duration_min") or 0)
        elif entry.kind == "diaper":
            summary.nappies += 1
            summary.wet += 1 if f.get("wet") else 0
            summary.dirty += 1 if f.get("stool") else 0
        elif entry.kind == "sleep":
            if f.get("duration_min"):
                summary.sleep_min += int(f["duration_min"])
            elif f.get("state") == "asleep":
                asleep_since = entry.occurred_at
            elif f.get("state") == "awake" and asleep_since is not None:
                summary.sleep_min += int((entry.occurred_at - asleep_since).total_seconds() // 60)
                asleep_since = None
        elif entry.kind == "temperature" and f.get("celsius") is not None:
            summary.temperatures_celsius.append(float(f["celsius"]))
        elif entry.kind == "mother_temperature" and f.get("celsius") is not None:
            summary.mother_temperatures_celsius.append(float(f["celsius"]))
    return summary


def day_summary(session: Session, engagement: Engagement, day: dt.date, tz: ZoneInfo) -> DaySummary:
    """The totals of one local day (feeds and ml, nappies wet/dirty, sleep, temperatures, flags)."""
    return _summarise(day, entries_of_day(session, engagement.id, day, tz), flags_of_day(session, engagement.id, day))


def day_view(session: Session, engagement: Engagement, day: dt.date, tz: ZoneInfo) -> DayView:
    """One local day: entries in time order, its summary, its rating and its flags."""
    entries = entries_of_day(session, engagement.id, day, tz)
    flags = flags_of_day(session, engagement.id, day)
    rating = session.scalar(select(Rating).where(Rating.engagement_id == engagement.id, Rating.day == day))
    return DayView(
        date=day,
        entries=[
            EntryView(
                id=e.id, kind=e.kind, fields=dict(e.fields), text=e.text, body=body_of(e.text),
                occurred_at=e.occurred_at, recorded_at=e.recorded_at, author=e.author_openid, client_id=e.client_id,
                revised=e.revised_at is not None, backdated=is_backdated(e),
            )
            for e in entries
        ],
        summary=_summarise(day, entries, flags),
        rating=RatingView(rating.stars, rating.comment, rating.rated_by, rating.updated_at) if rating else None,
        flags=[
            FlagView(f.id, f.entry_id, f.rule, f.severity, f.reason, f.raised_at, f.acknowledged_at is not None)
            for f in flags
        ],
    )
