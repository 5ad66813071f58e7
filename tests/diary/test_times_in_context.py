"""Issue 34: times read as people write them — a clock in a message read on from the clauses before it, and the
colloquial lines a nurse sends in chat (tried as she would: each is read at its right time)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.diary.parse import parse_lines
from tests.support.chat import TZ


def at(line: str, sent: str) -> list[tuple[str, str]]:
    """(kind, local day and time) of each entry of a message sent on 7 December at ``sent``."""
    hour, minute = map(int, sent.split(":"))
    sent_at = dt.datetime(2026, 12, 7, hour, minute, tzinfo=TZ)
    return [(e.kind, e.occurred_at.astimezone(TZ).strftime("%d %H:%M")) for e in parse_lines(line, sent_at, TZ)]


@pytest.mark.parametrize("sent", ["07:00", "00:40"])
def test_a_later_clock_after_eleven_at_night_is_past_midnight(sent: str) -> None:
    # 12点半 after 晚上11点 goes on into the night: 00:30, not the noon before.
    assert at("晚上11点喂奶 12点半又喂了", sent) == [("feeding", "06 23:00"), ("feeding", "07 00:30")]


def test_a_clock_after_last_night_stays_last_night() -> None:
    assert at("昨晚8点喂奶，10点换尿布", "15:00") == [("feeding", "06 20:00"), ("diaper", "06 22:00")]


def test_a_clock_after_an_afternoon_hour_is_the_afternoon() -> None:
    assert at("下午三点 体温36.8 四点 换尿布", "17:00") == [("temperature", "07 15:00"), ("diaper", "07 16:00")]


def test_a_clock_told_out_of_order_is_read_as_if_alone() -> None:
    # No reading of 8点 after 10:00 has come: it is the morning's 8 o'clock, as said alone.
    assert at("10点喂奶，8点换的尿布", "15:00") == [("feeding", "07 10:00"), ("diaper", "07 08:00")]


@pytest.mark.parametrize(("sent", "when"), [("08:00", "07 00:00"), ("13:00", "07 12:00")])
def test_twelve_o_clock_alone_is_the_last_noon_or_midnight(sent: str, when: str) -> None:
    assert at("12点喂奶", sent) == [("feeding", when)]


def test_half_past_two_in_the_small_hours_sent_in_the_morning_is_that_night() -> None:
    assert at("凌晨两点半吃了80", "07:00") == [("feeding", "07 02:30")]


def test_fed_then_slept_until_a_time_is_a_feed_and_the_sleep() -> None:
    sent_at = dt.datetime(2026, 12, 7, 10, 30, tzinfo=TZ)
    entries = parse_lines("七点半吃了睡到九点半。十点吃左边母乳18分钟。", sent_at, TZ)
    assert [(e.kind, e.fields, e.occurred_at.astimezone(TZ).strftime("%H:%M")) for e in entries] == [
        ("feeding", {}, "07:30"), ("sleep", {"duration_min": 120}, "07:30"),
        ("feeding", {"type": "breast", "side": "left", "duration_min": 18}, "10:00")]


@pytest.mark.parametrize("line", ["喂完了", "宝宝吃饱了", "补记一下咖啡 喂过"])
def test_a_feed_told_by_its_verb_alone_is_a_feed(line: str) -> None:
    assert [e.kind for e in parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)] == ["feeding"]


def test_a_feed_told_by_its_verb_half_an_hour_ago_is_at_its_time() -> None:
    assert at("补记一下咖啡半小时前喂过", "15:00") == [("feeding", "07 14:30")]


@pytest.mark.parametrize("line", ["妈妈吃了", "吃了药"])
def test_the_mothers_meal_or_a_medicine_is_no_feed(line: str) -> None:
    assert "feeding" not in [e.kind for e in parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)]
