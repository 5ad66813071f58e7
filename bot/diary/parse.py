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
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.diary import texts
from bot.diary.babies import BabyRef, Mention, label_of, mentions, which_babies
from bot.diary.kinds import BABY, KINDS, MOTHER, Said, by_priority, fallbacks
from bot.diary.kinds.temperature import bare_temperature
from bot.diary.reading import (
    BABY_WORDS,
    MOTHER_WORDS,
    cn_to_int,
    fold_writing,
    halves,
    has,
    is_hypothetical,
    numbers_with_units,
    reported,
)
from bot.diary.reading import CN_NUM as _CN_NUM
from bot.diary.words import digits

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
    # Which baby (an engagement with several); None: the mother's, a note about no one baby, or the only baby.
    baby_id: int | None = None


def normalise(line: str) -> str:
    """Fold full-width forms (NFKC), lower-case, and mend the punctuation phones put in numbers."""
    text = unicodedata.normalize("NFKC", line).lower()
    text = re.sub(r"(?<=\d\d)[。，,](?=\d(?!\d))", ".", text)  # 36。8 / 36,8 → 36.8 (not D3，1粒)
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
    if period in ("晚上", "晚", "夜晚"):
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


@dataclass
class ReadLine:
    """One line of a message as understood: its entries, or why it was refused (nothing of it is recorded)."""

    text: str
    entries: list[ParsedEntry]
    refused: str | None = None
    # The local day the line's entries were filed under, when it is not the day the message was sent.
    other_day: dt.date | None = None


def read_lines(text: str, sent_at: dt.datetime, tz: ZoneInfo, babies: Sequence[BabyRef] = ()) -> list[ReadLine]:
    """Every non-blank line of a message, understood (a line may name several events, or be refused).

    ``babies``: the engagement's babies; with several, each baby's event names its baby (see ``bot.diary.babies``).
    """
    lines = []
    told: dt.datetime | None = None  # the latest time an earlier clause told: later clocks are read on from it
    for raw in re.split(r"\r\n|\r|\n", text):
        for line in _timed_clauses(raw.strip(), babies):
            read = read_line(line, sent_at, tz, babies, after=told)
            lines.append(read)
            told = max((e.occurred_at for e in read.entries if e.time_given), default=told)
    return lines


_CLAUSE_CUT = re.compile(r"[，,；;。]+|\s+")
# Whom a line is about, said before its first clock (宝宝10点睡的，12点醒的: the line starts with its time all the same).
_WHO = re.compile(r"^\s*(?:宝宝|宝贝|寶寶|寶貝|bb|baby|大宝|小宝|二宝|大寶|小寶|二寶|老大|老二|哥哥|姐姐|弟弟|妹妹"
                  r"|妈妈|宝妈|产妇|媽媽|寶媽|產婦)\s*")


def _timed_clauses(line: str, babies: Sequence[BabyRef] = ()) -> list[str]:
    """A line that tells several events each at its own time (7点半喂奶120ml，8点换尿布) read as that many lines.

    The line is cut before every clause that starts with a clock time, when the line itself starts with one (after
    whom it is about: 宝宝8点喂奶，10点换尿布; 大宝 8点喂奶90ml 二宝 9点喂奶80ml: each baby's clause keeps its clock);
    otherwise it stays whole (喂奶120ml，8点换尿布: the time is the line's, as before). A space cuts too
    (10点喂奶90ml 11点喂奶80ml) once the clause before it tells something after its own time (下午 3点喂奶 and
    7点 120ml stay one line).
    """
    if not line or _leading_clock(_without_who(line, babies)) is None:
        return [line] if line else []
    parts, start = [], 0
    for cut in _CLAUSE_CUT.finditer(line):
        if _leading_clock(_without_who(line[cut.end():], babies)) is None:
            continue
        if not cut.group().strip() and not _tells_after_its_time(_without_who(line[start:cut.start()], babies)):
            continue
        parts.append(line[start:cut.start()].strip())
        start = cut.end()
    parts.append(line[start:].strip())
    return [part for part in parts if part]


def _without_who(clause: str, babies: Sequence[BabyRef]) -> str:
    """``clause`` without whom it opens by naming: 宝宝, 妈妈, 大宝 …, or (twins) one of the engagement's babies."""
    rest = _WHO.sub("", clause, count=1)
    if rest == clause and len(babies) > 1:
        text = clause.lstrip().lower()
        named = mentions(text, babies)
        if named and named[0].start == 0:
            return re.sub(r"^宝{1,2}", "", text[named[0].end:])  # a宝 / A宝宝: the letter is the name
    return rest


@functools.lru_cache(maxsize=8192)
def as_read(text: str) -> str:
    """A line as the parser reads it: normalised, in simplified characters, its numerals of amounts and times in digits."""
    return digits(fold_writing(normalise(text)))


