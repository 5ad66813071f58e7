"""Issue 34 item 4: every clause of a nurse's line read as she meant it — a side timed is the breast, 左右 after an
amount is "about", a sleep told with the time she woke ended then, a clock after a date is the time, and a reading
followed by what was done is two events.

The lines are development lines of the corpus (tests/diary/corpus, listed by ``corpus_score --failures``) and
forms of them; the medicine is 美林, the ibuprofen brand sold for babies in China.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.diary.parse import parse_lines
from tests.support.chat import TZ


def read(line: str, sent: str = "15:00") -> list[tuple[str, dict[str, Any], str]]:
    """(kind, fields, local HH:MM) of each entry of a message sent on 7 December at ``sent``."""
    hour, minute = map(int, sent.split(":"))
    sent_at = dt.datetime(2026, 12, 7, hour, minute, tzinfo=TZ)
    return [(e.kind, e.fields, e.occurred_at.astimezone(TZ).strftime("%H:%M")) for e in parse_lines(line, sent_at, TZ)]


@pytest.mark.parametrize(("line", "side", "minutes"), [
    ("左边喂了15分钟", "left", 15), ("左边喂了十二分钟", "left", 12), ("右侧喂奶20分钟", "right", 20)])
def test_a_side_timed_is_a_feed_at_the_breast(line: str, side: str, minutes: int) -> None:
    # A bottle has no side: a feed told by its side and its minutes is the baby at that breast.
    assert read(line) == [("feeding", {"type": "breast", "side": side, "duration_min": minutes}, "15:00")]


@pytest.mark.parametrize(("line", "fields"), [
    ("喝奶150毫升左右", {"amount_ml": 150}), ("喂奶20分钟左右", {"duration_min": 20})])
def test_about_after_an_amount_is_no_side(line: str, fields: dict[str, Any]) -> None:
    assert read(line) == [("feeding", fields, "15:00")]


def test_both_sides_are_still_read() -> None:
    assert read("喂奶 左右两边") == [("feeding", {"side": "both"}, "15:00")]


@pytest.mark.parametrize(("line", "sent", "start"), [
    ("睡了一个小时，三点半醒的", "16:20", "14:30"),
    ("睡了2小时 10点醒", "11:00", "08:00"),
])
def test_a_sleep_told_with_the_time_she_woke_ended_then(line: str, sent: str, start: str) -> None:
    [(kind, fields, at)] = read(line, sent)
    assert (kind, at) == ("sleep", start) and "duration_min" in fields


def test_waking_at_a_time_alone_is_still_waking() -> None:
    assert read("12点半醒", "15:00") == [("sleep", {"state": "awake"}, "12:30")]


def test_a_clock_after_a_date_is_the_time() -> None:
    assert read("小宝 2026-08-22 18:30 喝了90ml，奶量正常吗？", "19:00") == [("feeding", {"amount_ml": 90}, "18:30")]


def test_a_number_against_an_hour_is_still_no_clock() -> None:
    assert [at for _kind, _fields, at in read("喂了1.5点 奶粉", "15:00")] == ["15:00"]


@pytest.mark.parametrize("line", ["体温三十八度吃了美林", "体温38℃吃了美林"])
def test_a_reading_then_a_medicine_given_are_two_events(line: str) -> None:
    assert read(line) == [("temperature", {"celsius": 38.0}, "15:00"), ("medication", {"name": "美林"}, "15:00")]


def test_a_reading_then_a_feed_are_two_events() -> None:
    assert read("体温36.8度喂奶90ml") == [("temperature", {"celsius": 36.8}, "15:00"),
                                       ("feeding", {"amount_ml": 90}, "15:00")]


def test_waking_then_a_feed_are_two_events() -> None:
    assert read("3点醒了喝奶90ml") == [("sleep", {"state": "awake"}, "15:00"), ("feeding", {"amount_ml": 90}, "15:00")]


@pytest.mark.parametrize("line", ["宝宝吸吮起来了", "宝宝哭起来了", "宝宝坐起来了"])
def test_up_after_a_verb_is_no_waking(line: str) -> None:
    # 起来 after a verb is what began (哭起来了) or how the body went (坐起来了); 宝宝起来了 is waking.
    assert "sleep" not in [kind for kind, _fields, _at in read(line)]
    assert [kind for kind, _fields, _at in read("宝宝刚起来了")] == ["sleep"]


@pytest.mark.parametrize("line", ["尿偏黄、少量", "尿发黄"])
def test_yellow_urine_is_a_wet_nappy_not_jaundice(line: str) -> None:
    assert read(line) == [("diaper", {"wet": True, "stool": False}, "15:00")]


def test_yellow_skin_is_still_jaundice() -> None:
    assert [kind for kind, _fields, _at in read("宝宝皮肤偏黄")] == ["jaundice"]
