"""Issue 11: flag messages WeChat shows in full, links to the day, and escalation until someone acts.

Everything goes through the loopback WeChat fake, which refuses (47003) a field over 20
characters, with a line break or an emoji, and first/remark, as WeChat shows them since 2023-05.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.core.clock import utcnow
from bot.jobs import run_job
from bot.models import DiaryFlag, FlagEvent, Notification
from bot.outbox import daylinks
from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.agency import auth, supervisor_code
from tests.support.chat import Chat, Family
from tests.support.diary import CUSTOM, DAD, MOM, NURSE, bound_family, last_wrote, texts_to, write

BOSS = "o-boss-alerts"
T0 = utcnow().replace(microsecond=0) - dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _background_work_finishes() -> Iterator[None]:
    yield
    background.join_all()


@pytest.fixture
def family(family: Family, app: Flask, client: FlaskClient, chat: Chat) -> Family:
    """The shared family, with the father and the agency's supervisor bound in chat too."""
    assert "绑定成功" in chat.say(DAD, f"绑定 {family.family_code}")
    assert "绑定成功" in chat.say(BOSS, f"绑定 {supervisor_code(client, family.key)}")
    last_wrote(app, DAD, T0 - dt.timedelta(days=3))  # Dad is outside WeChat's 48-hour window
    return family


def fever(app: Flask, family: Family) -> int:
    write(app, family, "体温 38.5", T0)
    with app.extensions["anxin_db"].new_session() as s:
        return int(s.scalars(select(DiaryFlag.id).where(DiaryFlag.severity == "urgent")).one())


def test_a_fever_reaches_both_parents_in_full_with_a_link(app: Flask, family: Family, wechat_fake: WeChatApiFake) -> None:
    flag_id = fever(app, family)
    assert run_job(app, "deliver").detail == {"sent": 3, "retry": 0, "failed": 0}
    # Inside the window: the full text, ending with the link to the day.
    [mom] = texts_to(wechat_fake, MOM, "38.5")
    assert "宝宝体温 38.5℃" in mom and "\n查看详情：http://127.0.0.1:5000/d/" in mom
    # Outside it: the flag template, every field one short line WeChat shows, and the same kind of link.
    assert wechat_fake.messages_to(DAD) == []
    [dad] = wechat_fake.templates_to(DAD)
    assert dad["template_id"] == app.config["ANXIN_TEMPLATE_FLAG"]
    data = {k: v["value"] for k, v in dad["data"].items()}
    assert data["thing1"] == "宝宝体温38.5℃" and data["phrase2"] == "紧急"
    local = T0.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert data["time3"] == f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    assert data["thing4"] == "点击查看详情，回复收到确认"
    assert all(len(v) <= 20 and "\n" not in v for v in data.values())
    assert urlsplit(dad["url"]).path.startswith("/d/")
    # The links are personal: Mom's and Dad's differ, and both name the flag.
    mom_url = mom.rsplit("查看详情：", 1)[1]
    assert mom_url != dad["url"]
    assert flag_id  # raised once