def _tells_after_its_time(clause: str) -> bool:
    """Whether ``clause``, which starts with a clock time, says something after it (10点喂奶90ml, not 下午 or 10点)."""
    norm = fold_writing(normalise(clause)).strip()
    if _RANGE_OPEN.search(norm):  # 11点半 睡到 | 12点40, 22点 到 今天 | 2点: the next time ends a range
        return False
    m = _START_RE.match(norm)
    return m is not None and bool(norm[m.end():].strip(" ，,。；;:：、"))



def _leading_clock(text: str) -> re.Match[str] | None:
    """The clock time a clause starts with (after its day and period words), if it does."""
    norm = as_read(text)
    m = _START_RE.match(norm.lstrip())
    if m is None or not m["shour"] or not _is_clock(m, norm.lstrip()) or _hour_minute(m, "s") is None:
        return None
    return m


def parse_lines(text: str, sent_at: dt.datetime, tz: ZoneInfo, babies: Sequence[BabyRef] = ()) -> list[ParsedEntry]:
    """The entries of a message, line by line (a refused line gives none: see ``read_lines``)."""
    return [entry for line in read_lines(text, sent_at, tz, babies) for entry in line.entries]


def parse_line(line: str, sent_at: dt.datetime, tz: ZoneInfo) -> ParsedEntry:
    """The first entry of one line (a line naming several events gives more: ``read_line``)."""
    read = read_line(line, sent_at, tz)
    if read.entries:
        return read.entries[0]
    return ParsedEntry(kind="note", fields={}, text=line.strip(), occurred_at=sent_at.astimezone(dt.UTC))


def read_line(line: str, sent_at: dt.datetime, tz: ZoneInfo, babies: Sequence[BabyRef] = (),
              after: dt.datetime | None = None) -> ReadLine:
    """Understand one line: its time (anywhere in it, or a range), every event it names, or why it is refused.

    ``after``: the time an earlier clause of the message told (``resolve_moment``)."""
    text = line.strip()
    norm = as_read(text)
    impossible = impossible_time(norm)
    if impossible is not None:
        return ReadLine(text, [], refused=texts.TIME_IMPOSSIBLE.format(time=impossible))
    when = find_time(norm)
    occurred = sent_at.astimezone(dt.UTC)
    other_day = None
    body = norm
    ago = _AGO.search(norm) if when is None else None
    if ago is not None:
        occurred = occurred - _ago(ago)  # 半小时前喂奶60ml: half an hour before the message
        body = _cut(norm, ago.start(), ago.end())
    if when is not None:
        body = when.body
        resolved = resolve_moment(when, sent_at, tz, after)
        if resolved is None:
            return ReadLine(text, [], refused=texts.TIME_FUTURE.format(time=f"{when.hour:02d}:{when.minute:02d}"))
        occurred = resolved
        local_day = occurred.astimezone(tz).date()
        if local_day != sent_at.astimezone(tz).date():
            other_day = local_day
    named = mentions(body, babies) if len(babies) > 1 else []
    events = _events_by_baby(body, named) or _understand(body)
    entries = []
    lasting = _lasting(events, when)
    for number, (kind_name, fields, start) in enumerate(events):
        kind = KINDS[kind_name]
        if when is not None and when.until and kind_name == "sleep" and "duration_min" not in fields:
            fields["state"] = "awake"  # 睡到10点: the sleep ended at 10 (its start is the day's last 入睡, if any)
        if number == lasting and when is not None and "duration_min" not in fields:
            fields["duration_min"] = when.span_min
            fields.pop("state", None)
        hint = kind.hint(body) if kind.hint is not None else None
        about: list[int | None] = [None]
        if len(babies) > 1 and kind.about != MOTHER:
            ids = which_babies(start, named)
            if kind.about == BABY and not ids:
                names = "、".join(label_of(b, len(babies)) for b in babies)
                return ReadLine(text, [], refused=texts.WHICH_BABY.format(names=names))
            if kind.about == BABY or len(ids) == 1:
                about = [b.id for b in babies if b.id in ids]  # one entry per baby, in birth order
        at = occurred
        if ((when is None and ago is None) or (when is not None and when.until)) and kind_name == "sleep" \
                and fields.get("duration_min"):
            # 睡了两个小时 with no clock: a sleep told once it is over ended when she wrote, not two hours from now
            # (shown as a range, it would end in the future); 睡了一个小时，三点半醒的: it ended at the time told.
            at = occurred - dt.timedelta(minutes=int(fields["duration_min"]))
        for baby_id in about:
            entries.append(ParsedEntry(kind=kind_name, fields=dict(fields), text=text, occurred_at=at,
                                       time_given=when is not None, hint=hint, baby_id=baby_id))
    return ReadLine(text, entries, other_day=other_day)


def _lasting(events: Sequence[tuple[str, dict[str, Any], int]], when: LineTime | None) -> int | None:
    """Which event a range of time belongs to: the first that can last (11点半-12点40 睡觉), or the one whose verb
    opens the range (7点半吃了睡到9点半: the sleep, after the feed)."""
    if when is None or not when.span_min:
        return None
    lasting = [i for i, (kind, _fields, _start) in enumerate(events) if KINDS[kind].takes_range]
    if when.lasting_before is not None:
        lasting = [i for i in lasting if events[i][2] < when.lasting_before][-1:] or lasting
    return lasting[0] if lasting else None


