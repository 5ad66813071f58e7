"""Diary days and entries as chat text (also for the evening digest)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.diary import texts
from bot.diary.days import DaySummary, DayView, EntryView, RatingView
from bot.diary.entries import is_backdated
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


def rating_line(rating: RatingView) -> str:
    return texts.RATING_LINE.format(stars=stars(rating.stars), comment=f" {rating.comment}" if rating.comment else "")


def summary_lines(summary: DaySummary) -> list[str]:
    lines = []
    if summary.feeds:
        lines.append(texts.SUMMARY_FEEDS.format(
            count=summary.feeds,
            ml=texts.SUMMARY_FEEDS_ML.format(ml=summary.feed_ml) if summary.feed_ml else "",
            minutes=texts.SUMMARY_FEEDS_MIN.format(minutes=summary.breast_min) if summary.breast_min else "",
        ))
    if summary.nappies:
        lines.append(texts.SUMMARY_DIAPERS.format(count=summary.nappies, wet=summary.wet, dirty=summary.dirty))
    if summary.sleep_min:
        hours, minutes = divmod(summary.sleep_min, 60)
        lines.append(texts.SUMMARY_SLEEP.format(hours=f"{hours}小时{minutes}分" if hours else f"{minutes}分钟"))
    if summary.temperatures_celsius:
        lines.append(texts.SUMMARY_TEMPS.format(temps="、".join(f"{c:g}℃" for c in summary.temperatures_celsius)))
    if summary.mother_temperatures_celsius:
        lines.append(texts.SUMMARY_MOTHER_TEMPS.format(
            temps="、".join(f"{c:g}℃" for c in summary.mother_temperatures_celsius)))
    return lines


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
    if view.rating is not None:
        lines.append(rating_line(view.rating))
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
