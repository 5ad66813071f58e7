"""Flags from the thresholds of DIARY.md, raised when entries are recorded.

A flag is advice to look, never a diagnosis. Each is stored once (``key`` names
the rule and what triggered it), shown on its day, queued to every parent of the
engagement and every supervisor of its agency through the outbox (in the
transaction that raised it), and listed to the agency (``GET /admin/v1/flags``).
Rules over a time window are computed on the recorded timeline only: "fewer
than 8 feeds in 24 hours" needs 24 hours of diary before it can be said.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.diary import texts
from bot.diary.engagements import parents_of
from bot.models import DiaryEntry, DiaryFlag, Engagement
from bot.outbox import enqueue
from bot.registry.supervisors import supervisors_of

URGENT = "urgent"
WATCH = "watch"
FEED_GAP = dt.timedelta(hours=4)
WET_GAP = dt.timedelta(hours=8)
WINDOW = dt.timedelta(hours=24)
MIN_FEEDS = 8
MIN_WET = 6
LOW_MOOD_SPAN = dt.timedelta(days=14)


@dataclass(frozen=True)
class _Finding:
    key: str
    rule: str
    severity: str
    reason: str
    entry: DiaryEntry


def day_of_life(engagement: Engagement, moment: dt.datetime, tz: ZoneInfo) -> int | None:
    """Day 1 is the day of birth; None when the agency gave no birth date."""
    if engagement.baby_birth_date is None:
        return None
    return (moment.astimezone(tz).date() - engagement.baby_birth_date).days + 1


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}小时{minutes % 60:02d}分"


def _entry_ref(entry: DiaryEntry) -> str:
    # The reading, not the row: an edit that changes the values is a new reading with new flags, while an
    # edit that keeps them (a typo in the text) keeps its flags and sends nobody the same alert again.
    day = entry.occurred_at.astimezone(dt.UTC).date().isoformat()
    reading = json.dumps([entry.kind, entry.fields, day], sort_keys=True, default=str)
    return f"{entry.id}:{hashlib.sha1(reading.encode()).hexdigest()[:12]}"


def _timeline(session: Session, engagement_id: int, kind: str, start: dt.datetime, end: dt.datetime) -> list[DiaryEntry]:
    return list(session.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.engagement_id == engagement_id, DiaryEntry.kind == kind, DiaryEntry.withdrawn_at.is_(None),
               DiaryEntry.occurred_at >= start, DiaryEntry.occurred_at <= end)
        .order_by(DiaryEntry.occurred_at, DiaryEntry.id)
    ))


def _diary_starts(session: Session, engagement_id: int) -> dt.datetime | None:
    return session.scalar(
        select(DiaryEntry.occurred_at)
        .where(DiaryEntry.engagement_id == engagement_id, DiaryEntry.withdrawn_at.is_(None))
        .order_by(DiaryEntry.occurred_at).limit(1)
    )


def _instant(engagement: Engagement, entry: DiaryEntry, tz: ZoneInfo) -> list[_Finding]:
    """Rules that one entry decides on its own."""
    f, ref, found = entry.fields, _entry_ref(entry), []
    day = day_of_life(engagement, entry.occurred_at, tz)
    reasons = texts.FLAG_REASONS

    def add(rule: str, severity: str, **values: object) -> None:
        found.append(_Finding(f"{rule}:{ref}", rule, severity, reasons[rule].format(**values), entry))

    if entry.kind == "temperature" and isinstance(f.get("celsius"), int | float):
        c = float(f["celsius"])
        if c >= 38.0:
            add("fever", URGENT, celsius=c)
        elif c < 36.0:
            add("low_temperature", URGENT, celsius=c)
        elif c >= 37.5:
            add("raised_temperature", WATCH, celsius=c)
    elif entry.kind == "diaper" and f.get("stool"):
        colour = f.get("colour")
        if colour == "white-grey":
            add("pale_stool", URGENT)
        elif colour == "red":
            add("red_stool", URGENT)
        elif colour == "black" and day is not None and day > 5:
            add("black_stool", WATCH)
    elif entry.kind == "jaundice" and not f.get("resolved"):
        if day == 1:
            add("early_jaundice", URGENT)
        if f.get("extent") in ("legs", "soles"):
            add("spreading_jaundice", URGENT, extent=texts.JAUNDICE_EXTENTS[f["extent"]])
        if day is not None and day >= 14:
            add("lasting_jaundice", WATCH, day=day)
    elif entry.kind == "weight" and engagement.birth_weight_g and isinstance(f.get("grams"), int | float):
        grams, birth = f["grams"], engagement.birth_weight_g
        if grams < birth * 0.9:
            add("weight_loss", WATCH, grams=round(grams), birth=birth, percent=round((birth - grams) * 100 / birth, 1))
    elif entry.kind == "cord_care" and f.get("condition") in texts.CORD_CONDITIONS:
        add("cord", WATCH, condition=texts.CORD_CONDITIONS[f["condition"]])
    elif entry.kind == "mother_temperature" and isinstance(f.get("celsius"), int | float) and f["celsius"] >= 38.0:
        add("mother_fever", URGENT, celsius=f["celsius"])
    elif entry.kind == "blood_pressure":
        sys_, dia = f.get("systolic_mmhg"), f.get("diastolic_mmhg")
        if isinstance(sys_, int) and isinstance(dia, int):
            if sys_ >= 160 or dia >= 110:
                add("blood_pressure_urgent", URGENT, bp=f"{sys_}/{dia}")
            elif sys_ >= 140 or dia >= 90:
                add("blood_pressure_high", WATCH, bp=f"{sys_}/{dia}")
    elif entry.kind == "lochia":
        if f.get("smell"):
            add("lochia_smell", WATCH)
        if f.get("colour") == "red" and f.get("bright") and day is not None and day > 10:
            add("lochia_red", WATCH, day=day)
    elif entry.kind == "mood" and isinstance(f.get("epds"), int) and f["epds"] >= 10:
        add("epds", WATCH, score=f["epds"])
    return found


def _feeds(session: Session, engagement: Engagement, entry: DiaryEntry, now: dt.datetime, tz: ZoneInfo) -> list[_Finding]:
    found: list[_Finding] = []
    around = _timeline(session, engagement.id, "feeding", entry.occurred_at - WINDOW, entry.occurred_at + WINDOW)
    around = [e for e in around if e.fields.get("type") != "water"]
    if entry not in around:
        return found
    i = around.index(entry)
    prev = around[i - 1] if i > 0 else None
    nxt = around[i + 1] if i + 1 < len(around) else None
    for a, b in ((prev, entry), (entry, nxt)):
        if a is not None and b is not None and b.occurred_at - a.occurred_at > FEED_GAP:
            found.append(_Finding(f"feed_gap:{a.id}:{b.id}", "feed_gap", WATCH,
                                  texts.FLAG_REASONS["feed_gap"].format(hours=_hours(b.occurred_at - a.occurred_at)), b))
    if prev is not None and nxt is not None:
        _clear_keys(session, engagement.id, [f"feed_gap:{prev.id}:{nxt.id}"], now)  # the gap is filled in
    starts = _diary_starts(session, engagement.id)
    window_start = entry.occurred_at - WINDOW
    if starts is not None and starts <= window_start:
        count = sum(1 for e in around if window_start < e.occurred_at <= entry.occurred_at)
        if count < MIN_FEEDS:
            found.append(_Finding(f"few_feeds:{entry.occurred_at.astimezone(tz).date().isoformat()}", "few_feeds", WATCH,
                                  texts.FLAG_REASONS["few_feeds"].format(count=count), entry))
    return found


def _nappies(session: Session, engagement: Engagement, entry: DiaryEntry, tz: ZoneInfo) -> list[_Finding]:
    day = day_of_life(engagement, entry.occurred_at, tz)
    if day is None or day < 6:
        return []
    found: list[_Finding] = []
    around = _timeline(session, engagement.id, "diaper", entry.occurred_at - WINDOW, entry.occurred_at)
    wet = [e for e in around if e.fields.get("wet")]
    if entry.fields.get("wet"):
        earlier = [e for e in wet if e.occurred_at < entry.occurred_at]
        if earlier and entry.occurred_at - earlier[-1].occurred_at > WET_GAP:
            gap = entry.occurred_at - earlier[-1].occurred_at
            found.append(_Finding(f"no_wet:{earlier[-1].id}:{entry.id}", "no_wet", WATCH,
                                  texts.FLAG_REASONS["no_wet"].format(hours=_hours(gap)), entry))
    starts = _diary_starts(session, engagement.id)
    window_start = entry.occurred_at - WINDOW
    if starts is not None and starts <= window_start:
        count = sum(1 for e in wet if e.occurred_at > window_start)
        if count < MIN_WET:
            found.append(_Finding(f"few_wet:{entry.occurred_at.astimezone(tz).date().isoformat()}", "few_wet", WATCH,
                                  texts.FLAG_REASONS["few_wet"].format(count=count), entry))
    return found


def _low_mood(session: Session, engagement: Engagement, entry: DiaryEntry) -> list[_Finding]:
    if entry.fields.get("mood") != "low":
        return []
    moods = _timeline(session, engagement.id, "mood", entry.occurred_at - dt.timedelta(days=60), entry.occurred_at)
    streak_start = None
    for mood in moods:
        if mood.fields.get("mood") == "low":
            streak_start = streak_start or mood
        elif mood.fields.get("mood") == "good":
            streak_start = None
    if streak_start is None or entry.occurred_at - streak_start.occurred_at <= LOW_MOOD_SPAN:
        return []
    return [_Finding(f"low_mood:{streak_start.id}", "low_mood", WATCH, texts.FLAG_REASONS["low_mood"], entry)]


def evaluate(
    session: Session, engagement: Engagement, entries: Sequence[DiaryEntry], now: dt.datetime, tz: ZoneInfo
) -> list[DiaryFlag]:
    """Raise the flags these (just recorded) entries call for; return the newly raised ones."""
    session.flush()
    findings: list[_Finding] = []
    for entry in entries:
        if entry.withdrawn_at is not None:
            continue
        findings += _instant(engagement, entry, tz)
        if entry.kind == "feeding" and entry.fields.get("type") != "water":
            findings += _feeds(session, engagement, entry, now, tz)
        elif entry.kind == "diaper":
            findings += _nappies(session, engagement, entry, tz)
        elif entry.kind == "mood":
            findings += _low_mood(session, engagement, entry)
    raised = []
    for finding in findings:
        flag = _raise(session, engagement, finding, now, tz)
        if flag is not None:
            raised.append(flag)
    return raised


def _raise(session: Session, engagement: Engagement, finding: _Finding, now: dt.datetime, tz: ZoneInfo) -> DiaryFlag | None:
    exists = session.scalar(select(DiaryFlag).where(DiaryFlag.engagement_id == engagement.id, DiaryFlag.key == finding.key))
    if exists is not None:
        # The same finding again (an edit that kept the reading): shown again, not sent again.
        exists.cleared_at = None
        return None
    local = finding.entry.occurred_at.astimezone(tz)
    flag = DiaryFlag(
        engagement_id=engagement.id, entry_id=finding.entry.id, key=finding.key, rule=finding.rule,
        severity=finding.severity, day=local.date(), reason=finding.reason, raised_at=now,
    )
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:  # raised concurrently by another process
        return None
    notice = texts.FLAG_NOTICE.format(
        family=engagement.baby_nickname or engagement.family_name, time=local.strftime(" %m-%d %H:%M"),
        reason=texts.FLAG_SEVERITY[flag.severity] + " " + flag.reason,
    )
    for openid in parents_of(session, engagement.id):
        enqueue(session, key=f"flag:{flag.id}:{openid}", openid=openid, kind="flag", text=notice)
    supervisors = supervisors_of(session, engagement.agency_id)
    if supervisors:
        agency_notice = texts.FLAG_NOTICE_AGENCY.format(
            family=engagement.family_name, worker=engagement.worker.name, time=local.strftime(" %m-%d %H:%M"),
            reason=texts.FLAG_SEVERITY[flag.severity] + " " + flag.reason,
        )
        for openid in supervisors:
            enqueue(session, key=f"flag:{flag.id}:{openid}", openid=openid, kind="flag", text=agency_notice)
    return flag


def _clear_keys(session: Session, engagement_id: int, keys: list[str], now: dt.datetime) -> None:
    for flag in session.scalars(select(DiaryFlag).where(DiaryFlag.engagement_id == engagement_id, DiaryFlag.key.in_(keys),
                                                        DiaryFlag.cleared_at.is_(None))):
        flag.cleared_at = now


def clear_for_entry(session: Session, entry_id: int, now: dt.datetime) -> None:
    """The entry behind these flags was withdrawn or changed: they no longer stand."""
    for flag in session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id == entry_id, DiaryFlag.cleared_at.is_(None))):
        flag.cleared_at = now


def flags_of_day(session: Session, engagement_id: int, day: dt.date) -> list[DiaryFlag]:
    return list(session.scalars(
        select(DiaryFlag).where(DiaryFlag.engagement_id == engagement_id, DiaryFlag.day == day, DiaryFlag.cleared_at.is_(None))
        .order_by(DiaryFlag.id)
    ))


def flags_of_entries(session: Session, entry_ids: Sequence[int]) -> list[DiaryFlag]:
    if not entry_ids:
        return []
    return list(session.scalars(
        select(DiaryFlag).where(DiaryFlag.entry_id.in_(list(entry_ids)), DiaryFlag.cleared_at.is_(None)).order_by(DiaryFlag.id)
    ))


def agency_flags(session: Session, agency_id: int, open_only: bool = False) -> list[tuple[DiaryFlag, Engagement]]:
    """The flags of an agency's engagements, newest first (``open_only``: not acknowledged nor cleared)."""
    query = (
        select(DiaryFlag, Engagement).join(Engagement, Engagement.id == DiaryFlag.engagement_id)
        .where(Engagement.agency_id == agency_id)
        .order_by(DiaryFlag.raised_at.desc(), DiaryFlag.id.desc())
    )
    if open_only:
        query = query.where(DiaryFlag.acknowledged_at.is_(None), DiaryFlag.cleared_at.is_(None))
    return [(flag, engagement) for flag, engagement in session.execute(query)]


def acknowledge_flag(session: Session, agency_id: int, flag_id: int, note: str | None, now: dt.datetime) -> DiaryFlag | None:
    """Mark a flag seen by the agency; None if it is not one of the agency's."""
    flag = session.scalar(
        select(DiaryFlag).join(Engagement, Engagement.id == DiaryFlag.engagement_id)
        .where(DiaryFlag.id == flag_id, Engagement.agency_id == agency_id)
    )
    if flag is None:
        return None
    if flag.acknowledged_at is None:
        flag.acknowledged_at = now
        flag.acknowledged_note = note
    return flag