# A time before the message: 半小时前, 十分钟前, 一个半小时前, 2个小时以前.
_AGO = re.compile(r"(?P<n>\d+(?:\.\d+)?|[零一二两三四五六七八九十]+)?\s*个?\s*(?P<half>半)?\s*个?\s*"
                  r"(?P<unit>小时|钟头|分钟|分)\s*(?:之|以)?前")


def _ago(match: re.Match[str]) -> dt.timedelta:
    value = (cn_to_int(match["n"]) if match["n"] and not match["n"][0].isdigit() else float(match["n"] or 0)) or 0
    value += 0.5 if match["half"] else 0
    minutes = value * 60 if match["unit"] in ("小时", "钟头") else value
    return dt.timedelta(minutes=round(minutes)) if 0 < minutes <= 24 * 60 else dt.timedelta(0)


def _events_by_baby(body: str, named: Sequence[Mention]) -> list[tuple[str, dict[str, Any], int]] | None:
    """A line telling each of several babies' events in turn (大宝 喂奶 90ml 二宝 喂奶 80ml), read baby by baby:
    each name starts its own part, so two babies' feeds are two feeds. None when the line is not such a line
    (one name, or a name that tells no event of its own: 喂奶90ml 大宝)."""
    if len({m.ids for m in named}) < 2:
        return None
    cuts = sorted({m.start for m in named if m.start > 0})
    events: list[tuple[str, dict[str, Any], int]] = []
    for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True):
        part = body[start:end]
        if not part.strip():
            continue
        found = _understand(part)
        if all(kind == "note" for kind, _fields, _at in found):
            return None
        events += [(kind, fields, at + start) for kind, fields, at in found]
    return events


# A day's reader asks it of every entry on every read (a 今天, a day view, the keepsake): 3–9 µs a line, and the
# same lines are read again and again. It depends on the line alone.
@functools.lru_cache(maxsize=8192)
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


# -- times anywhere in a line, ranges and spans -----------------------------------------------

# 昨晨, 昨早 (yesterday morning) and 前晚 are the written register's (news: 至昨晨八時許…驚見): a day and a part of it.
_DAY_WORDS = {"昨天": -1, "昨日": -1, "昨晚": -1, "昨夜": -1, "昨晨": -1, "昨早": -1, "前天": -2, "前晚": -2, "今天": 0,
              "今日": 0, "今早": 0, "今晨": 0, "今晚": 0}
_DAY_PERIOD = {"昨晚": "晚上", "昨夜": "夜里", "昨晨": "早上", "昨早": "早上", "前晚": "晚上", "今晚": "晚上", "今早": "早上",
               "今晨": "早上"}
_DAY = r"(?:昨天|昨日|昨晚|昨夜|昨晨|昨早|前天|前晚|今天|今日|今早|今晨|今晚)"
_PERIODS = r"(?:上午|早上|早晨|清晨|中午|午后|下午|傍晚|晚上|夜晚|夜里|夜间|半夜|深夜|凌晨|早|晚)"
# A clause that ends by opening a range: its next clock time is the range's end, not a new clause.
_RANGE_OPEN = re.compile(rf"(?:到|至|-|~|—|－)\s*(?:{_DAY}|次日|第二天|隔天)?\s*(?:{_PERIODS})?$")


def _clock(prefix: str) -> str:
    """A clock time with named groups ``{prefix}hour`` … (one pattern can hold a start and an end)."""
    return (
        rf"(?P<{prefix}day>{_DAY})?\s*(?P<{prefix}period>{_PERIODS})?\s*"
        rf"(?P<{prefix}hour>\d{{1,2}}|{_CN_NUM})\s*"
        rf"(?:[:](?P<{prefix}mm>\d{{2}})(?!\d)|(?:点|时)(?:\s*(?P<{prefix}half>半)|\s*(?P<{prefix}quarter>一刻|三刻)"
        rf"|(?P<{prefix}cnmin>\d{{1,2}}(?![\d.])|{_CN_NUM}(?![零〇一二两三四五六七八九十百]))(?:分(?!钟)|(?!{_UNIT_AFTER})))?"
        # 八点多, 8点左右: a little after, about (the hour is the time)
        rf"(?:多(?!次|少)|左右)?)"
    )


_START_RE = re.compile(_clock("s"))
_END_RE = re.compile(r"\s*(?P<via>[^\d，,。;；:]{0,4}?)\s*(?:-|~|到|至|—|－)\s*(?:次日|第二天|隔天)?\s*" + _clock("e"))
_BAD_CLOCK = re.compile(r"(?<![\d.])(\d{1,2})\s*:\s*(\d{2})(?!\d)|^(?:[^\d]{0,4})(\d{2})\s*(?:点|时)(?!\d*\s*(?:分钟|小时))")


