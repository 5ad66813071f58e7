"""Diary days and entries as chat text (also for the evening digest)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.diary import texts
from bot.diary.babies import BabyRef
from bot.diary.days import DaySummary, DayView, EntryView, FlagView, RatingView, entry_body
from bot.diary.entries import is_backdated
from bot.diary.kinds import AGENCY_ONLY, MOTHER, URGENT, EntryKind, describe, flagged_entries, in_order
from bot.diary.kinds.notes import danger_signs
from bot.diary.parse import body_of
from bot.diary.refs import EngagementLike, family_title
from bot.models import DiaryEntry, DiaryFlag


def hhmm(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def entry_line(entry: DiaryEntry | EntryView, tz: ZoneInfo, backdated: bool, baby: str | None = None) -> str:
    """``HH:MM`` and the entry as it reads (``配方奶 90ml``), its baby in twin families, 补记 when written late."""
    # A view already holds its body: a day of thirty entries need not describe each again.
    body = entry.body if isinstance(entry, EntryView) else entry_body(entry.kind, entry.fields, entry.text)
    if baby is not None:  # twins: which baby
        body = texts.BABY_PREFIX.format(baby=baby, text=body)
    line = texts.RECORDED_LINE.format(time=hhmm(entry.occurred_at, tz), text=body)
    return line + (texts.BACKDATED if backdated else "")


def baby_label(entry: DiaryEntry, babies: Sequence[BabyRef]) -> str | None:
    """The label of the baby a twin's entry is about, among its engagement's ``babies`` (None: one baby, or the
    mother's entry)."""
    if entry.baby_id is None:
        return None
    return next((b.label for b in babies if b.id == entry.baby_id), None)


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def rating_line(ratings: list[RatingView]) -> str:
    """Every member's own rating on one line: 评分：★★★★★ 妈妈 很细心 / ★★★★☆ 爸爸."""
    return texts.RATING_LINE.format(ratings=" / ".join(
        f"{stars(r.stars)} {r.member}" + (f" {r.comment}" if r.comment else "") for r in ratings
    ))


def summary_lines(summary: DaySummary) -> list[str]:
    """The day's totals as lines of text, each kind's in its ``order``; twins: one line per baby
    (``大宝：喂奶 3 次，共 270ml；尿布 2 次…``), then the mother's."""
    if not summary.by_baby:
        return _kind_lines(summary, in_order())
    babies_kinds = [k for k in in_order() if k.about != MOTHER]
    lines = [texts.BABY_SUMMARY.format(baby=b.label, lines="；".join(_kind_lines(b.summary, babies_kinds)))
             for b in summary.by_baby if _kind_lines(b.summary, babies_kinds)]
    return lines + _kind_lines(summary, [k for k in in_order() if k.about == MOTHER])


def _kind_lines(summary: DaySummary, kinds: Sequence[EntryKind]) -> list[str]:
    return [line for kind in kinds if kind.summary_lines is not None for line in kind.summary_lines(summary)]


def flag_lines(flags: Sequence[FlagView]) -> list[str]:
    """The family's flags under one heading (none: no lines): urgent ones first, and the same warning raised by
    several entries once, with how many times (the entries themselves carry their ⚠️)."""
    if not flags:
        return []
    counted: dict[tuple[str, str], int] = {}
    for flag in sorted(flags, key=lambda f: f.severity != URGENT):
        counted[(flag.severity, flag.reason)] = counted.get((flag.severity, flag.reason), 0) + 1
    return [texts.SUMMARY_FLAGS.format(count=len(counted))] + [
        f"{texts.FLAG_SEVERITY[severity]} {reason}" + (texts.FLAG_TIMES.format(count=count) if count > 1 else "")
        for (severity, reason), count in counted.items()]


def day_text(view: DayView, engagement: EngagementLike, tz: ZoneInfo, today: dt.date) -> str:
    """The day as the family reads it in chat: the summary first, then what needs a look, then one line per entry
    (as it reads, not as typed: 原文 shows the nurse's lines) in time order, and the rating."""
    lines = [texts.DAY_HEADER.format(family=family_title(engagement, view.babies), date=view.date.isoformat(),
                                     weekday=texts.WEEKDAYS[view.date.weekday()])]
    summary = summary_lines(view.summary)
    if summary:
        lines += [texts.SUMMARY_FIRST.format(line=summary[0]), *summary[1:]]
    flags = view.family_flags
    lines += flag_lines(flags)
    flagged = flagged_entries(flags)
    babies = {b.id: b.label for b in view.babies}
    if view.entries:
        command = texts.ORIGINALS_COMMAND if view.date == today else texts.ORIGINALS_COMMAND_DAY.format(
            month=view.date.month, day=view.date.day)
        lines.append(texts.ENTRIES_HEADER.format(count=len(view.entries), command=command))
    else:
        lines.append(texts.DAY_EMPTY)
    for entry in view.entries:
        line = entry_line(entry, tz, entry.backdated, babies.get(entry.baby_id or 0))
        lines.append(("⚠️" if entry.id in flagged else "") + line)
    if view.ratings:
        lines.append(rating_line(view.ratings))
    elif view.date == today:
        lines.append(texts.NO_RATING)
    return "\n".join(lines)


def originals_text(view: DayView, engagement: EngagementLike, tz: ZoneInfo) -> str:
    """The nurse's own lines of the day, each once (a line that made several entries is one line), in time order."""
    lines = [texts.ORIGINALS_HEADER.format(family=family_title(engagement, view.babies), date=view.date.isoformat())]
    seen: set[tuple[str, dt.datetime]] = set()  # a line: its text as it came in (every entry it made shares both)
    for entry in view.entries:
        if entry.kind == "photo" or (entry.text, entry.recorded_at) in seen:
            continue
        seen.add((entry.text, entry.recorded_at))
        lines.append(texts.RECORDED_LINE.format(time=hhmm(entry.occurred_at, tz), text=entry.original))
    if len(lines) == 1:
        lines.append(texts.DAY_EMPTY)
    return "\n".join(lines)


# WeChat's limit for a text message (passive reply and customer-service message): 2,048 bytes of UTF-8.
WECHAT_TEXT_BYTES = 2048


def when_text(entry: DiaryEntry, tz: ZoneInfo, sent_day: dt.date | None) -> str:
    """``07:30``, ``14:00–14:30`` for a span, and the day when it is not the day the message was sent."""
    start = entry.occurred_at.astimezone(tz)
    text = start.strftime("%H:%M")
    duration = entry.fields.get("duration_min")
    if entry.kind == "sleep" and isinstance(duration, int) and duration > 0:
        text += "–" + (start + dt.timedelta(minutes=duration)).strftime("%H:%M")
    if sent_day is not None and start.date() != sent_day:
        offset = (start.date() - sent_day).days
        text = f"{texts.DAY_NAMES.get(offset, start.strftime('%m-%d'))} {text}"
    return text


def recorded_line(entry: DiaryEntry, tz: ZoneInfo, sent_day: dt.date | None, babies: Sequence[BabyRef] = (),
                  flagged: bool = False) -> str:
    """``flagged``: the entry raised a flag (a note telling a danger sign is understood: not "please rephrase")."""
    when = when_text(entry, tz, sent_day)
    baby = baby_label(entry, babies)
    mark = texts.BABY_PREFIX.format(baby=baby, text="") if baby is not None else ""  # twins: 07:30 【大宝】喂奶
    if entry.kind == "note":
        template = texts.RECORDED_FLAGGED_NOTE if flagged else texts.RECORDED_NOTE
        line = template.format(time=when, text=mark + body_of(entry.text))
    elif entry.kind == "photo":
        line = texts.RECORDED_ENTRY.format(time=when, what=mark + texts.PHOTO_LINE)
    else:
        line = texts.RECORDED_ENTRY.format(time=when, what=mark + describe(entry.kind, entry.fields))
    return line + (texts.BACKDATED if is_backdated(entry) else "")


def recorded_text(
    entries: list[DiaryEntry], flags: list[DiaryFlag], tz: ZoneInfo, *,
    sent_day: dt.date | None = None, refused: Sequence[tuple[str, str]] = (), header: str | None = None,
    babies: Sequence[BabyRef] = (),
) -> str:
    """The nurse's confirmation: every entry as understood (with its day when not the message's, and its baby
    among the engagement's ``babies``), any flag it raised, and every line refused with the reason; cut to fit one
    WeChat text."""
    top = [header] if header else []
    if entries:
        top.append(texts.RECORDED_HEADER.format(n=len(entries)))
    elif refused:
        top.append(texts.NOTHING_RECORDED)
    flagged = {f.entry_id for f in flags} | _notes_telling(entries, flags)
    body = [recorded_line(e, tz, sent_day, babies, e.id in flagged) for e in entries]
    tail: list[str] = []
    family = [f for f in flags if f.rule not in AGENCY_ONLY]
    agency = [f for f in flags if f.rule in AGENCY_ONLY]
    if family:
        tail.append(texts.RECORDED_FLAGS)
        tail += [f"{texts.FLAG_SEVERITY[f.severity]} {f.reason}" for f in family]
    if agency:  # the safety net: the supervisor looks at it, the family is not alarmed by a guess
        tail.append(texts.RECORDED_REVIEW)
        tail += [f"{texts.FLAG_SEVERITY[f.severity]} {f.reason}" for f in agency]
    if refused:
        tail.append(texts.REFUSED_HEADER.format(n=len(refused)))
        tail += [texts.REFUSED_LINE.format(line=line, reason=reason) for line, reason in refused]
    return fit_text(top, body, tail)


def _notes_telling(entries: list[DiaryEntry], flags: list[DiaryFlag]) -> set[int]:
    """The notes whose own text tells a sign flagged in this reply: a sign told beside a reading (9点 体温38.6
    宝宝有点蔫) is flagged on the line's first entry, and its note is understood, not "please rephrase"."""
    rules = {f.rule for f in flags}
    return {e.id for e in entries
            if e.kind == "note" and rules and any(rule in rules for rule, _level in danger_signs(e.text or ""))}


def fit_text(top: list[str], body: list[str], tail: list[str], limit: int = WECHAT_TEXT_BYTES) -> str:
    """``top``, ``body`` and ``tail`` as one text within ``limit`` bytes: body lines are dropped from the end
    (and counted) first, then the tail's lines are shortened."""
    def size(lines: list[str]) -> int:
        return len("\n".join(lines).encode("utf-8"))

    shown = list(body)
    while shown and size([*top, *shown, texts.RECORDED_MORE.format(n=len(body)), *tail]) > limit:
        shown.pop()
    lines = [*top, *shown]
    if len(shown) < len(body):
        lines.append(texts.RECORDED_MORE.format(n=len(body) - len(shown)))
    lines += tail
    text = "\n".join(lines)
    while len(text.encode("utf-8")) > limit:
        text = text[:-2] + "…"
    return text
