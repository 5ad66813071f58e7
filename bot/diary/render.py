"""Diary days and entries as chat text (also for the evening digest)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.diary import texts
from bot.diary.days import DaySummary, DayView, EntryView, RatingView
from bot.diary.entries import is_backdated
from bot.diary.kinds import in_order
from bot.diary.parse import body_of
from bot.models import DiaryEntry, DiaryFlag, Engagement


def hhmm(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def entry_line(entry: DiaryEntry | EntryView, tz: ZoneInfo, backdated: bool) -> str:
    body = texts.PHOTO_LINE if entry.kind == "photo" else body_of(entry.text)
    line = texts.RECORDED_LINE.format(time=hhmm(entry.occurred_at, tz), text=body)
    return line + (texts.BACKDATED if backdated else "")


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def rating_line(ratings: list[RatingView]) -> str:
    """Every member's own rating on one line: 评分：★★★★★ 家人1 很细心 / ★★★★☆ 家人2."""
    return texts.RATING_LINE.format(ratings=" / ".join(
        f"{stars(r.stars)} {r.member}" + (f" {r.comment}" if r.comment else "") for r in ratings
    ))


def summary_lines(summary: DaySummary) -> list[str]:
    """The day's totals as lines of text, each kind's in its ``order``."""
    return [line for kind in in_order() if kind.summary_lines is not None for line in kind.summary_lines(summary)]


def day_text(view: DayView, engagement: Engagement, tz: ZoneInfo, today: dt.date) -> str:
    """The day as the family reads it in chat: entries with HH:MM, then summary, flags and rating."""
    lines = [texts.DAY_HEADER.format(family=engagement.baby_nickname or engagement.family_name,
                                     date=view.date.isoformat(), weekday=texts.WEEKDAYS[view.date.weekday()])]
    flagged = {f.entry_id for f in view.flags}
    if not view.entries:
        lines.append(texts.DAY_EMPTY)
    for entry in view.entries:
        line = entry_line(entry, tz, entry.backdated)
        lines.append(("⚠️" if entry.id in flagged else "") + line)
    summary = summary_lines(view.summary)
    if summary:
        lines.append(texts.SUMMARY_HEADER)
        lines += summary
    if view.flags:
        lines.append(texts.SUMMARY_FLAGS.format(count=len(view.flags)))
        lines += [f"{texts.FLAG_SEVERITY[f.severity]} {f.reason}" for f in view.flags]
    if view.ratings:
        lines.append(rating_line(view.ratings))
    elif view.date == today:
        lines.append(texts.NO_RATING)
    return "\n".join(lines)


def recorded_text(entries: list[DiaryEntry], flags: list[DiaryFlag], tz: ZoneInfo) -> str:
    """The nurse's confirmation: every entry with its HH:MM, and any flag it raised."""
    lines = [texts.RECORDED_HEADER.format(n=len(entries))]
    lines += [entry_line(e, tz, is_backdated(e)) for e in entries]
    if flags:
        lines.append(texts.RECORDED_FLAGS)
        lines += [f"{texts.FLAG_SEVERITY[f.severity]} {f.reason}" for f in flags]
    return "\n".join(lines)