@dataclass(frozen=True)
class LineTime:
    """The time a line names: a clock time (with its day, if said) and the span of a range."""

    hour: int
    minute: int
    day_offset: int | None  # 昨天 -1, 前天 -2, 今天 0; None: not said
    span_min: int | None
    body: str  # the line without the time (a range's verb, 睡到 → 睡, is kept)
    until: bool = False  # the time ends what the line tells (睡到10点: woke at 10), no start was given
    # An hour of 1–12 said with 点 and no part of the day (3点): either of the day's two such hours, the later one
    # that has come (3点 sent at 15:00 is 15:00, sent at 09:00 it is 03:00; 12点 sent at 08:00 is midnight).
    either_half: bool = False
    # A range's end told after a verb (睡到9点半): the range belongs to the event named before this offset of ``body``.
    lasting_before: int | None = None


def impossible_time(norm: str) -> str | None:
    """A clock time no day has (25:00, 7:75, 25点), as written; None if there is none."""
    for match in _BAD_CLOCK.finditer(norm):
        if match[1] is not None:
            hour, minute = int(match[1]), int(match[2])
            if hour > 24 or minute > 59 or (hour == 24 and minute):
                return match[0].strip()
        elif match[3] is not None and int(match[3]) > 24:
            return match[0].strip()
    return None


def _hour_minute(m: re.Match[str], p: str) -> tuple[int, int] | None:
    hour = cn_to_int(m[f"{p}hour"])
    if hour is None:
        return None
    minute = 0
    if m[f"{p}mm"]:
        minute = int(m[f"{p}mm"])
    elif m[f"{p}half"]:
        minute = 30
    elif m[f"{p}quarter"]:
        minute = 15 if m[f"{p}quarter"] == "一刻" else 45
    elif m[f"{p}cnmin"]:
        cn = cn_to_int(m[f"{p}cnmin"])
        if cn is None:
            return None
        minute = cn
    period = m[f"{p}period"] or _DAY_PERIOD.get(m[f"{p}day"] or "")
    hour = _with_period(period, hour)
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute


def _is_clock(m: re.Match[str], norm: str) -> bool:
    """A match of the clock pattern that is a time, not a count or a reading (一点 is "a little")."""
    at_start = not norm[:m.start()].strip()
    said_day = bool(m["sday"] or m["speriod"])
    if not m["shour"].isdigit() and not (at_start or said_day):
        return False
    # A number written against the hour (1.5点, 136:30) is no clock; a date before it is (2026-08-22 18:30).
    hour_at = m.start("shour")
    if not at_start and not said_day and hour_at > 0 and re.match(r"[\d.]", norm[hour_at - 1]):
        return False
    return not (m["smm"] is None and "点" not in m[0] and "时" not in m[0])


def find_time(norm: str) -> LineTime | None:
    """The first clock time of the line, at its start or anywhere in it, with a range's end if one follows."""
    dot = re.match(r"\s*(\d{1,2})\.(\d{2})(?!\d)(?=\s*\D)", norm)  # 9.30 喂奶: a time only at the start
    if dot and not re.match(_UNIT_AFTER, norm[dot.end():]) and int(dot[1]) <= 23 and int(dot[2]) <= 59:
        return LineTime(int(dot[1]), int(dot[2]), None, _plain_range(norm, dot.end(), int(dot[1]) * 60 + int(dot[2])),
                        _cut(norm, dot.start(), _range_end(norm, dot.end())))
    for m in _START_RE.finditer(norm):
        if not m["shour"] or not _is_clock(m, norm) or _in_brackets(norm, m.start()):
            continue
        clock = _hour_minute(m, "s")
        if clock is None:
            continue
        hour, minute = clock
        end_at, span = m.end(), None
        end = _END_RE.match(norm, m.end())
        if end is not None and end["ehour"]:
            end_clock = _hour_minute(end, "e")
            if end_clock is not None:
                span = _span(hour * 60 + minute, end_clock, bool(end["eperiod"] or end["eday"]))
                end_at = end.end()
                lead = norm[:m.start()] + " " + end["via"]
                body = lead + " " + norm[end_at:]
                day = m["sday"]
                offset = len(lead) - len(lead.lstrip())  # body is stripped
                return LineTime(hour, minute, _DAY_WORDS[day] if day else None, span or None, body.strip(),
                                either_half=not (day or m["speriod"]) and 1 <= hour <= 12 and m["smm"] is None,
                                lasting_before=len(lead) - offset if end["via"].strip() else None)
        if not norm[end_at:].strip() and not norm[:m.start()].strip():
            return None  # "7点" alone is not a line with a time
        day = m["sday"]
        # 睡到10点, 三点半醒的: the time ends the sleep (woke then)
        until = re.search(r"(?:到|至)\s*$", norm[:m.start()]) is not None or _WOKE.match(norm, end_at) is not None
        either = not (day or m["speriod"]) and 1 <= hour <= 12 and m["smm"] is None
        return LineTime(hour, minute, _DAY_WORDS[day] if day else None, None, _cut(norm, m.start(), end_at), until,
                        either)
    return None


# A clock followed by waking (三点半醒的, 10点睡醒): the time a sleep ended.
_WOKE = re.compile(r"\s*(?:就|才|又)?(?:睡醒|醒)")


