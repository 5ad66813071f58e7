"""Issue 10, item 7: the danger signs of ../shared/DIARY.md's flag table that had no rule, each with its level, and
never from a negation. Lines follow the table's own words (and the corpus' danger lines)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.engagements import bind
from bot.diary.entries import record_entries
from bot.diary.parse import parse_lines
from bot.models import DiaryFlag, Engagement
from tests.support.chat import TZ, open_family

NURSE = "o-nurse-signs"


@pytest.fixture
def diary(app: Flask, client: FlaskClient) -> Iterator[tuple[Session, Engagement]]:
    family = open_family(app, client, birth_days_ago=8, birth_weight_g=3400)  # day 9 of life today
    with app.extensions["anxin_db"].new_session() as session:
        engagement = session.get(Engagement, family.engagement_id)
        assert engagement is not None
        bind(session, NURSE, family.nurse_code, dt.datetime.now(dt.UTC) - dt.timedelta(days=2), TZ)
        yield session, engagement


def flags_of(diary: tuple[Session, Engagement], text: str, at: dt.datetime | None = None) -> list[tuple[str, str]]:
    session, engagement = diary
    sent = at or dt.datetime.now(TZ) - dt.timedelta(minutes=1)
    rows = record_entries(session, engagement, NURSE, parse_lines(text, sent, TZ), sent, TZ)
    ids = [r.id for r in rows]
    return [(f.rule, f.severity) for f in session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id.in_(ids)))]


@pytest.mark.parametrize(("line", "expected"), [
    ("宝宝心率180", [("heart_rate", "urgent")]),
    ("心跳 90次/分", [("heart_rate", "urgent")]),
    ("呼吸 70次/分", [("breathing", "urgent")]),
    ("产妇说胸口疼", [("chest_pain", "urgent")]),
    ("产妇呼吸困难", [("mother_breathless", "urgent")]),
    ("宝妈气短", [("mother_breathless", "urgent")]),
    ("产妇左小腿肿痛", [("calf_pain", "urgent")]),
    ("宝妈抽搐", [("mother_seizure", "urgent")]),
    ("宝宝抽搐", [("convulsions", "urgent")]),
    ("产妇说不想活了", [("harm_thoughts", "urgent")]),
    ("情绪 EPDS 11", [("epds", "watch")]),
    ("EPDS评分14分，第10题1分", [("epds_q10", "urgent"), ("epds", "watch")]),
    ("情绪 EPDS 6 第10题 2分", [("epds_q10", "urgent")]),
    ("新生儿嗜睡不醒不吃奶", [("lethargy", "urgent"), ("poor_feeding", "urgent")]),  # corpus: the 不 of 不醒 is not 不吃奶's
    ("排便呈白陶土色时", [("pale_stool", "urgent")]),  # corpus
    ("换尿布 尿布上有砖红色尿酸盐结晶", [("urates", "watch")]),  # day 9: after day 4
])
def test_each_sign_is_flagged_at_its_level(diary: tuple[Session, Engagement], line: str,
                                           expected: list[tuple[str, str]]) -> None:
    assert sorted(flags_of(diary, line)) == sorted(expected)


@pytest.mark.parametrize("line", [
    "心率正常 130", "心率 140次/分", "呼吸40次/分", "没有胸闷", "产妇无胸痛", "腿有点肿", "小腿不肿不痛", "没有抽搐",
    "没有想伤害自己的念头", "情绪 EPDS 6 第10题 0分", "宝宝没有不吃奶", "大便可能变为灰白色或陶土色", "尿不黄",
])
def test_negations_and_normal_readings_raise_nothing(diary: tuple[Session, Engagement], line: str) -> None:
    assert flags_of(diary, line) == []


def test_few_stools_from_day_three_over_a_recorded_day(diary: tuple[Session, Engagement]) -> None:
    now = dt.datetime.now(TZ) - dt.timedelta(minutes=1)
    assert flags_of(diary, "母乳 15分钟", now - dt.timedelta(hours=26)) == []  # the diary covers 24 hours from here
    assert flags_of(diary, "换尿布 大便 黄色", now - dt.timedelta(hours=20)) == []
    # One stool in the last 24 hours of a breastfed baby on day 9: watch, once for the day.
    assert ("few_stools", "watch") in flags_of(diary, "换尿布 小便", now)
