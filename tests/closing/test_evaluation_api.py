"""The final evaluation in the mini-program: read the dimensions, give stars on each, bad input writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import FinalEvaluation
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import Family, open_family, today
from tests.support.closing import end_engagement
from tests.support.miniprogram import MpUser, logins

ALL_FIVE = {"attitude": 5, "skill": 5, "hygiene": 5, "communication": 5}


@pytest.fixture
def login(client: FlaskClient, wechat_fake: WeChatApiFake) -> Callable[[str], MpUser]:
    return logins(client, wechat_fake)


@pytest.fixture
def family(app: Flask, client: FlaskClient) -> Family:
    return open_family(app, client)


def bound(login: Callable[[str], MpUser], openid: str, code: str) -> MpUser:
    user = login(openid)
    assert user.post("/bind", {"code": code}).status_code == 201
    return user


def test_a_parent_evaluates_from_the_mini_program(app: Flask, family: Family, login, session) -> None:
    mom = bound(login, "o-mp-mom", family.family_code)
    nurse = bound(login, "o-mp-nurse", family.nurse_code)
    path = f"/engagements/{family.engagement_id}/evaluation"

    before = mom.get(path).get_json()
    assert [d["label"] for d in before["dimensions"]] == ["服务态度", "专业技能", "卫生清洁", "沟通交流"]
    assert before["open"] is False and before["mine"] is None
    res = mom.put(path, {"stars": ALL_FIVE})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "not_ended"
    assert "服务还没有结束" in res.get_json()["error"]["message"]

    end_engagement(app, family.engagement_id, today() - dt.timedelta(days=1))
    after = mom.get(path).get_json()
    assert after["open"] is True
    assert after["opens_on"] == (today() - dt.timedelta(days=1)).isoformat()
    assert after["closes_on"] == (today() + dt.timedelta(days=29)).isoformat()

    # Each refusal names what is wrong, and writes nothing.
    bad = [
        ({"stars": {**ALL_FIVE, "hygiene": 6}}, 400),
        ({"stars": {"attitude": 5}}, 400),
        ({"stars": {**ALL_FIVE, "tidiness": 5}}, 400),
        ({"stars": ALL_FIVE, "comment": "好" * 201}, 400),
        ({"stars": ALL_FIVE, "extra": 1}, 400),
    ]
    for body, status in bad:
        res = mom.put(path, body)
        assert res.status_code == status, (body, res.get_json())
    assert "缺少这一项的星级：专业技能" in mom.put(path, {"stars": {"attitude": 5}}).get_json()["error"]["message"]
    assert "没有这一项：tidiness" in mom.put(path, {"stars": {**ALL_FIVE, "tidiness": 5}}).get_json()["error"]["message"]
    res = nurse.put(path, {"stars": ALL_FIVE})
    assert res.status_code == 403 and res.get_json()["error"]["message"] == "只有家人可以评价月嫂的服务。"
    stranger = login("o-mp-stranger")
    assert stranger.put(path, {"stars": ALL_FIVE}).status_code == 404
    session.rollback()
    assert session.scalars(select(FinalEvaluation)).all() == []

    res = mom.put(path, {"stars": {**ALL_FIVE, "communication": 3}, "comment": "宝宝照顾得很好，话少了点"})
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["average"] == 4.5 and body["stars"]["communication"] == 3 and body["at"].endswith("+08:00")
    res = mom.put(path, {"stars": ALL_FIVE})
    assert res.status_code == 200 and res.get_json()["average"] == 5.0
    mine = mom.get(path).get_json()["mine"]
    assert mine["stars"] == ALL_FIVE and mine["comment"] is None
    session.rollback()
    (stored,) = session.scalars(select(FinalEvaluation)).all()
    assert stored.channel == "miniprogram" and stored.openid == "o-mp-mom"


def test_the_description_documents_the_evaluation(client: FlaskClient) -> None:
    spec = client.get("/mp/v1/openapi.json").get_json()
    ops = spec["paths"]["/mp/v1/engagements/{engagement_id}/evaluation"]
    assert set(ops) == {"get", "put"}
    assert "服务结束" in ops["put"]["summary"] and "409" in ops["put"]["responses"]