def _in_brackets(norm: str, at: int) -> bool:
    """A clock in brackets is an aside, a plan's schedule (早餐(7:30-8:00):…), not when the line happened."""
    before = norm[:at]
    return before.rfind("(") > before.rfind(")")


def _span(start_min: int, end: tuple[int, int], end_said_period: bool) -> int:
    """Minutes from the start to the end of a range; an end without 上午/下午 is the nearer of its two readings."""
    end_min = end[0] * 60 + end[1]
    span = (end_min - start_min) % (24 * 60)
    if not end_said_period and end[0] < 12:
        span = min(span, (end_min + 12 * 60 - start_min) % (24 * 60) or span)
    return span


def _range_end(norm: str, at: int) -> int:
    end = re.match(r"\s*[-~到至]\s*\d{1,2}[:.]\d{2}(?!\d)", norm[at:])
    return at + end.end() if end else at


def _plain_range(norm: str, at: int, start_min: int) -> int | None:
    end = re.match(r"\s*[-~到至]\s*(\d{1,2})[:.](\d{2})(?!\d)", norm[at:])
    if not end or int(end[1]) > 23 or int(end[2]) > 59:
        return None
    return _span(start_min, (int(end[1]), int(end[2])), True) or None


def _cut(norm: str, start: int, end: int) -> str:
    return (norm[:start] + " " + norm[end:]).strip(" ,、:;.-")


def resolve_moment(when: LineTime, sent_at: dt.datetime, tz: ZoneInfo, after: dt.datetime | None = None) -> dt.datetime | None:
    """The moment a line's time means for a message sent at ``sent_at``; None: a time today that has not come.

    A day said (昨天, 前天) is that day. A time later than now without a day is last night's or yesterday's
    (``23:30`` sent at 00:10); said with 今天 it cannot be moved, and the line is refused. ``after``: the time an
    earlier clause of the same message told; a clock without a day is read on from it, as a story is told, to the
    first of its readings that has come at or after it (晚上11点喂奶 12点半又喂了 is 00:30; 昨晚8点喂奶，10点换尿布 is 22:00
    last night), else as if said alone.
    """
    local_sent = sent_at.astimezone(tz)
    day = local_sent.date() + dt.timedelta(days=when.day_offset or 0)
    if when.day_offset is None:
        hours = (when.hour, (when.hour + 12) % 24) if when.either_half else (when.hour,)
        come = [moment for back in (0, 1) for hour in hours
                if (moment := dt.datetime.combine(day - dt.timedelta(days=back), dt.time(hour, when.minute), tzinfo=tz))
                - local_sent <= FUTURE_TOLERANCE]
        if when.either_half and when.span_min:  # 1点睡到3点 sent at 15:00: the range that has ended
            come = [moment for moment in come
                    if moment + dt.timedelta(minutes=when.span_min) - local_sent <= FUTURE_TOLERANCE] or come
        later = [moment for moment in come if after is not None and moment >= after]
        return (min(later) if later else max(come)).astimezone(dt.UTC)
    candidate = dt.datetime.combine(day, dt.time(when.hour, when.minute), tzinfo=tz)
    if candidate - local_sent > FUTURE_TOLERANCE:
        return None
    return candidate.astimezone(dt.UTC)


# -- recognising what a line says ---------------------------------------------------------


def classify(body: str, mother: bool | None = None) -> tuple[str, dict[str, Any]]:
    """Decide the kind of an entry and read its fields: each kind whose keywords the line holds is asked in
    priority order (``EntryKind.priority``) until one takes it, then the kinds' fallbacks (weak evidence such
    as a bare "90ml"); a line no kind takes is a note. ``mother``: whether the words are about the mother
    (default: whether they name her)."""
    kind, fields, _weak = _classify(numbers_with_units(body), mother)
    return kind, fields


def _classify(body: str, mother: bool | None) -> tuple[str, dict[str, Any], bool]:
    """``classify`` of a body as ``as_read`` gives it (its numerals already digits)."""
    text = halves(body)
    text = re.sub(r"(?<![吃喂喝])奶奶", "祖母", text)  # grandma came to visit: not a feed
    said = Said(text=text, mother=has(text, *MOTHER_WORDS) if mother is None else mother)
    for kind in by_priority():
        if kind.keywords and not said.has(*kind.keywords):
            continue
        fields = kind.parse(said) if kind.parse is not None else None
        if fields is not None:
            return kind.name, fields, False
    for kind in fallbacks():
        assert kind.fallback is not None
        fields = kind.fallback(said)
        if fields is not None:
            return kind.name, fields, True
    return "note", {}, False


# -- one line, several events ------------------------------------------------------------------

