"""The nurse's chat language: one line, one diary entry.

``parse_lines(text, sent_at, tz)`` turns a message into entries. A line may begin
with a time (``7:30``, ``7点半``, ``7时30分``, ``下午3点``, ``凌晨2点``); otherwise it
happened when the message was sent. A time later than the message (by more than a
few minutes) means the day before: ``23:30`` sent at 00:10 is last night.
Recognised activities become structured entries with their units in the field
names; anything else becomes a note. The line itself is always kept as ``text``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.diary.kinds import KINDS, Said, by_priority
from bot.diary.reading import CN_NUM as _CN_NUM
from bot.diary.reading import MOTHER_WORDS, cn_to_int, has, numbers_with_units

__all__ = ["ParsedEntry", "body_of", "classify", "cn_to_int", "normalise", "parse_line", "parse_lines", "split_time"]

# A time up to this far past the message still counts as today (clocks differ a little).
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


@dataclass
class ParsedEntry:
    """One entry as parsed (or as sent by the mini-program), not yet stored."""

    kind: str
    fields: dict[str, Any]
    text: str
    occurred_at: dt.datetime
    time_given: bool = False
    client_id: str | None = None
    # What the nurse should know about how the line was read (e.g. a second reading left in the text).
    hint: str | None = None


def normalise(line: str) -> str:
    """Fold full-width forms (NFKC), lower-case, and mend the punctuation phones put in numbers."""
    text = unicodedata.normalize("NFKC", line).lower()
    text = re.sub(r"(?<=\d)[。，,](?=\d)", ".", text)  # 36。8 / 36,8 → 36.8
    text = text.replace("：", ":").replace("～", "~")
    return text.strip()


_PERIOD = r"(?P<period>上午|早上|早晨|清晨|早|中午|午后|下午|傍晚|晚上|夜里|夜间|半夜|深夜|凌晨|晚)?"
_HOUR = rf"(?P<hour>\d{{1,2}}|{_CN_NUM})"
# Units a number may carry: "7点 120ml" and "7点15分钟" are a time then an amount or a duration, not 7:12 / 7:15.
_UNIT_AFTER = (r"\s*(?:ml|毫升|cc|m1|亳升|分钟|min|个?小时|个?钟头|h(?![a-z])|hr|克|g|kg|公斤|千克|斤|两|cm|厘米|公分"
               r"|度|°|℃|次|mg|umol|μmol|µmol)")
_TIME_RE = re.compile(
    rf"^{_PERIOD}\s*{_HOUR}\s*"
    rf"(?:[:.](?P<mm>\d{{2}})(?!\d)|(?:点|时|點)(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)"
    # Minutes after 点 are written against it ("7点20", "7点20分"); a number after a space, or one with a
    # unit, is what happened ("7点 120ml", "9点 20分钟 抚触"), so it is left in the body.
    rf"|(?P<cnmin>\d{{1,2}}(?![\d.])|{_CN_NUM}(?![零〇一二两三四五六七八九十百]))(?:分(?!钟)|(?!{_UNIT_AFTER})))?)"
    r"(?:\s*[-~到至]\s*(?P<end_h>\d{1,2})[:.](?P<end_m>\d{2}))?"
    r"[\s,、:;.-]*"
)


def split_time(normalised: str) -> tuple[int | None, int, str, tuple[int, int] | None]:
    """Read a leading time: (hour, minute, rest of the line, optional end time) — hour None if absent."""
    match = _TIME_RE.match(normalised)
    if not match:
        return None, 0, normalised, None
    hour = cn_to_int(match["hour"])
    if hour is None:
        return None, 0, normalised, None
    minute = 0
    if match["mm"]:
        minute = int(match["mm"])
    elif match["half"]:
        minute = 30
    elif match["quarter"]:
        minute = 15 if match["quarter"] == "一刻" else 45
    elif match["cnmin"]:
        cn = cn_to_int(match["cnmin"])
        if cn is None:
            return None, 0, normalised, None
        minute = cn
    hour = _with_period(match["period"], hour)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None, 0, normalised, None
    end = None
    if match["end_h"]:
        end_h, end_m = int(match["end_h"]), int(match["end_m"])
        if 0 <= end_h <= 23 and 0 <= end_m <= 59:
            end = (end_h, end_m)
    rest = normalised[match.end():]
    # "7" alone or "36.8" is not a time: a time needs 点/时 or a colon form, and must leave something.
    if not rest.strip():
        return None, 0, normalised, None
    return hour, minute, rest, end


def _with_period(period: str | None, hour: int) -> int:
    """The 24-hour clock hour for ``hour`` said with a part of the day (下午3点 → 15, 夜里3点 → 3)."""
    if period in ("下午", "午后", "傍晚") and hour < 12:
        return hour + 12
    if period in ("晚上", "晚"):
        # 晚上12点 is midnight; 晚上8点 is 20:00.
        return 0 if hour == 12 else hour + 12 if hour < 12 else hour
    if period in ("夜里", "夜间", "深夜", "半夜"):
        # The night runs past midnight: 夜里11点 is 23:00 but 夜里3点 is 03:00, and 12点 is midnight.
        return 0 if hour == 12 else hour + 12 if 6 <= hour < 12 else hour
    if period == "凌晨":
        # 凌晨 is the small hours, always before noon: 凌晨2点 is 02:00, 凌晨6点 06:00, 凌晨12点 midnight.
        return 0 if hour == 12 else hour
    if period == "中午" and hour < 6:
        return hour + 12
    return hour


def resolve_time(hour: int, minute: int, sent_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The moment ``hour:minute`` means for a message sent at ``sent_at``: today, or yesterday if later than now."""
    local_sent = sent_at.astimezone(tz)
    candidate = dt.datetime.combine(local_sent.date(), dt.time(hour, minute), tzinfo=tz)
    if candidate - local_sent > FUTURE_TOLERANCE:
        candidate = dt.datetime.combine(local_sent.date() - dt.timedelta(days=1), dt.time(hour, minute), tzinfo=tz)
    return candidate.astimezone(dt.UTC)


