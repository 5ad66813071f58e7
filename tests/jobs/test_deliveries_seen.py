"""Seen, not assumed: GET /admin/v1/deliveries, /console/deliveries and the dashboard's unreached urgent flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bot.jobs import run_job
from tests.fakes.wechat_api import WeChatApiFake
from tests.jobs.test_sms_escalation import MOM_PHONE, T0, fever, with_phones
from tests.support.agency import auth, new_agency
from tests.support.chat import Family
from tests.support.console import signed_in_admin, text
from tests.support.diary import DAD, MOM


def channels(report: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {c["channel"]: (c["sent"], c["refused"], c["failed"], c["pending"]) for c in report["channels"]}


def test_the_api_counts_per_channel_what_was_sent_refused_and_pending(app: Flask, client: FlaskClient,
                                                                      family: Family, chat: Any,
                                                                      wechat_fake: WeChatApiFake) -> None:
    assert "绑定成功" in chat.say(DAD, f"绑定 {family.family_code}")
    wechat_fake.state.unsubscribed.add(DAD)  # the father unfollowed: refused on custom and template
    fever(app, family)
    before = client.get("/admin/v1/deliveries", headers=auth(family.key))
    assert before.status_code == 200
    assert channels(before.get_json())["custom"][3] == 2  # two queued for the parents, not yet sent
    run_job(app, "deliver")
    report = client.get("/admin/v1/deliveries", headers=auth(family.key), query_string={
        "since": (T0 - dt.timedelta(hours=1)).isoformat(), "until": (dt.datetime.now(dt.UTC)
                                                                      + dt.timedelta(minutes=1)).isoformat()})
    assert report.status_code == 200, report.get_json()
    counts = channels(report.get_json())
    assert counts["custom"] == (1, 1, 0, 0)  # the mother's, and the father's refusal (43004)
    assert counts["template"] == (0, 1, 0, 0)  # the father's second refusal: given up
    assert counts["sms"] == (0, 0, 0, 0) and counts["subscribe"] == (0, 0, 0, 0)
    rival = new_agency(app, "别家家政")[1]
    assert all(c == (0, 0, 0, 0) for c in channels(client.get("/admin/v1/deliveries", headers=auth(rival)).get_json())
               .values())
    bad = client.get("/admin/v1/deliveries", headers=auth(family.key),
                     query_string={"since": "2026-12-07T10:00:00+08:00", "until": "2026-12-07T09:00:00+08:00"})
    assert bad.status_code == 400 and "since" in bad.get_json()["error"]["message"]
    assert client.get("/admin/v1/deliveries?since=yesterday", headers=auth(family.key)).status_code == 400


def test_the_console_shows_deliveries_and_the_dashboard_the_family_nobody_reached(
        app: Flask, client: FlaskClient, family: Family, wechat_fake: WeChatApiFake) -> None:
    wechat_fake.state.unsubscribed.add(MOM)
    with_phones(app, family, MOM_PHONE)
    app.config["ANXIN_TENCENTCLOUD_SECRET_KEY"] = "a-revoked-key"  # and the SMS is refused too
    fever(app, family)
    run_job(app, "deliver")
    run_job(app, "deliver")
    console = signed_in_admin(app, client, family.agency_id)
    board = text(console.get("/console/"))
    assert "5分钟内未送达家人的紧急提醒" in board and "宝宝体温" in board
    assert "客服消息被拒" in board and "模板消息被拒" in board and "短信被拒" in board
    page = console.get("/console/deliveries?period=7d")
    assert page.status_code == 200
    shown = text(page)
    assert "送达情况" in shown and "最近7天" in shown and "短信" in shown
    assert text(console.get("/console/deliveries?period=nonsense")).count("最近24小时") >= 1
    run_job(app, "escalate", now=T0 + dt.timedelta(minutes=15, seconds=5))  # nothing new reaches her
    assert "5分钟内未送达家人的紧急提醒" in text(console.get("/console/"))
