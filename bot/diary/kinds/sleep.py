"""Sleep: a duration, or falling asleep and waking up."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.everyday import EVERYDAY
from bot.diary.kinds import DURATION, EntryKind, Field, Said, minutes_text, register
from bot.diary.reading import any_of, duration_min, has
from bot.diary.summary import DaySummary

if TYPE_CHECKING:
    from bot.models import DiaryEntry


# Up from sleep (宝宝起来了), said of the baby, not after a verb: 起来 after a verb is what began or the way it went
# (坐起来, 抱起来, 吸吮起来了, 哭起来了), nor the mother getting up; 起床 is the grown-ups' (月嫂起床, 起床后空腹).
_UP = re.compile(r"(?:^|(?<=[\s,，。;；!！~宝贝刚又才也经])|(?<=bb))起来了")
# The sleep kind is the baby's: a sleep told as every day's (每天哭到睡着) is a habit, and the writer's own sleep
# (痛得我晚上都睡不着, 晚上我醒来三次: 我 and the sleep word in one clause, nobody put to sleep between) no baby's.
_HABIT = any_of(EVERYDAY.sleep.habit)
_WRITERS = re.compile(rf"(?:{any_of(EVERYDAY.sleep.writer).pattern})(?!的|们)"  # 我的月嫂: not the writer
                      rf"(?:(?!{any_of(EVERYDAY.sleep.putting_to_sleep).pattern})[^，,。；;！!？?\s()（）]){{0,8}}?(?:睡|醒)")


def parse_sleep(said: Said) -> dict[str, Any] | None:
    fields: dict[str, Any] = {}
    if _HABIT.search(said.text) is not None or (
            has(said.text, *EVERYDAY.sleep.writer) and _WRITERS.search(said.text) is not None):
        return None
    duration = duration_min(said.text)
    if not said.has("睡", "😴", "入眠") and _WOKE.search(said.text) is None:
        return {"state": "awake"} if not said.mother and _UP.search(said.text) is not None else None
    if duration is not None:
        fields["duration_min"] = duration
    elif _NOT_WAKING.search(said.text) is not None:
        fields["state"] = "asleep"  # 睡不醒: still asleep (a baby who cannot be woken is a sign the note kind reads)
    elif said.has("醒") or _NOT_ASLEEP.search(said.text) is not None:
        fields["state"] = "awake"
    else:
        fields["state"] = "asleep"
    return fields


# Waking (12点半醒, 醒了), not reminding (提醒) nor being alert (清醒).
_WOKE = re.compile(r"(?<![提唤清苏觉])醒")
# Not asleep (睡不着, 一直不睡, 哄了半天没睡着) is awake; not waking (睡不醒, 叫不醒) is asleep.
_NOT_ASLEEP = re.compile(r"睡不着|不睡|没睡着|没睡|不肯睡|不愿意睡")
_NOT_WAKING = re.compile(r"睡不醒|叫不醒|不醒")


def summarise_sleep(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    """Durations add up; 入睡 … 醒了 counts the time between them."""
    asleep_since: dt.datetime | None = None
    for entry in entries:
        f = entry.fields
        if f.get("duration_min"):
            summary.sleep_min += int(f["duration_min"])
        elif f.get("state") == "asleep":
            asleep_since = entry.occurred_at
        elif f.get("state") == "awake" and asleep_since is not None:
            summary.sleep_min += int((entry.occurred_at - asleep_since).total_seconds() // 60)
            asleep_since = None


def sleep_lines(summary: DaySummary) -> list[str]:
    if not summary.sleep_min:
        return []
    return [texts.SUMMARY_SLEEP.format(hours=minutes_text(summary.sleep_min))]


register(EntryKind(
    name="sleep", label="睡眠", order=50,
    fields=(DURATION, Field("state", "choice", options=("asleep", "awake"))),
    keywords=("睡", "醒", "😴", "入眠", "起来了"), parse=parse_sleep, priority=200, takes_range=True,
    summarise=summarise_sleep, summary_lines=sleep_lines,
))
