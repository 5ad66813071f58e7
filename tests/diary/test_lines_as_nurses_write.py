"""Lines as nurses really write them, and every danger sign of the flag table (issue 10, items 2–4 and 7).

Lines are quoted from the issue and from ../shared/DIARY.md ("How nurses really write", the flag table), which
took them from the corpus' public sources (tests/diary/corpus/README.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.entries import record_entries
from bot.diary.kinds.jaundice import phototherapy_threshold
from bot.diary.parse import ParsedEntry, parse_lines, read_lines
from bot.diary.render import WECHAT_TEXT_BYTES, recorded_text
from bot.models import DiaryFlag, Engagement
from tests.support.chat import TZ
from tests.support.diary import engagement_with

SENT = dt.datetime(2026, 11, 20, 15, 0, tzinfo=TZ)  # a Friday afternoon


def kinds(line: str, sent: dt.datetime = SENT) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, e.fields) for e in parse_lines(line, sent, TZ)]


# -- item 2: one line, several events ------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("7时30分，宝宝清醒后，喂奶、拍嗝，给宝妈做早餐", [("feeding", {}), ("burp", {}), ("meal", {"meal": "breakfast"})]),
    ("喝了110多奶粉和10ml水", [("feeding", {"type": "formula", "amount_ml": 110}),
                            ("feeding", {"type": "water", "amount_ml": 10})]),
    ("喝了50母乳", [("feeding", {"type": "expressed", "amount_ml": 50})]),
    ("母乳15", [("feeding", {"type": "breast", "duration_min": 15})]),
    ("换尿布 干爽", [("diaper", {"wet": False, "stool": False})]),
    ("会阴伤口干燥无红肿", [("wound", {"site": "perineum", "condition": "healing"})]),
    ("灰白色陶土便", [("diaper", {"wet": False, "stool": True, "colour": "white-grey"})]),
    ("躯干及四肢发黄", [("jaundice", {"extent": "legs"})]),
    ("802 宝宝黄疸", [("jaundice", {})]),  # a room number is no bilirubin reading
    ("一个月大的宝宝黄疸值为16mg/dL", [("jaundice", {"bilirubin": 16.0, "bilirubin_unit": "mg/dL"})]),
    ("经皮黄疸 205", [("jaundice", {"bilirubin": 205.0, "bilirubin_unit": "umol/L", "method": "transcutaneous"})]),
    ("吐绿水", [("spit_up", {"bilious": True})]),
    ("宝宝没有抽搐 呼吸平稳", [("note", {})]),
    ("寶寶喝完奶吐了", [("spit_up", {})]),  # traditional characters
])
def test_a_line_yields_every_event_it_names(line: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    assert kinds(line) == expected


@pytest.mark.parametrize(("line", "start", "minutes", "days_back"), [
    ("20:00-次日6:00 夜间睡眠", "20:00", 600, 1),
    ("11点半睡到12点40", "11:30", 70, 0),
    ("昨晚十点睡到今天早上六点", "22:00", 480, 1),
    ("宝宝 下午2点到2点半 睡觉", "14:00", 30, 0),
])
def test_ranges_and_spans_become_sleeps_with_start_and_duration(line: str, start: str, minutes: int, days_back: int) -> None:
    [entry] = parse_lines(line, SENT, TZ)
    local = entry.occurred_at.astimezone(TZ)
    assert (entry.kind, entry.fields.get("duration_min")) == ("sleep", minutes)
    assert (local.strftime("%H:%M"), (SENT.date() - local.date()).days) == (start, days_back)


# -- item 3: impossible and surprising times ---------------------------------------------------------

def test_an_impossible_time_refuses_its_line_only() -> None:
    read = read_lines("25:00 喂奶 90ml\n7:75 换尿布\n14:30 喂奶 60ml", SENT, TZ)
    assert [r.refused is not None for r in read] == [True, True, False]
    assert "25:00" in (read[0].refused or "") and "不是有效的时间" in (read[0].refused or "")
    assert [(e.kind, e.fields) for e in read[2].entries] == [("feeding", {"amount_ml": 60})]


def test_a_future_time_is_yesterday_and_said_so_unless_today_is_said() -> None:
    [evening] = read_lines("晚上9点 喂奶 60ml", SENT, TZ)
    assert evening.other_day == SENT.date() - dt.timedelta(days=1)
    [today] = read_lines("今天晚上9点 喂奶", SENT, TZ)
    assert today.entries == [] and today.refused is not None and "还没到" in today.refused


# -- items 3, 4, 7 through recording ----------------------------------------------------------------

NURSE = "o-issue10-nurse"


@pytest.fixture
def db(app: Flask, client: FlaskClient) -> Iterator[tuple[Session, Engagement]]:
    yield from engagement_with(app, client, NURSE)


def record(db: tuple[Session, Engagement], text: str, sent: dt.datetime | None = None) -> tuple[list[Any], list[DiaryFlag]]:
    session, engagement = db
    now = sent or dt.datetime.now(TZ)
    rows = record_entries(session, engagement, NURSE, parse_lines(text, now, TZ), now, TZ)
    flags = list(session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id.in_([r.id for r in rows]))))
    return list(rows), flags


def test_the_reply_shows_what_was_understood_and_the_day(db: tuple[Session, Engagement]) -> None:
    now = dt.datetime.now(TZ).replace(hour=15, minute=0, second=0, microsecond=0)
    if now > dt.datetime.now(TZ):
        now -= dt.timedelta(days=1)
    rows, flags = record(db, "7:30 配方奶 110ml\n14:00-14:30 睡觉\n晚上9点 喂奶 60ml\n宝宝今天很乖", now)
    text = recorded_text(rows, flags, TZ, sent_day=now.date(), refused=[("25:00 喂奶", "“25:00”不是有效的时间")])
    lines = text.splitlines()
    assert lines[:4] == ["已记录 4 条：", "07:30 配方奶 110ml（补记）", "14:00–14:30 睡眠 30分钟",
                         "昨天 21:00 喂奶 60ml（补记）"]
    assert lines[4].startswith("15:00 备注：宝宝今天很乖（没有识别出具体事项")
    assert "未记录 1 行：" in lines and "“25:00 喂奶”：“25:00”不是有效的时间" in lines


def test_a_long_reply_fits_one_wechat_text(db: tuple[Session, Engagement]) -> None:
    rows, flags = record(db, "\n".join(f"月子餐 午餐 {'鲫鱼汤' * 20} 吃完 {n}" for n in range(40)))
    text = recorded_text(rows, flags, TZ)
    assert len(text.encode("utf-8")) <= WECHAT_TEXT_BYTES
    assert text.startswith("已记录 40 条") and "另有" in text


@pytest.mark.parametrize(("line", "expected"), [
    ("体温37.6", {("raised_temperature", "urgent")}),       # ≥ 37.5 ℃ in the first 28 days
    ("耳温37.6", {("raised_temperature", "watch")}),        # an ear reading asks for an axillary re-check
    ("耳温38.1", {("fever", "urgent")}),
    ("肛温37.8", {("raised_temperature", "watch")}),        # a rectal reading runs higher: re-check under the arm
    ("肛溫 38.1", {("fever", "urgent")}),                    # 38.0 ℃ is a fever by any site (NICE NG143)
    ("体温35.5", {("low_temperature", "urgent")}),
    ("大便 黑色", {("black_stool", "urgent")}),              # black after day 5
    ("灰白色陶土便", {("pale_stool", "urgent")}),
    ("脐部红肿", {("cord", "urgent")}),                      # redness spreading around the cord
    ("肚脐有点红", {("cord", "watch")}),
    ("肚脐有脓", {("cord", "urgent")}),
    ("吐绿水", {("bilious_vomit", "urgent")}),
    ("喷射状吐奶", {("projectile_vomit", "urgent")}),
    ("宝宝抽搐 两眼上翻", {("convulsions", "urgent")}),
    ("宝宝叫不醒", {("lethargy", "urgent")}),
    ("呼吸急促", {("breathing", "urgent")}),
    ("嘴唇发紫", {("cyanosis", "urgent")}),
    ("剖宫产刀口红肿渗液", {("wound_infection", "urgent")}),
    ("黄疸 380umol/L", {("high_bilirubin", "urgent")}),        # day 9: the line is 21.2 mg/dL ≈ 362 μmol/L
    ("黄疸 15mg/dL", set()),
    ("体重 3050g", {("weight_loss", "urgent")}),             # 10.3 % below 3400 g
    ("体重 3150g", {("weight_loss", "watch")}),              # 7.4 %
    # Negations and absence never flag.
    ("会阴伤口干燥无红肿", set()), ("没有抽搐", set()), ("无呼吸急促", set()), ("换尿布 干爽", set()),
    ("大便 黄色 无血丝", set()), ("脐部无红肿 无渗液", set()), ("一点都不涨", set()),
])
def test_every_danger_sign_is_caught_with_its_level(db: tuple[Session, Engagement], line: str,
                                                    expected: set[tuple[str, str]]) -> None:
    _rows, flags = record(db, line)
    assert {(f.rule, f.severity) for f in flags} == expected
    assert all("建议" in f.reason for f in flags)


def test_bilirubin_thresholds_follow_the_hour_of_age() -> None:
    assert phototherapy_threshold(0) == 7.9
    assert phototherapy_threshold(24) == 12.3
    assert phototherapy_threshold(30) == pytest.approx(13.2, abs=0.1)
    assert phototherapy_threshold(1000) == 21.8


def test_a_parsed_entry_is_the_same_whoever_sends_it(db: tuple[Session, Engagement]) -> None:
    """The mini-program's structured entry goes through the same rules as the chat line."""
    session, engagement = db
    now = dt.datetime.now(TZ)
    [row] = record_entries(session, engagement, NURSE, [ParsedEntry("spit_up", {"bilious": True}, "", now)], now, TZ)
    flags = list(session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id == row.id)))
    assert [(f.rule, f.severity) for f in flags] == [("bilious_vomit", "urgent")]
