"""A day of the diary as the family reads it: entries in time order, a summary, the rating and the flags."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.engagements import MAX_DATE, MIN_DATE
from bot.diary.entries import is_backdated
from bot.diary.flags import flags_of_day
from bot.diary.parse import body_of
from bot.errors import BadRequest
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
    version: int = 1


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


def entry_view(entry: DiaryEntry) -> EntryView:
    """What readers see of one entry."""
    return EntryView(
        id=entry.id, kind=entry.kind, fields=dict(entry.fields), text=entry.text, body=body_of(entry.text),
        occurred_at=entry.occurred_at, recorded_at=entry.recorded_at, author=entry.author_openid,
        client_id=entry.client_id, revised=entry.revised_at is not None, backdated=is_backdated(entry),
        version=entry.version,
    )


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a local calendar day starts and ends at (years 2000 to 2100)."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadRequest(f"日期 {day.isoformat()} 超出范围 (date out of range)", code="invalid_date")
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


def day_view(session: Session, engagement: Engagement, day: dt.date, tz: ZoneInfo) -> DayView:
    """One local day: entries in time order, its summary, its rating and its flags."""
    entries = entries_of_day(session, engagement.id, day, tz)
    flags = flags_of_day(session, engagement.id, day)
    rating = session.scalar(select(Rating).where(Rating.engagement_id == engagement.id, Rating.day == day))
    return DayView(
        date=day,
        entries=[entry_view(e) for e in entries],
        summary=_summarise(day, entries, flags),
        rating=RatingView(rating.stars, rating.comment, rating.rated_by, rating.updated_at) if rating else None,
        flags=[
            FlagView(f.id, f.entry_id, f.rule, f.severity, f.reason, f.raised_at, f.acknowledged_at is not None)
            for f in flags
        ],
    )


def summaries(session: Session, engagement: Engagement, first: dt.date, last: dt.date, tz: ZoneInfo) -> list[DaySummary]:
    """The totals of every local day from ``first`` to ``last``: two queries, whatever the span."""
    start, _ = day_bounds(first, tz)
    _, end = day_bounds(last, tz)
    by_day: dict[dt.date, list[DiaryEntry]] = {}
    for entry in session.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.engagement_id == engagement.id, DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at < end,
               DiaryEntry.withdrawn_at.is_(None))
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    ):
        by_day.setdefault(entry.occurred_at.astimezone(tz).date(), []).append(entry)
    flags_by_day: dict[dt.date, list[DiaryFlag]] = {}
    for flag in session.scalars(
        select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id, DiaryFlag.day >= first, DiaryFlag.day <= last,
                                DiaryFlag.cleared_at.is_(None))
    ):
        flags_by_day.setdefault(flag.day, []).append(flag)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [_summarise(day, by_day.get(day, []), flags_by_day.get(day, [])) for day in days]
