"""Issue 34, items 1 and 4: a nurse's line read as written — traditional script, words as words, two babies or
two kinds of feed on one line, relative and colloquial times, a reading written after another event.

The lines are those the outside measurement of real writing quoted as misread (issue 34: "Traditional script",
"Words read inside other words", "In chat, tried as a nurse would"); the Taiwan and Hong Kong words are from
the same measurement's traditional-script set (紙尿褲, 糞便, 臍窩, 吸吮無力).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.babies import BabyRef
from bot.diary.parse import read_lines
from bot.diary.reading import fold_writing
from bot.models import Baby, DiaryEntry, DiaryFlag
from tests.support.chat import TZ, Chat, open_family, open_twins

NURSE, MOM = "o-nurse-reading", "o-mom-reading"
SENT = dt.datetime(2026, 12, 7, 11, 0, tzinfo=TZ)
TWINS = [BabyRef(31, 1), BabyRef(32, 2)]


def read(line: str, babies: list[BabyRef] | None = None) -> list[tuple[str, dict[str, Any], str]] | str:
    """The entries of one line: (kind, fields, local HH:MM), or why it was refused."""
    [one] = read_lines(line, SENT, TZ, babies or [])
    return one.refused or [(e.kind, e.fields, e.occurred_at.astimezone(TZ).strftime("%H:%M")) for e in one.entries]


# -- traditional script ----------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "simplified"), [
    ("紙尿褲", "纸尿裤"), ("糞便", "粪便"), ("臍窩", "脐窝"), ("吸吮無力", "吸吮无力"), ("體溫", "体温"), ("餵奶", "喂奶"),
    ("尿布疹", "尿布疹"), ("奶瓶 60cc", "奶瓶 60cc"),
    ("寶寶睡著了", "宝宝睡着了"),  # Taiwan's 著 of a state (tw2sp), which a character map cannot tell from 著名
    ("衞生巾", "卫生巾"),  # Hong Kong's variant form (hk2s)
])
def test_traditional_and_variant_forms_are_read_as_simplified(written: str, simplified: str) -> None:
    assert fold_writing(written) == simplified


def test_simplified_writing_is_left_as_it_is() -> None:
    line = "7点半 亲喂左边15分钟 拍嗝后睡着了 著名的月子中心"
    assert fold_writing(line) == line


# -- Hong Kong's written Cantonese (bot/diary/data/cantonese.yaml): OpenCC changes the script, not the words ---------

@pytest.mark.parametrize(("written", "mandarin"), [
    ("BB開始厭奶期 唔肯飲奶點算好﹖", "BB开始厌奶期 不肯喝奶怎么办好﹖"),  # virtushealthstation.com/category/new-parent
    ("為何BB唔可以飲水", "为何BB不可以饮水"),  # mbaby.org/baby-care/detail?id=172 (饮水 stays: not 饮奶)
    # zh-yue.wikipedia.org 孲𤘅子: 嘅, 冇乜, 啱啱, 𠮶 (OpenCC's form of 嗰)
    ("有啲 BB 出世嗰陣好多頭髮,有啲就冇乜", "有些 BB 出世那阵好多头发,有些就没有什么"),
    ("BB成日喊，唔肯瞓", "BB整天哭，不肯睡"),  # 喊 is "to cry" only in a Cantonese line
    ("喊他也不醒", "喊他也不醒"),  # Mandarin's 喊 ("to call") is left alone
    ("琴晚BB瞓咗兩個鐘", "昨晚BB睡了两个小时"),
])
def test_written_cantonese_is_read_as_mandarin(written: str, mandarin: str) -> None:
    assert fold_writing(written) == mandarin


@pytest.mark.parametrize(("line", "expected"), [
    ("佢飲咗90ml奶", [("feeding", {"amount_ml": 90}, "11:00")]),
    ("BB瞓咗兩個鐘", [("sleep", {"duration_min": 120}, "09:00")]),  # slept, so ended at the message (11:00)
    ("BB今日屙咗三次，黃色", [("diaper", {"wet": False, "stool": True, "colour": "yellow"}, "11:00")]),
    ("BB身體好熱，探熱38度", [("temperature", {"celsius": 38.0}, "11:00")]),
])
def test_cantonese_lines_become_entries(line: str, expected: list[tuple[str, dict[str, Any], str]]) -> None:
    assert read(line) == expected


def test_cantonese_no_and_not_are_negations() -> None:
    """冇 and 唔 are 没有 and 不: 冇發燒 raises no fever; 唔肯飲奶 is the refusal of a feed (a danger sign)."""
    from bot.diary.lexicon import signs_in
    assert signs_in("BB冇發燒", 9) == []
    assert [key for key, _, _ in signs_in("BB唔肯飲奶，成日瞓", 9)] == ["poor_feeding"]


@pytest.mark.parametrize(("line", "expected"), [
    ("紙尿褲濕了", [("diaper", {"wet": True, "stool": False}, "11:00")]),
    ("糞便黃色", [("diaper", {"wet": False, "stool": True, "colour": "yellow"}, "11:00")]),
    ("臍窩有點紅", [("cord_care", {"condition": "red"}, "11:00")]),
    ("體溫37.5", [("temperature", {"celsius": 37.5}, "11:00")]),
    ("9點 餵奶90ml", [("feeding", {"amount_ml": 90}, "09:00")]),
])
def test_traditional_lines_become_entries(line: str, expected: list[tuple[str, dict[str, Any], str]]) -> None:
    assert read(line) == expected


# -- words read as words ---------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "not_kinds"), [
    ("眼屎有点多", {"diaper"}),  # eye discharge, not stool
    ("尿布疹", {"diaper"}),  # nappy rash, not a nappy change
    ("还没打嗝", {"burp"}),  # a burp that did not come
    ("偶尔吐一次奶", {"feeding"}),  # milk brought up, not a feed
])
def test_a_word_inside_another_word_is_not_read(line: str, not_kinds: set[str]) -> None:
    entries = read(line)
    assert isinstance(entries, list) and not {kind for kind, _f, _t in entries} & not_kinds


@pytest.mark.parametrize(("line", "kind"), [
    # 十分疼痛 is the measurement's; these two lines are written around it (not quoted from a source).
    ("亲喂时十分疼痛", "feeding"), ("宝宝吃奶十分费力", "feeding"), ("乳头十分疼痛", "breast"),
])
def test_very_is_no_ten_minutes(line: str, kind: str) -> None:
    entries = read(line)
    assert isinstance(entries, list) and [k for k, _f, _t in entries] == [kind]
    assert all("duration_min" not in fields for _kind, fields, _t in entries)


def test_a_nappy_still_dry_is_no_wet_nappy() -> None:
    assert read("尿布持续干燥") == [("diaper", {"wet": False, "stool": False}, "11:00")]


def test_milk_brought_up_is_a_spit_up() -> None:
    assert read("偶尔吐一次奶") == [("spit_up", {}, "11:00")]


def test_chinese_numerals_of_amounts_and_times_are_numbers() -> None:
    assert read("喝了一百二十毫升奶粉") == [("feeding", {"type": "formula", "amount_ml": 120}, "11:00")]
    assert read("下午一点 亲喂二十分钟") == [("feeding", {"type": "breast", "duration_min": 20}, "13:00")]
    little = read("宝宝有一点黄")
    assert isinstance(little, list) and [t for _k, _f, t in little] == ["11:00"]  # 一点 is "a little", not 1 o'clock


# -- two kinds of feed, two babies -----------------------------------------------------------------

@pytest.mark.parametrize("line", ["母乳20分钟+奶粉30ml", "母乳20分钟＋奶粉30ml", "混合喂养 母乳20分钟+奶粉30ml"])
def test_breast_milk_and_formula_each_measured_are_two_feeds(line: str) -> None:
    # Issue 34 item 4: two kinds of feed on one line give two entries. Each milk with its own measure (the breast's
    # minutes, the formula's ml) is its own feed, as in two clauses; 混合喂养 names the way of feeding, not a third.
    assert read(line) == [("feeding", {"type": "breast", "duration_min": 20}, "11:00"),
                          ("feeding", {"type": "formula", "amount_ml": 30}, "11:00")]


def test_expressed_milk_and_formula_each_measured_are_two_feeds() -> None:
    assert read("母乳60ml+奶粉30ml") == [("feeding", {"type": "expressed", "amount_ml": 60}, "11:00"),
                                       ("feeding", {"type": "formula", "amount_ml": 30}, "11:00")]


@pytest.mark.parametrize(("line", "ml"), [("母乳+奶粉 60ml", 60), ("母乳+奶粉 共90ml", 90), ("混合喂养 60ml", 60)])
def test_both_milks_with_one_measure_are_one_mixed_feed_not_formula(line: str, ml: int) -> None:
    # One amount for both milks cannot be shared out: one mixed feed, never formula.
    assert read(line) == [("feeding", {"type": "mixed", "amount_ml": ml}, "11:00")]


def test_breast_milk_and_formula_in_two_clauses_are_two_feeds() -> None:
    # As the corpus reads 亲喂左10右15分，又喝了50ml奶粉: each clause with its own measure is its own entry.
    assert read("母乳20分钟，奶粉30ml") == [("feeding", {"type": "breast", "duration_min": 20}, "11:00"),
                                          ("feeding", {"type": "formula", "amount_ml": 30}, "11:00")]


def test_two_babies_fed_on_one_line_are_two_feeds() -> None:
    [one] = read_lines("大宝 喂奶 90ml 二宝 喂奶 80ml", SENT, TZ, TWINS)
    assert [(e.kind, e.fields, e.baby_id) for e in one.entries] == [
        ("feeding", {"amount_ml": 90}, 31), ("feeding", {"amount_ml": 80}, 32)]


# -- times -----------------------------------------------------------------------------------------

def test_just_now_at_a_quarter_past_ten_is_ten_fifteen() -> None:
    assert read("刚才十点一刻喂了母乳") == [("feeding", {"type": "breast"}, "10:15")]


@pytest.mark.parametrize(("line", "at"), [
    ("半小时前喂奶60ml", "10:30"), ("20分钟前换了尿布", "10:40"), ("一个半小时前喂奶60ml", "09:30"),
    ("两个小时前喂奶60ml", "09:00"),
])
def test_a_time_before_the_message_is_counted_back(line: str, at: str) -> None:
    entries = read(line)
    assert isinstance(entries, list) and [t for _k, _f, t in entries] == [at]
    assert all("duration_min" not in fields for _k, fields, _t in entries)


def test_slept_until_ten_is_woke_at_ten() -> None:
    assert read("宝宝睡到10点") == [("sleep", {"state": "awake"}, "10:00")]


def test_slept_until_ten_after_falling_asleep_gives_the_sleep_between() -> None:
    lines = read_lines("8点 宝宝入睡\n宝宝睡到10点", SENT, TZ)
    assert [(e.fields, e.occurred_at.astimezone(TZ).strftime("%H:%M")) for line in lines for e in line.entries] == [
        ({"state": "asleep"}, "08:00"), ({"state": "awake"}, "10:00")]


# -- a reading after another event ------------------------------------------------------------------

def test_a_temperature_written_against_waking_is_kept() -> None:
    assert read("睡醒37.8") == [("sleep", {"state": "awake"}, "11:00"), ("temperature", {"celsius": 37.8}, "11:00")]


def test_a_fever_beside_a_danger_sign_is_kept() -> None:
    assert read("9点 体温38.6 宝宝有点蔫") == [("temperature", {"celsius": 38.6}, "09:00"), ("note", {}, "09:00")]


def test_dark_red_lochia_is_dark_red() -> None:
    assert read("恶露暗红色") == [("lochia", {"colour": "dark-red"}, "11:00")]
    assert read("恶露鲜红") == [("lochia", {"colour": "red", "bright": True}, "11:00")]


# -- in chat, as a nurse sends them ----------------------------------------------------------------

def test_chat_records_both_babies_feeds_and_says_so(app: Flask, client: FlaskClient, session: Session) -> None:
    family = open_twins(app, client, nicknames=(None, None))
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    reply = chat.say(NURSE, "大宝 喂奶 90ml 二宝 喂奶 80ml")
    assert "已记录 2 条" in reply and "【大宝】喂奶 90ml" in reply and "【小宝】喂奶 80ml" in reply
    session.rollback()
    babies = {b.position: b.id for b in session.scalars(select(Baby).where(Baby.engagement_id == family.engagement_id))}
    stored = [(e.fields.get("amount_ml"), e.baby_id) for e in session.scalars(
        select(DiaryEntry).where(DiaryEntry.engagement_id == family.engagement_id).order_by(DiaryEntry.id))]
    assert stored == [(90, babies[1]), (80, babies[2])]


def test_chat_files_a_feed_told_just_now_at_its_time(app: Flask, client: FlaskClient, session: Session) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    chat.at(dt.datetime.now(TZ).replace(hour=11, minute=0, second=0, microsecond=0))
    reply = chat.say(NURSE, "刚才十点一刻喂了母乳")
    assert "10:15 母乳" in reply
    session.rollback()
    [entry] = session.scalars(select(DiaryEntry).where(DiaryEntry.engagement_id == family.engagement_id))
    assert entry.occurred_at.astimezone(TZ).strftime("%H:%M") == "10:15" and entry.fields == {"type": "breast"}


def test_chat_counts_the_sleep_that_ended_at_ten_from_its_start(app: Flask, client: FlaskClient) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {family.family_code}")
    chat.at(dt.datetime.now(TZ).replace(hour=11, minute=0, second=0, microsecond=0))
    assert "08:00 睡眠 入睡" in chat.say(NURSE, "8点 宝宝入睡")
    assert "10:00 睡眠 醒了" in chat.say(NURSE, "宝宝睡到10点")
    assert "小结：睡眠约 2小时" in chat.say(MOM, "今天").splitlines()  # 2 hours, not "2小时0分"


def test_chat_flags_a_sign_written_in_traditional_script(app: Flask, client: FlaskClient, session: Session) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    chat.say(NURSE, "寶寶吸吮無力")  # the measurement's traditional-script miss
    session.rollback()
    rules = set(session.scalars(select(DiaryFlag.rule).where(DiaryFlag.engagement_id == family.engagement_id)))
    assert "poor_feeding" in rules


def test_a_sleep_told_as_over_ended_when_written_and_is_not_late(app: Flask, client: FlaskClient) -> None:
    """睡了两个小时 with no clock: 09:00–11:00 when sent at 11:00, never 11:00–13:00, and not marked 补记 (it ended
    when she wrote); a sleep that ended hours before is."""
    chat = Chat(client)
    family = open_family(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    chat.at(SENT)
    assert chat.say(NURSE, "宝宝睡了两个小时").splitlines()[1] == "09:00–11:00 睡眠 2小时"
    assert chat.say(NURSE, "5点到6点睡了一小时").splitlines()[1] == "05:00–06:00 睡眠 1小时（补记）"