# Clauses: cut at the writer's punctuation and at words that chain actions (然后, 接着).
_CLAUSES = re.compile(r"[，,；;。!！?？]+|然后|接着|随后|之后|(?<=\S)\s*\.\s+")
# Within a clause, the pieces a list or a sequence is made of: 喂奶、拍嗝 / 喝了110奶粉和10ml水 / 喂养后安抚入睡.
_PIECES = re.compile(r"\s+|、|\+|和|以及|及(?!时)|并且|同时|顺便|又|还(?!没|是|有)|再(?!次)|(?<=[奶嗝澡便尿养触操水])后"
                     r"|(?<=[澡奶布])发现"  # 洗澡发现肚脐有臭味: the bath, and what was found
                     # 吃了睡, 喂完睡着了, 喝完奶睡了, 吃饱了就睡: the feed, then the sleep
                     r"|(?<=[吃喝喂][了完饱])(?=就?睡)|(?<=[完饱]了)(?=就?睡)|(?<=[了完饱]奶)(?=就?睡)"
                     # 刚喂完奶就吐了, 喂完奶给宝宝拍嗝: the feed done, then what followed
                     r"|(?<=[吃喝喂][完了]奶)(?=就|给|便)"
                     r"|(?<=醒来|睡醒|醒了)后"  # 醒来后喝了60ml: the waking, then the feed
                     r"|(?<=醒来|睡醒|醒了)(?=就?[吃喝喂])"  # 3点醒了喝奶90ml: the waking and the feed
                     r"|(?<=ml|cc)后|(?<=[升钟])后"  # 喂奶60ml后吐了一点: the measured feed, then what followed
                     # 体温38度吃了美林: a reading with its unit, then what was done
                     r"|(?:(?<=\d度)|(?<=\d℃)|(?<=\d°)|(?<=\d°c))(?=[吃喝喂用服给])"
                     # a body temperature written against the event before it: 睡醒37.8 (not 体温37.8, 发烧38度)
                     r"|(?<=[\u4e00-\u9fff])(?<![温烧热度是为到至有])(?=(?:3[4-9]|4[0-2])\.\d(?![\d.])\s*(?:度|℃|°)?(?:$|[\s,，;；。]))")
# Fields that measure something: two measured events of one kind are two events (130ml formula, 10ml water).
_MEASURES = frozenset({"amount_ml", "duration_min", "celsius", "grams", "cm", "bilirubin", "systolic_mmhg", "dose", "epds"})
# Weak readings kept beside a clause's other events: a temperature is never dropped (睡醒37.8).
_KEPT_WEAK = frozenset({"temperature"})
# A clause that only says all is well (吃奶、大小便正常) reports no event when the line tells of others.
_ALL_WELL = re.compile(r"^[^\d]*(?:正常|都好|良好|还好|没问题)$")


# An activity named as the time of something else (喝奶时出现痰音, 醒来的时候一点事没有) is no event of its own.
_AS_A_TIME = re.compile(r"(?:吃奶|喝奶|喂奶|哺乳|吃完奶|喝完奶|喂完奶|睡觉|入睡|睡着|醒来|睡醒|换尿布|洗澡)"
                        r"(?=(?:的)?时(?!间|长|段|辰))")
# A clause judging how an activity goes (吃奶良好, 睡眠安稳, 排便规律, 母乳喂养一直不太顺利, 喂奶量有波动) tells no event.
_JUDGED = re.compile(r"(?:^|(?<=[，,。；;]))[^\d，,。；;]*?(?:吃奶|喂奶量|奶量|喂奶|睡眠|排便|大小便|哺乳|母乳喂养|喂养)"
                     r"[^\d，,。；;]{0,10}?(?:正常|良好|安稳|规律|很好|不错|顺利|稳定|波动|都好|还好|好(?!了))[了的。]?(?=$|[，,。；;])")


_WELL = re.compile(r"吃好|睡好")  # 吃好、睡好: eats and sleeps well
# A feed told as the moment something sudden happened (宝宝吃完奶，妈妈突然发冷), or as when the mother began to feel
# something (喂完奶后，就觉得胸部很疼痛), is that moment, no event of its own.
_BEFORE_SUDDEN = re.compile(r"(?:吃|喝|喂)(?:完|了)[^，,。；;\d]{0,4}?(?=[，,]\s*[^，,。；;]{0,6}?(?:突然|就觉得|就感觉|就感到))")
# A feed refused is no feed (都不喝奶, 拒绝喝奶, 不愿意吸奶); a feed named as a habit (每次吃奶后) is no event.
# The milk named first is refused alike (连牛奶都不太想喝了, 奶也不肯吃).
_NO_FEED = re.compile(r"(?:不愿意|不愿|不肯|不想|拒绝|拒|都不)再?(?:吃奶|喝奶|吸奶|吸吮|吃母乳|喝母乳|含乳头|含住乳头|含乳)"
                      r"|(?:牛奶|奶粉|母乳|奶)(?:都|也)(?:不太|不大|不怎么|不)(?:想|肯|愿意|愿)?(?:喝|吃)"
                      r"|(?<=每次)(?:吃奶|喝奶|喂奶|吃完奶|喝完奶|喂完奶)")