def test_unacknowledged_urgent_flag_is_sent_again_and_to_the_supervisors(
    app: Flask, client: FlaskClient, family: Family, wechat_fake: WeChatApiFake
) -> None:
    flag_id = fever(app, family)
    run_job(app, "deliver")
    assert run_job(app, "escalate", now=T0 + dt.timedelta(minutes=14)).detail == {"escalated": 0, "queued": 0, "sms": 0}
    late = run_job(app, "escalate", now=T0 + dt.timedelta(minutes=15, seconds=5)).detail
    assert late is not None and (late["escalated"], late["queued"], late["sent"]) == (1, 3, 3)
    [again] = texts_to(wechat_fake, MOM, "再次提醒")
    assert "15 分钟仍无人确认" in again and "回复“收到”" in again and "/d/" in again
    [boss] = texts_to(wechat_fake, BOSS, "升级")
    assert "家属 15 分钟内未确认" in boss
    [_, dad_again] = wechat_fake.templates_to(DAD)
    assert dad_again["data"]["thing4"]["value"] == "仍未确认，请尽快查看"
    # The same minute again: nothing twice.
    assert run_job(app, "escalate", now=T0 + dt.timedelta(minutes=16)).detail == {"escalated": 0, "queued": 0, "sms": 0}

    # The supervisor acts, and says what was done.
    reply = Chat(client).say(BOSS, "收到 已电话联系家属去医院")
    assert reply.startswith("已记录处理 1 条紧急提醒") and "处理说明：已电话联系家属去医院" in reply
    assert run_job(app, "escalate", now=T0 + dt.timedelta(minutes=40)).detail == {"escalated": 0, "queued": 0, "sms": 0}

    # Who saw what, when: kept for the agency.
    trail = client.get(f"/admin/v1/flags/{flag_id}/events", headers=auth(family.key)).get_json()
    assert trail["flag"]["escalations"] == 1 and trail["flag"]["acknowledged_note"] == "已电话联系家属去医院"
    actions = [(e["action"], e["actor"], e["channel"]) for e in trail["events"]]
    assert {("sent", MOM, "custom"), ("sent", DAD, "template"), ("sent", BOSS, "custom")} <= set(actions)
    assert ("escalated", None, None) in actions and ("acknowledged", BOSS, "chat") in actions
    assert client.get(f"/admin/v1/flags/{flag_id}/events", headers=auth(supervisor_other_agency(app))).status_code == 404


def supervisor_other_agency(app: Flask) -> str:
    from tests.support.agency import new_agency

    return new_agency(app, "别家家政")[1]


def test_a_parent_saying_shou_dao_stops_the_escalation(app: Flask, client: FlaskClient, family: Family,
                                                      wechat_fake: WeChatApiFake, session) -> None:
    flag_id = fever(app, family)
    run_job(app, "deliver")
    reply = Chat(client).say(DAD, "收到")
    assert reply.startswith("已确认收到 1 条紧急提醒") and "宝宝体温 38.5℃" in reply
    assert run_job(app, "escalate", now=T0 + dt.timedelta(minutes=20)).detail == {"escalated": 0, "queued": 0, "sms": 0}
    assert texts_to(wechat_fake, BOSS, "升级") == []
    flag = session.get(DiaryFlag, flag_id)
    assert flag.family_acknowledged_at is not None and flag.acknowledged_at is None  # the agency still sees it open
    assert Chat(client).say(DAD, "收到") == "目前没有需要确认的紧急提醒。"
    assert "绑定" in Chat(client).say("o-stranger", "收到")


def test_opening_the_link_acknowledges_nothing(app: Flask, client: FlaskClient, family: Family,
                                              wechat_fake: WeChatApiFake, session) -> None:
    """Issue 36.1: a GET (a chat app's link preview, too) used to acknowledge the flag and stop the escalation."""
    flag_id = fever(app, family)
    run_job(app, "deliver")
    [dad] = wechat_fake.templates_to(DAD)
    path = urlsplit(dad["url"]).path
    for _ in range(2):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "宝宝体温 38.5℃" in html and "已收到" in html and "已确认" not in html
    assert client.head(path).status_code == 200
    session.rollback()
    assert session.get(DiaryFlag, flag_id).family_acknowledged_at is None
    assert session.scalars(select(FlagEvent).where(FlagEvent.flag_id == flag_id,
                                                   FlagEvent.action != "sent")).all() == []
    assert (run_job(app, "escalate", now=T0 + dt.timedelta(minutes=20)).detail or {})["escalated"] == 1


