"""Issue 34: Taiwan's and Hong Kong's own words for newborn care, read as the Mandarin ones (bot/diary/data/regional_words.yaml).

OpenCC changes script, not words: after it 照燈 is 照灯 and 水奶 is still 水奶, which the parser took for water. Each
word below is quoted from the public page its data entry names; the diary lines are written as a Taiwan or Hong Kong
nurse or parent would write them with that word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.entries import record_entries
from bot.diary.parse import parse_lines
from bot.diary.reading import REGIONAL_WORDS, fold_writing, to_simplified
from bot.models import DiaryFlag, Engagement
from tests.support.chat import TZ
from tests.support.diary import engagement_with

DATA = Path(__file__).parents[2] / "bot" / "diary" / "data" / "regional_words.yaml"
SENT = dt.datetime(2026, 12, 7, 11, 0, tzinfo=TZ)
NURSE = "o-regional-nurse"


def kinds(line: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, e.fields) for e in parse_lines(line, SENT, TZ)]


# -- the data --------------------------------------------------------------------------------------

def test_every_word_is_simplified_sourced_and_changed() -> None:
    """Keys are what OpenCC leaves (the table is applied after it), each with the public page it was read on."""
    table = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    entries = [entry for region in ("taiwan", "hong_kong") for entry in table[region]]
    words = [entry["word"] for entry in entries]
    assert len(words) == len(set(words))
    for entry in entries:
        assert to_simplified(entry["word"]) == entry["word"], entry
        assert entry["mandarin"] != entry["word"] and entry["source"].startswith("http"), entry
    for kept in table["kept"]:
        assert any(word in kept for word in words) and REGIONAL_WORDS[kept] == kept, kept


# -- words as the Mandarin ones --------------------------------------------------------------------

@pytest.mark.parametrize(("written", "mandarin"), [
    ("治療黃疸須住院接受光療,即是俗稱的照燈", "治疗黄疸须住院接受光疗,即是俗称的光疗"),  # prestige-pmc.com/2020
    ("新生兒黃疸照光多久", "新生儿黄疸光疗多久"),  # today.line.me/tw/v3/article/Wx6EGv (媽媽寶寶)
    ("如果嘔奶的話,寶寶會較為用力地將奶噴出", "如果吐奶的话,宝宝会较为用力地将奶喷出"),  # fhs.gov.hk CC1_3_1_5
    ("增加掃風的次數", "增加拍嗝的次数"),  # fhs.gov.hk CC1_3_1_5
    ("醫院會提供配方奶,即俗稱「水奶」", "医院会提供配方奶,即俗称「配方奶」"),  # hk01.com 875289
    ("堅持餵人奶", "坚持喂母乳"),  # skypost.hk/article/2349543
    ("否則容易變石頭奶很痛的", "否则容易变胀奶很痛的"),  # skypost.hk/article/2349543
    ("職業婦女可利用此時間從事集乳", "职业妇女可利用此时间从事挤奶"),  # twwiki.net 吸乳器
    ("泵奶次數需配合身體承受", "吸奶次数需配合身体承受"),  # store.tasteforlife.com.hk 上奶全攻略
    ("嬰兒奶瓶,又叫奶樽", "婴儿奶瓶,又叫奶瓶"),  # zhwiki.oracleblog.org/zh-hk 嬰兒奶瓶
    ("每日會有六條或以上的濕片(小便)", "每日会有六条或以上的湿尿布(小便)"),  # champimom.com 2019/01/09
    ("孩子燒到39度", "孩子发烧到39度"),  # nantongya.com/article_5345
    ("產後憂鬱", "产后抑郁"),  # hpa.gov.tw 產後憂鬱症 (tw2sp turns only 產後憂鬱症 into 产后抑郁症)
    ("耳探:38°C", "耳温:38°C"),  # stheadline.com/food-safety/3526389 (衞生署's fever by site)
    ("立刻前往急症室", "立刻前往急诊室"),  # ulifehk.com 臍帶的護理
])
def test_regional_words_are_read_as_mandarin(written: str, mandarin: str) -> None:
    assert fold_writing(written) == mandarin


@pytest.mark.parametrize("line", [
    "发烧到38.5度",  # 烧到 inside 发烧到 is already Mandarin
    "退烧到37度",
    "拍照光线不好",  # 照光 inside 拍照光线 is no phototherapy
    "一小时换片一次",  # 换片 is a mother's pad as well as a nappy: never folded
    "7点半 亲喂左边15分钟 拍嗝后睡着了",  # a Mandarin line passes as it was
])
def test_words_that_only_look_regional_are_left_alone(line: str) -> None:
    assert fold_writing(line) == line


# -- what the parser makes of them -----------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("BB飲咗60ml水奶", [("feeding", {"type": "formula", "amount_ml": 60})]),  # ready-to-feed formula, not water
    ("餵人奶 20分鐘", [("feeding", {"type": "breast", "duration_min": 20})]),
    ("泵奶 100ml", [("feeding", {"type": "expressed", "amount_ml": 100})]),
    ("集乳 60cc", [("feeding", {"type": "expressed", "amount_ml": 60})]),
    ("幫BB掃風", [("burp", {})]),
    ("BB嘔奶", [("spit_up", {})]),
    ("BB沖涼 10分鐘", [("bath", {"duration_min": 10})]),
    ("濕片一條", [("diaper", {"wet": True, "stool": False})]),
    ("BB今日屙屎兩次", [("diaper", {"wet": False, "stool": True})]),  # 屙屎 is a stool (cantonese.yaml)
    ("石頭奶很痛", [("breast", {"conditions": ["engorged"]})]),
    ("媽媽產後憂鬱 一直哭", [("mood", {"mood": "low"})]),
    ("腋探 37.8", [("temperature", {"celsius": 37.8, "site": "axillary"})]),
])
def test_regional_lines_become_entries(line: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    assert kinds(line) == expected


@pytest.fixture
def db(app: Flask, client: FlaskClient) -> Iterator[tuple[Session, Engagement]]:
    yield from engagement_with(app, client, NURSE)


@pytest.mark.parametrize(("line", "kind", "fields", "rule"), [
    ("寶寶燒到39度", "temperature", {"celsius": 39.0}, "fever"),  # Taiwan's 燒到 is a fever reached, not a note
    ("耳探 38.2度", "temperature", {"celsius": 38.2, "site": "ear"}, "fever"),  # Hong Kong's ear reading
])
def test_a_regional_fever_is_a_reading_and_an_urgent_flag(
        db: tuple[Session, Engagement], line: str, kind: str, fields: dict[str, Any], rule: str) -> None:
    session, engagement = db
    now = dt.datetime.now(TZ)
    rows = record_entries(session, engagement, NURSE, parse_lines(line, now, TZ), now, TZ)
    assert [(row.kind, row.fields) for row in rows] == [(kind, fields)]
    flags = session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id.in_([row.id for row in rows])))
    assert {(flag.rule, flag.severity) for flag in flags} == {(rule, "urgent")}
