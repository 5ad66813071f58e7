"""Issue 34 item 4 in chat: nothing of a nurse's message silently lost. Two kinds of feed on one line are two feeds,
each twin's clause keeps its own clock, a medicine taken is no feed, and what the family's day shows follows.

The lines are those issue 34 quotes as misread, and the forms of ../shared/DIARY.md ("Babies": 大宝/小宝, 老大/老二,
哥哥/妹妹, A/B). 美林 is the brand of ibuprofen drops sold for babies in China (bot/diary/kinds/medication.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Baby, DiaryEntry, DiaryFlag
from tests.support.chat import MOM, NURSE, TZ, Chat, Family, open_twins, yesterday_at


def stored(session: Session, engagement_id: int) -> list[tuple[str, dict[str, object], str, int | None]]:
    """(kind, fields, local HH:MM, baby) of every entry of the engagement, in the order written."""
    session.rollback()
    rows = session.scalars(select(DiaryEntry).where(DiaryEntry.engagement_id == engagement_id).order_by(DiaryEntry.id))
    return [(e.kind, e.fields, e.occurred_at.astimezone(TZ).strftime("%H:%M"), e.baby_id) for e in rows]


def test_breast_minutes_and_formula_ml_on_one_line_are_two_feeds_in_the_day(
    family: Family, chat: Chat, morning: dt.datetime, session: Session
) -> None:
    reply = chat.say(NURSE, "9点 母乳20分钟+奶粉30ml")
    assert reply.startswith("已记录 2 条") and "09:00 母乳 20分钟" in reply and "09:00 配方奶 30ml" in reply
    assert [(kind, fields, at) for kind, fields, at, _baby in stored(session, family.engagement_id)] == [
        ("feeding", {"type": "breast", "duration_min": 20}, "09:00"),
        ("feeding", {"type": "formula", "amount_ml": 30}, "09:00")]
    day = chat.say(MOM, "今天")
    # Two feeds at one time: the breast's minutes and the formula's millilitres, each counted once.
    assert "喂奶 2 次，共 30ml，亲喂共 20 分钟" in day
    assert "09:00 母乳 20分钟" in day and "09:00 配方奶 30ml" in day


def test_both_milks_with_one_amount_stay_one_mixed_feed(family: Family, chat: Chat, morning: dt.datetime) -> None:
    reply = chat.say(NURSE, "9点 母乳+奶粉 共90ml")
    assert reply.startswith("已记录 1 条") and "09:00 混合喂养 90ml" in reply


@pytest.fixture
def twins(app: Flask, client: FlaskClient, chat: Chat) -> Family:
    fam = open_twins(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {fam.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {fam.family_code}")
    chat.at(yesterday_at(15))
    return fam


@pytest.mark.parametrize("line", [
    "大宝 8点喂奶90ml 二宝 9点喂奶80ml",
    "大宝8点喂奶90ml，二宝9点喂奶80ml",
    "老大 8点喂奶90ml 老二 9点喂奶80ml",
    "哥哥 8点喂奶90ml 妹妹 9点喂奶80ml",
    "A宝 8点喂奶90ml B宝 9点喂奶80ml",
    "小豆苗 8点喂奶90ml 小豆芽 9点喂奶80ml",
])
def test_each_twins_clause_keeps_its_own_clock(line: str, chat: Chat, twins: Family, session: Session) -> None:
    reply = chat.say(NURSE, line)
    assert "【小豆苗】喂奶 90ml" in reply and "【小豆芽】喂奶 80ml" in reply
    session.rollback()
    babies = {b.nickname: b.id for b in session.scalars(select(Baby).where(Baby.engagement_id == twins.engagement_id))}
    assert stored(session, twins.engagement_id) == [
        ("feeding", {"amount_ml": 90}, "08:00", babies["小豆苗"]), ("feeding", {"amount_ml": 80}, "09:00", babies["小豆芽"])]


def test_twins_fed_on_one_line_without_clocks_are_two_feeds_at_the_message(
    chat: Chat, twins: Family, session: Session
) -> None:
    chat.say(NURSE, "大宝 喂奶 90ml 二宝 喂奶 80ml")
    assert [(kind, fields, at) for kind, fields, at, _baby in stored(session, twins.engagement_id)] == [
        ("feeding", {"amount_ml": 90}, "15:00"), ("feeding", {"amount_ml": 80}, "15:00")]


def test_a_fever_and_the_ibuprofen_given_are_both_kept(
    family: Family, chat: Chat, morning: dt.datetime, session: Session
) -> None:
    reply = chat.say(NURSE, "体温三十八度吃了美林")
    assert reply.startswith("已记录 2 条") and "体温 38.0℃" in reply and "用药 美林" in reply
    assert [kind for kind, *_rest in stored(session, family.engagement_id)] == ["temperature", "medication"]
    assert [f.rule for f in session.scalars(select(DiaryFlag))] == ["fever"]


@pytest.mark.parametrize(("line", "name"), [("药 吃了", None), ("美林 吃了", "美林"), ("吃了药", None)])
def test_a_medicine_taken_is_no_feed(
    line: str, name: str | None, family: Family, chat: Chat, morning: dt.datetime, session: Session
) -> None:
    chat.say(NURSE, line)
    [(kind, fields, _at, _baby)] = stored(session, family.engagement_id)
    assert kind == "medication" and fields.get("name") == name
