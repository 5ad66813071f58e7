"""The family's final evaluation in chat: asked once by the ``evaluation`` job when service ended, answered simply."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from bot.jobs import run_job
from bot.models import FinalEvaluation
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import MOM, NURSE, TZ, Chat, Family, today
from tests.support.closing import end_engagement
from tests.support.diary import DAD, notifications, texts_to

ASKED = "请为月嫂"


@pytest.fixture
def family(family: Family, chat: Chat) -> Family:
    """The shared family with the father bound too."""
    assert "绑定成功" in chat.say(DAD, f"绑定 {family.family_code}")
    return family


def evaluations(session) -> list[FinalEvaluation]:
    session.rollback()
    return list(session.scalars(select(FinalEvaluation).order_by(FinalEvaluation.id)))


def test_not_before_the_service_ends(family: Family, chat: Chat, session) -> None:
    reply = chat.say(MOM, "评价 5 5 5 5 很好")
    assert "服务还没有结束" in reply and "评分 5" in reply
    assert evaluations(session) == []


def test_the_family_is_asked_once_and_answers_in_chat(app: Flask, family: Family, chat: Chat,
                                                      wechat_fake: WeChatApiFake, session) -> None:
    end_engagement(app, family.engagement_id, today() - dt.timedelta(days=1))  # 下户 yesterday

    first = run_job(app, "evaluation")
    assert first.error is None and first.detail is not None
    assert (first.detail["engagements"], first.detail["queued"], first.detail["sent"]) == (1, 2, 2)
    asked = texts_to(wechat_fake, MOM, ASKED)
    assert len(asked) == 1 and len(texts_to(wechat_fake, DAD, ASKED)) == 1
    assert "1.服务态度、2.专业技能、3.卫生清洁、4.沟通交流" in asked[0] and "评价 5 5 5 5" in asked[0]
    assert texts_to(wechat_fake, NURSE, ASKED) == []

    again = run_job(app, "evaluation")
    assert again.detail is not None and (again.detail["queued"], again.detail["sent"]) == (0, 0)
    assert len(texts_to(wechat_fake, MOM, ASKED)) == 1  # asked once, never twice
    assert len(notifications(session, "evaluation")) == 2

    # Bad input: a clear answer, and nothing written.
    assert "您打了3个分，需要4个" in chat.say(MOM, "评价 5 5 4 很好")
    assert "每项只能打1到5星，“6”不行" in chat.say(MOM, "评价 6")
    assert "每项只能打1到5星，“0”不行" in chat.say(MOM, "评价 5 0 5 5")
    assert "请在“评价”后面写星级" in chat.say(MOM, "评价 很好")
    assert "评语最多200个字" in chat.say(MOM, "评价 5 " + "好" * 201)
    assert evaluations(session) == []

    reply = chat.say(MOM, "评价 5 5 4 5 很细心，谢谢！")
    assert reply.startswith("谢谢您的评价！")
    assert "服务态度 ★★★★★" in reply and "卫生清洁 ★★★★☆" in reply and "评语：很细心，谢谢！" in reply
    (mine,) = evaluations(session)
    assert mine.stars == {"attitude": 5, "skill": 5, "hygiene": 4, "communication": 5}
    assert mine.average == 4.75 and mine.channel == "chat" and mine.openid == MOM

    assert "您已评价" in chat.say(MOM, "评价") and "卫生清洁 ★★★★☆" in chat.say(MOM, "评价")
    # Typed together, full-width digits, one score for every dimension: all read the same way.
    assert "已更新您之前的评价" in chat.say(MOM, "评价５５５４ 很好")
    assert evaluations(session)[0].stars == {"attitude": 5, "skill": 5, "hygiene": 5, "communication": 4}
    assert "沟通交流 ★★★★☆" in chat.say(DAD, "评价 4")
    assert [e.average for e in evaluations(session)] == [4.75, 4.0]

    assert "只有家人可以评价" in chat.say(NURSE, "评价 5")
    assert run_job(app, "evaluation").detail["queued"] == 0  # type: ignore[index]


def test_a_member_who_evaluated_on_the_last_day_is_not_asked(app: Flask, family: Family, chat: Chat,
                                                             wechat_fake: WeChatApiFake) -> None:
    end_engagement(app, family.engagement_id, today())  # today is the last day of service
    assert "谢谢您的评价" in chat.say(MOM, "评价 5")
    assert run_job(app, "evaluation").detail["queued"] == 0  # type: ignore[index]  # not over yet
    tomorrow = dt.datetime.combine(today() + dt.timedelta(days=1), dt.time(10), tzinfo=TZ)
    result = run_job(app, "evaluation", now=tomorrow)
    assert result.detail is not None and result.detail["queued"] == 1  # the father only
    assert texts_to(wechat_fake, MOM, ASKED) == []


def test_evaluation_closes_thirty_days_after_the_end(app: Flask, family: Family, chat: Chat, session) -> None:
    end_engagement(app, family.engagement_id, today() - dt.timedelta(days=31))
    reply = chat.say(MOM, "评价 5")
    assert "只在结束后30天内可以填写" in reply
    assert evaluations(session) == []
    # Ended more than a week ago: the job does not ask out of the blue.
    assert run_job(app, "evaluation").detail["queued"] == 0  # type: ignore[index]
