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


def test_a_range_of_bare_hours_is_the_one_that_has_ended() -> None:
    assert at("从1点睡到3点", "15:00") == [("sleep", "07 13:00")]


def test_a_line_about_the_baby_told_clock_by_clock_is_cut_at_each_clock() -> None:
    assert at("宝宝8点喂奶，10点换尿布", "15:00") == [("feeding", "07 08:00"), ("diaper", "07 10:00")]
    assert at("宝宝10点睡的，12点醒的", "15:00") == [("sleep", "07 10:00"), ("sleep", "07 12:00")]


@pytest.mark.parametrize(("line", "kinds"), [
    ("两点喂的", ["feeding"]), ("哺乳15分钟", ["feeding"]), ("宝宝刚哺乳完", ["feeding"]),
    ("喝完奶睡了", ["feeding", "sleep"]), ("宝宝起来了", ["sleep"]), ("抬头5分钟", ["tummy_time"]),
    ("干的棕色", ["diaper"]), ("宝宝会抬头了", ["note"]), ("宝宝坐起来了", ["note"]), ("嘴唇干的", ["note"]),
    ("哺乳期乳房有硬块", ["breast"]),
])
def test_what_a_nurse_says_in_few_words(line: str, kinds: list[str]) -> None:
    assert [e.kind for e in parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)] == kinds


@pytest.mark.parametrize("line", ["三十八，不对，我说错了，是三十六点八。", "三十八不是，刚才说错了，是三十六点八。"])
def test_a_value_corrected_is_the_reading_given_last(line: str) -> None:
    [entry] = parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)
    assert (entry.kind, entry.fields) == ("temperature", {"celsius": 36.8})


def test_a_feed_told_as_the_moment_of_something_sudden_is_no_feed() -> None:
    line = "哺乳期宝宝吃完奶,妈妈突然发冷还发烧,乳房还疼痛,怎么办?"
    assert [e.kind for e in parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)] == ["breast"]


def test_a_sign_in_words_that_tell_no_event_keeps_its_note_beside_the_reading() -> None:
    line = "二寶體溫才37.8度,但哭鬧不停、拒絕喝奶"
    assert [e.kind for e in parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)] == ["temperature", "note"]