def test_the_pages_button_acknowledges_for_that_parent_once(app: Flask, client: FlaskClient, family: Family,
                                                            wechat_fake: WeChatApiFake, session) -> None:
    flag_id = fever(app, family)
    run_job(app, "deliver")
    [dad] = wechat_fake.templates_to(DAD)
    path = urlsplit(dad["url"]).path
    pressed = client.post(f"{path}/ack", headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert pressed.status_code == 303 and urlsplit(pressed.headers["Location"]).path == path
    page = client.get(path).get_data(as_text=True)
    assert "已确认" in page and f"{path}/ack\"" not in page  # its button is gone (the rating form stays)
    assert client.post(f"{path}/ack").status_code == 303  # pressed again, or the form resent: nothing more
    session.rollback()
    assert session.get(DiaryFlag, flag_id).family_acknowledged_at is not None
    events = session.scalars(select(FlagEvent).where(FlagEvent.flag_id == flag_id, FlagEvent.action != "sent")).all()
    assert [(e.action, e.actor, e.channel) for e in events] == [("acknowledged", DAD, "link")]
    assert run_job(app, "escalate", now=T0 + dt.timedelta(minutes=20)).detail == {"escalated": 0, "queued": 0, "sms": 0}


def test_a_bad_expired_or_cross_site_acknowledgement_writes_nothing(app: Flask, client: FlaskClient, family: Family,
                                                                  wechat_fake: WeChatApiFake, session) -> None:
    flag_id = fever(app, family)
    run_job(app, "deliver")
    [dad] = wechat_fake.templates_to(DAD)
    path = urlsplit(dad["url"]).path
    token = path.removeprefix("/d/")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.post(f"/d/{tampered}/ack").status_code == 404
    expired = daylinks.sign(app.config["ANXIN_SECRET_KEY"], family.engagement_id, T0.date(), DAD, flag_id,
                            issued_at=utcnow() - dt.timedelta(days=8))
    answer = client.post(f"/d/{expired}/ack")
    assert answer.status_code == 410 and "已过期" in answer.get_data(as_text=True)
    # Another site's page posting the form (the browser names it): refused.
    assert client.post(f"{path}/ack", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post(f"{path}/ack", headers={"Origin": "https://evil.example"}).status_code == 403
    # A link of the day without a flag, or the nurse's: nothing to acknowledge.
    plain = daylinks.sign(app.config["ANXIN_SECRET_KEY"], family.engagement_id, T0.date(), DAD)
    assert client.post(f"/d/{plain}/ack").status_code == 400
    nurse = daylinks.sign(app.config["ANXIN_SECRET_KEY"], family.engagement_id, T0.date(), NURSE, flag_id)
    assert client.post(f"/d/{nurse}/ack").status_code == 400
    assert client.get(f"{path}/ack").status_code == 405
    session.rollback()
    assert session.get(DiaryFlag, flag_id).family_acknowledged_at is None
    assert session.scalars(select(FlagEvent).where(FlagEvent.flag_id == flag_id,
                                                   FlagEvent.action != "sent")).all() == []
    assert (run_job(app, "escalate", now=T0 + dt.timedelta(minutes=20)).detail or {})["escalated"] == 1


def test_escalation_minutes_are_configurable(app_settings: dict[str, Any], client: FlaskClient,
                                             wechat_fake: WeChatApiFake) -> None:
    from bot import create_app

    app = create_app({**app_settings, "ANXIN_ESCALATE_MINUTES": 0.5})
    family = bound_family(app, app.test_client())
    write(app, family, "体温 38.5", T0)
    assert run_job(app, "escalate", now=T0 + dt.timedelta(seconds=20)).detail == {"escalated": 0, "queued": 0, "sms": 0}
    assert (run_job(app, "escalate", now=T0 + dt.timedelta(seconds=31)).detail or {})["escalated"] == 1
    background.join_all()
    app.extensions["anxin_db"].engine.dispose()


def test_the_fake_refuses_what_wechat_would_not_show(app: Flask, wechat_fake: WeChatApiFake) -> None:
    """A test that sends an over-long or multi-line field fails, as it would against WeChat."""
    token = requests.get(f"{wechat_fake.url}/cgi-bin/token", params={
        "grant_type": "client_credential", "appid": app.config["ANXIN_WECHAT_APPID"],
        "secret": app.config["ANXIN_WECHAT_SECRET"]}, timeout=5).json()["access_token"]

    def send(path: str, data: dict[str, str], touser: str = "o-x") -> int:
        body = {"touser": touser, "template_id": "t", "data": {k: {"value": v} for k, v in data.items()}}
        res = requests.post(f"{wechat_fake.url}/cgi-bin/message/{path}", params={"access_token": token}, json=body,
                            timeout=5)
        return int(res.json()["errcode"])

    assert send("template/send", {"thing1": "宝宝体温38.5℃"}) == 0
    assert send("template/send", {"thing1": "宝" * 21}) == 47003
    assert send("template/send", {"thing1": "第一行\n第二行"}) == 47003
    assert send("template/send", {"thing1": "🔴 发烧"}) == 47003
    assert send("template/send", {"first": "标题", "thing1": "发烧"}) == 47003
    assert send("subscribe/bizsend", {"phrase2": "非常非常紧急"}) == 47003
    assert send("subscribe/bizsend", {"time3": "11-20 14:05"}) == 47003
    assert send("subscribe/bizsend", {"time3": "2026年11月20日 14:05", "phrase2": "紧急"}) == 0
    assert send("subscribe/send", {"thing1": "发烧"}, touser="o-mp") == 43101  # no grant
    wechat_fake.grant("o-mp", "t")
    assert send("subscribe/send", {"thing1": "发烧"}, touser="o-mp") == 0
    assert send("subscribe/send", {"thing1": "发烧"}, touser="o-mp") == 43101  # one-time: used up


def test_a_refused_field_is_not_retried_eight_times(app: Flask, wechat_fake: WeChatApiFake, session) -> None:
    from bot.models import ChatUser
    from bot.outbox.queue import enqueue

    with app.extensions["anxin_db"].new_session() as s, s.begin():
        s.add(ChatUser(openid="o-q", last_message_at=utcnow() - dt.timedelta(days=3)))
        enqueue(s, key="digest:1:o-q:x", openid="o-q", kind="digest", text="x",
                template={"purpose": "digest", "fields": {"thing1": "太长" * 11}, "link": None})
    assert run_job(app, "deliver").detail == {"sent": 0, "retry": 0, "failed": 1}
    assert "47003" in session.scalars(select(Notification)).one().last_error
    assert wechat_fake.calls_to(CUSTOM) == []


def test_the_agency_api_tells_a_withdrawn_urgent_flag_and_its_whole_trail(
    app: Flask, client: FlaskClient, family: Family, chat: Chat
) -> None:
    """The nurse withdraws the entry behind an urgent flag: the API keeps it open, says who withdrew it and when, and
    lists the withdrawal in the trail (the console shows the same as 已撤销)."""
    assert "已记录" in chat.say(NURSE, "体温 38.6")
    assert "撤销" in chat.say(NURSE, "撤销")
    [listed] = client.get("/admin/v1/flags?status=open", headers=auth(family.key)).get_json()["flags"]
    assert listed["rule"] == "fever" and listed["withdrawn_at"] is not None
    trail = client.get(f"/admin/v1/flags/{listed['id']}/events", headers=auth(family.key))
    assert trail.status_code == 200, trail.get_data(as_text=True)
    body = trail.get_json()
    assert body["flag"]["withdrawn_at"] == listed["withdrawn_at"]
    assert ("retracted", NURSE, "nurse") in [(e["action"], e["actor"], e["role"]) for e in body["events"]]
    acked = client.post(f"/admin/v1/flags/{listed['id']}/ack", json={"note": "已电话确认是误记"}, headers=auth(family.key))
    assert acked.status_code == 200 and acked.get_json()["withdrawn_at"] == listed["withdrawn_at"]
    assert client.get("/admin/v1/flags?status=open", headers=auth(family.key)).get_json()["flags"] == []