# How much a feed takes these days (吃奶量提升至60ml/次, 喂养量增加) is a trend, not a feed.
_TREND = re.compile(r"(?:奶量|喂养量|喂奶量)[^，,。；;]{0,6}?(?:提升|增加|减少|下降|提高|上升|增多)[^，,。；;]*")
# A correction (体温三十八，不对，我说错了，是三十六点八): the values said before it are withdrawn.
_WITHDRAWN = re.compile(r"[\d.零〇一二两三四五六七八九十百]+|不对|说错了|搞错了|写错了|打错了|说错|不是")
_CORRECTION = re.compile(r"(?:不对|说错了|搞错了|写错了|打错了|说错|更正一下|纠正一下)[，,。;；:：\s]*")
# The value a correction gives, said as what it is (是三十六点八, 应该是36.8): the value alone, read as the reading.
_CORRECTED_AS = re.compile(r"[，,。;；:：\s]*(?:应该是|应为|是)")


def _without_events_told(body: str) -> str:
    """``body`` with what tells no event blanked (same length): what a correction withdraws, an activity named as a
    time, a feed refused or named as a habit, a trend of amounts, a clause judging how an activity goes."""
    corrections = list(_CORRECTION.finditer(body))
    if corrections:  # the values said before it are withdrawn, what they measured is not (体温38.5，不对，是38.8)
        end = corrections[-1].end()
        withdrawn = _WITHDRAWN.sub(_blank, body[:end])
        given = _CORRECTED_AS.match(body, end)
        if given is not None:  # 是36.8: the value alone (what it measures is what the withdrawn value measured)
            withdrawn += " " * (given.end() - end)
            end = given.end()
        body = withdrawn + body[end:]
    if "时" in body:
        body = _AS_A_TIME.sub(_blank, body)
    if "突然" in body or "就觉得" in body or "就感" in body:
        body = _BEFORE_SUDDEN.sub(_blank, body)
    for pattern in (_WELL, _NO_FEED, _TREND, _JUDGED):
        body = pattern.sub(_blank, body)
    return body


def _blank(match: re.Match[str]) -> str:
    return " " * len(match[0])


@dataclass
class _Piece:
    start: int
    end: int
    kind: str
    fields: dict[str, Any]
    mother: bool
    clause: int
    weak: bool = False  # read by a kind's fallback (a bare "90ml"), not by its words


def understand(body: str) -> list[tuple[str, dict[str, Any]]]:
    """Every event a line's body names, in order (a line naming none is one note)."""
    return [(kind, fields) for kind, fields, _start in _understand(body)]


def _understand(body: str) -> list[tuple[str, dict[str, Any], int]]:
    """``understand``, with where in the body each event starts (a baby named before it is its baby)."""
    if is_hypothetical(body, habits=True):
        return [("note", {}, 0)]
    said = reported(body, habits=True)
    body = _without_events_told(said)  # advice, norms, habits, a judgement of how feeds go: no event
    events = _events(body, corrected=_CORRECTION.search(said) is not None)
    # A sign told in words that tell no event (拒绝喝奶: a feed refused is no feed, and a sign): its note is kept
    # beside the events, as a sign told beside a reading is (体温37.8度，但哭闹不停、拒绝喝奶).
    if body != said and all(kind != "note" for kind, _fields, _at in events) and _tells_sign(said) \
            and not _tells_sign(body):
        events.append(("note", {}, 0))
    return events


def _events(body: str, corrected: bool) -> list[tuple[str, dict[str, Any], int]]:
    """The events of a body whose words that tell none are blanked; ``corrected``: the line corrects a value."""
    if not body.strip(" ，,。；;、"):
        return [("note", {}, 0)]
    pieces = _pieces(body)
    groups = _group(pieces, body)
    if len(groups) <= 1:
        kind, fields, _weak = _classify(body, None)
        if kind == "note":
            # A line telling a danger sign is a note (its flag comes from the text); a reading on it is kept as
            # well (9点 体温38.6 宝宝有点蔫: the temperature and the sign).
            measured = [p for p in pieces if p.kind != "note" and _MEASURES & set(p.fields)]
            if measured and _tells_sign(body):
                return [*((p.kind, dict(p.fields), p.start) for p in measured), ("note", {}, 0)]
            # An event told beside the sign in one clause (喂奶 60cc 吸吮无力): the line without the sign's words is
            # the event, kept beside the sign's note rather than lost in it.
            signs = [p for p in pieces if p.kind == "note" and not p.weak]
            if signs and any(p.kind != "note" for p in pieces) and _tells_sign(body):
                rest = "".join(" " if any(p.start <= i < p.end for p in signs) else c for i, c in enumerate(body))
                event, event_fields, _weak = _classify(rest, None)
                if event != "note" and KINDS[event].about == BABY and not _tells_sign(rest):
                    return [(event, event_fields, 0), ("note", {}, 0)]
            # A value given as a correction (三十八，不对，是三十六点八) is a reading, though no word names it.
            kept = [p for p in pieces if p.kind in _KEPT_WEAK]
            if corrected and len(kept) == 1:
                return [(kept[0].kind, dict(kept[0].fields), kept[0].start)]
            # A line that is only a reading with one decimal (37.8, 36.5℃) is a temperature (``bare_temperature``).
            if len(pieces) == 1 and pieces[0].kind == "temperature" and pieces[0].end - pieces[0].start == len(body):
                return [("temperature", dict(pieces[0].fields), 0)]
        return [(kind, fields, 0)]
    events: list[tuple[str, dict[str, Any], int]] = []
    for group in groups:
        text = body[group[0].start:group[-1].end]
        kind, fields, _weak = _classify(text, group[0].mother)
        if kind != group[0].kind and len(group) == 1:
            kind, fields = group[0].kind, group[0].fields
        elif kind == "note":
            if _tells_sign(text):  # the event and, beside it, the sign told with it
                events.append(("note", {}, min(p.start for p in group)))
            kind, fields = group[0].kind, dict(group[0].fields)
        events.append((kind, fields, min(p.start for p in group)))
    return events


