"""Subscription messages for people who use only the mini-program, and one message per person (issue 11.1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select

from bot.jobs import run_job
from bot.models import DiaryFlag, Notification, SubscriptionGrant
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import Chat, Family
from tests.support.diary import write
from tests.support.miniprogram import MpUser


def test_a_mini_program_parent_gets_the_flag_as_a_subscription_message(
    app: Flask, client, nurse: MpUser, parent: MpUser, family: Family, wechat_fake: WeChatApiFake, session
) -> None:
    flag_tmpl = app.config["ANXIN_MP_TEMPLATE_FLAG"]
    res = parent.post("/subscriptions", {"accepted": [flag_tmpl, "someone-elses"]})
    assert res.status_code == 200 and res.get_json() == {"remaining": {flag_tmpl: 1}, "ignored": ["someone-elses"]}
    bad: dict[str, Any]
    for bad in ({}, {"accepted": []}, {"accepted": ["有空格 的"]}, {"accepted": "x"}):
        assert parent.post("/subscriptions", bad).status_code == 400
    assert session.scalars(select(SubscriptionGrant.remaining)).all() == [1]  # refusals wrote nothing
    wechat_fake.grant(parent.openid, flag_tmpl)  # what the user allowed in wx.requestSubscribeMessage

    write(app, family, "体温 38.6", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), nurse=nurse.openid)
    run_job(app, "deliver")
    [sent] = wechat_fake.subscriptions_to(parent.openid)
    assert sent["template_id"] == flag_tmpl and sent["page"].startswith("pages/day/day?engagement=")
    assert sent["data"]["thing1"]["value"] == "宝宝体温38.6℃" and sent["data"]["phrase2"]["value"] == "紧急"
    session.rollback()
    assert session.scalars(select(SubscriptionGrant.remaining)).all() == [0]  # the grant is used up

    # Tapping it in the mini-program acknowledges it for the family.
    flag_id = session.scalars(select(DiaryFlag.id)).one()
    ack = parent.post(f"/flags/{flag_id}/ack")
    assert ack.status_code == 200 and ack.get_json()["id"] == flag_id
    assert nurse.post(f"/flags/{flag_id}/ack").status_code == 403
    assert parent.post("/flags/999999/ack").status_code == 404
    session.rollback()
    assert session.get(DiaryFlag, flag_id).family_acknowledged_at is not None

    # A second flag with no grant left is not sent (WeChat would answer 43101), and says why.
    write(app, family, "体温 35.0", dt.datetime.now(dt.UTC), nurse=nurse.openid)
    run_job(app, "deliver")
    assert len(wechat_fake.subscriptions_to(parent.openid)) == 1
    session.rollback()
    failed = [n for n in session.scalars(select(Notification)) if n.openid == parent.openid and n.status == "failed"]
    assert failed and "未订阅" in (failed[0].last_error or "")


def test_the_same_person_in_both_apps_gets_one_message(
    app: Flask, client, login, family: Family, wechat_fake: WeChatApiFake, session
) -> None:
    wechat_fake.add_session("code-both", openid="o-mp-both", session_key="sk", unionid="u-same-person")
    res = client.post("/mp/v1/login", json={"code": "code-both"})
    mp_user = MpUser(client, "o-mp-both", res.get_json()["token"])
    assert mp_user.post("/bind", {"code": family.family_code}).status_code == 201
    assert mp_user.post("/subscriptions", {"accepted": [app.config["ANXIN_MP_TEMPLATE_FLAG"]]}).status_code == 200
    wechat_fake.grant("o-mp-both", app.config["ANXIN_MP_TEMPLATE_FLAG"])
    chat = Chat(client)
    assert "绑定成功" in chat.say("o-oa-both", f"绑定 {family.family_code}")
    wechat_fake.set_unionid("o-oa-both", "u-same-person")
    assert "绑定成功" in chat.say("o-chat-nurse", f"绑定 {family.nurse_code}")
    write(app, family, "体温 38.6", dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), nurse="o-chat-nurse")
    run_job(app, "deliver")
    assert len(wechat_fake.messages_to("o-oa-both")) == 1  # through the Official Account, in the window
    assert wechat_fake.subscriptions_to("o-mp-both") == []  # not a second time in the mini-program
    session.rollback()
    skipped = session.scalars(select(Notification).where(Notification.openid == "o-mp-both")).one()
    assert skipped.status == "skipped" and "o-oa-both" in (skipped.last_error or "")