def parse_lines(text: str, sent_at: dt.datetime, tz: ZoneInfo) -> list[ParsedEntry]:
    """Turn a nurse's message into entries, one per non-blank line; nothing typed is dropped."""
    entries = []
    for raw in re.split(r"\r\n|\r|\n", text):
        line = raw.strip()
        if not line:
            continue
        entries.append(parse_line(line, sent_at, tz))
    return entries


def parse_line(line: str, sent_at: dt.datetime, tz: ZoneInfo) -> ParsedEntry:
    """Parse one line; whatever is not understood becomes a note, with the line kept as typed."""
    hour, minute, body, end = split_time(normalise(line))
    occurred = sent_at.astimezone(dt.UTC) if hour is None else resolve_time(hour, minute, sent_at, tz)
    kind, fields = classify(body)
    entry_kind = KINDS[kind]
    if end is not None and hour is not None:
        start_min, end_min = hour * 60 + minute, end[0] * 60 + end[1]
        span = (end_min - start_min) % (24 * 60)
        if entry_kind.takes_range and span and "duration_min" not in fields:
            fields["duration_min"] = span
            fields.pop("state", None)
    hint = entry_kind.hint(body) if entry_kind.hint is not None else None
    return ParsedEntry(kind=kind, fields=fields, text=line, occurred_at=occurred, time_given=hour is not None, hint=hint)


def body_of(line: str) -> str:
    """The line without its leading time, as typed (for showing beside ``HH:MM``)."""
    stripped = line.strip()
    norm = normalise(stripped)
    hour, _minute, rest, _end = split_time(norm)
    if hour is None:
        return stripped
    consumed = len(norm) - len(rest)
    one_to_one = len(norm) == len(stripped) and all(len(unicodedata.normalize("NFKC", c)) == 1 for c in stripped)
    if one_to_one:
        return stripped[consumed:].strip() or stripped
    return rest.strip() or stripped


# -- recognising what a line says ---------------------------------------------------------


def classify(body: str) -> tuple[str, dict[str, Any]]:
    """Decide the kind of an entry and read its fields: each kind whose keywords the line holds is asked in
    priority order (``EntryKind.priority``) until one takes it; a line no kind takes is a note."""
    text = numbers_with_units(body)
    text = re.sub(r"(?<![吃喂喝])奶奶", "祖母", text)  # grandma came to visit: not a feed
    said = Said(text=text, mother=has(text, *MOTHER_WORDS))
    for kind in by_priority():
        if kind.keywords and not said.has(*kind.keywords):
            continue
        fields = kind.parse(said) if kind.parse is not None else None
        if fields is not None:
            return kind.name, fields
    return "note", {}
