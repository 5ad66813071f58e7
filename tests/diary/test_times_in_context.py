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


def kinds_and_fields(line: str) -> list[tuple[str, dict[str, object]]]:
    return [(e.kind, e.fields) for e in parse_lines(line, dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ), TZ)]


@pytest.mark.parametrize(("line", "read"), [
    ("醒来后喝了60ml", [("sleep", {"state": "awake"}), ("feeding", {"amount_ml": 60})]),
    ("喂奶60ml后吐了一点", [("feeding", {"amount_ml": 60}), ("spit_up", {"amount": "little"})]),
    ("剛餵完奶就吐了", [("feeding", {}), ("spit_up", {})]),
    ("喂完奶给宝宝拍嗝", [("feeding", {}), ("burp", {})]),
    ("但是后来给孩子洗澡发现肚脐眼里总是有臭臭味", [("bath", {}), ("cord_care", {"condition": "smelly"})]),
    ("吃奶好，大小便正常，睡眠好", [("note", {})]),
])
def test_each_event_of_a_line_is_one_entry(line: str, read: list[tuple[str, dict[str, object]]]) -> None:
    assert kinds_and_fields(line) == read


@pytest.mark.parametrize(("line", "state"), [
    ("睡不着", "awake"), ("哄了半天没睡着", "awake"), ("还不睡", "awake"), ("半夜驚醒", "awake"), ("12点半醒", "awake"),
    ("寶寶一直睡不醒", "asleep"), ("刚睡着", "asleep"),
])
def test_the_state_of_sleep_told(line: str, state: str) -> None:
    assert kinds_and_fields(line) == [("sleep", {"state": state})]


@pytest.mark.parametrize(("line", "grams"), [
    ("体重3公斤200克", 3200), ("宝宝重七斤", 3500), ("寶寶現在4200克", 4200), ("体重降到3100", 3100),
    ("寶寶出生時3200公克，現在只剩2900公克", 2900), ("體重增加了500公克", None), ("体重比出生时轻了300克", None),
    ("奶粉30克", None), ("妈妈体重60公斤", None), ("例:寶寶 4 公斤,則每日約 400~600 c.c.。", None),
])
def test_a_weight_is_the_babys_weight_not_a_change_of_it(line: str, grams: int | None) -> None:
    weights = [fields["grams"] for kind, fields in kinds_and_fields(line) if kind == "weight"]
    assert weights == ([grams] if grams is not None else [])


@pytest.mark.parametrize(("line", "value"), [
    ("照光後黃疸值從16降到12", 12.0), ("黄疸从昨天的15降到了11", 11.0), ("黄疸值升到了18", 18.0), ("黄疸值15", 15.0),
])
def test_a_bilirubin_that_came_to_another_value_is_that_value(line: str, value: float) -> None:
    [(kind, fields)] = kinds_and_fields(line)
    assert (kind, fields["bilirubin"]) == ("jaundice", value)


def test_a_spit_up_not_much_is_little() -> None:
    assert kinds_and_fields("宝宝吐奶，量不多") == [("spit_up", {"amount": "little"})]


def test_half_an_hour_ago_said_with_the_verb_first_counts_back() -> None:
    assert at("半小时前喂了60ml", "15:00") == [("feeding", "07 14:30")]