def _tells_sign(text: str) -> bool:
    """Whether the note kind takes ``text`` for a danger sign it tells (the note's flag rules read its text)."""
    note = KINDS["note"]
    said = Said(text=text, mother=has(text, *MOTHER_WORDS))
    return note.parse is not None and note.parse(said) is not None


def _pieces(body: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    mother = False
    clause_start = 0
    bounds = [(m.start(), m.end()) for m in _CLAUSES.finditer(body)] + [(len(body), len(body))]
    for number, (cut, after) in enumerate(bounds):
        clause = body[clause_start:cut]
        if clause.strip() and not (_ALL_WELL.match(clause.strip()) and len(bounds) > 1):
            at = clause_start
            for part in [*_PIECES.split(clause)]:
                where = body.find(part, at) if part else -1
                if not part.strip() or where < 0:
                    continue
                at = where + len(part)
                if has(part, *MOTHER_WORDS):
                    mother = True
                elif has(part, *BABY_WORDS):
                    mother = False
                kind, fields, weak = _classify(part, mother)
                if kind == "note":
                    reading = bare_temperature(Said(text=part, mother=mother))
                    if reading is not None:
                        kind, fields, weak = "temperature", reading, True
                meal = any(p.kind == "meal" and p.clause == number for p in pieces)
                if meal and kind != "meal" and not (_MEASURES & set(fields)):
                    kind, fields = "note", {}  # 早餐:小米粥、鸡蛋、牛奶: the milk is a dish of the meal
                pieces.append(_Piece(where, where + len(part), kind, fields, mother, number, weak))
            if any(p.kind == "medication" for p in pieces if p.clause == number):
                for piece in pieces:  # 药 吃了, 美林 喂过了: the verb is the medicine's, no feed
                    if piece.clause == number and piece.kind == "feeding" and not piece.fields \
                            and not has(body[piece.start:piece.end], "奶", "乳"):
                        piece.kind = "note"
            strong = any(p.kind != "note" and not p.weak for p in pieces if p.clause == number)
            for piece in pieces:
                if piece.clause == number and piece.weak and strong and piece.kind not in _KEPT_WEAK:
                    piece.kind, piece.fields = "note", {}  # 退烧药 美林 2.5ml: the ml is the medicine's
        clause_start = after
    return pieces


def _group(pieces: list[_Piece], body: str) -> list[list[_Piece]]:
    """Pieces into events: a piece naming nothing belongs to the event of its clause; neighbours of one kind
    are one event unless each is measured (two feeds with their millilitres are two feeds)."""
    by_clause: dict[int, list[list[_Piece]]] = {}
    for piece in pieces:
        groups = by_clause.setdefault(piece.clause, [])
        if piece.kind == "note":
            if groups:
                groups[-1].append(piece)
            else:
                groups.append([piece])
            continue
        if groups and all(p.kind == "note" for p in groups[-1]):
            groups[-1].append(piece)
            groups[-1].sort(key=lambda p: p.start)
            _lead(groups[-1], piece)
        else:
            groups.append([piece])
    ordered = [g for clause in sorted(by_clause) for g in by_clause[clause] if any(p.kind != "note" for p in g)]
    merged: list[list[_Piece]] = []
    for group in ordered:
        if merged and _kind(merged[-1]) == _kind(group) and not (_measured(merged[-1], body) and _measured(group, body)):
            merged[-1] = merged[-1] + group
        else:
            merged.append(group)
    for group in merged:
        _lead(group, next(p for p in group if p.kind != "note"))
    return merged


def _lead(group: list[_Piece], piece: _Piece) -> None:
    """Make ``piece`` the one that names the group's kind (the group keeps its text order otherwise)."""
    first = group[0]
    if first is not piece:
        first.kind, first.fields = piece.kind, piece.fields


def _kind(group: list[_Piece]) -> str:
    return group[0].kind


def _measured(group: list[_Piece], body: str) -> bool:
    """Whether the group measures its event: a piece's own measure, or one its words give together (喂奶 90ml: the
    90ml piece alone is weak and kept as the feed's part, not a measure of its own)."""
    if any(_MEASURES & set(p.fields) for p in group):
        return True
    if len(group) < 2:
        return False
    _kind_name, fields, _weak = _classify(body[group[0].start:group[-1].end], group[0].mother)
    return bool(_MEASURES & set(fields))
