"""Checks running out: the agency's supervisor is warned 30 days ahead and when one has run out,
once each; the badge turns yellow by itself, as the real surfaces show."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient

from bot.jobs import run_job
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.agency import TODAY, add_worker, auth, new_agency, publish, supervisor_code, verify
from tests.support.chat import Chat
from tests.support.diary import notifications, texts_to

BOSS = "o-boss-expiry"
LATER = dt.timedelta(days=21)


def agency_with_supervisor(app: Flask, client: FlaskClient) -> str:
    _, key = new_agency(app, "宁波甬城家政")
    assert "绑定成功" in Chat(client).say(BOSS, f"绑定 {supervisor_code(client, key)}")
    return key


def light(client: FlaskClient, code: str) -> str:
    html = client.get(f"/b/{code}").get_data(as_text=True)
    return next(c for c in ("green", "yellow", "red") if f'data-light="{c}"' in html)


def mp_profile(client: FlaskClient, wechat_fake: WeChatApiFake, code: str) -> dict:  # type: ignore[type-arg]
    wechat_fake.add_session("code-employer", openid="o-employer", session_key="sk")
    token = client.post("/mp/v1/login", json={"code": "code-employer"}).get_json()["token"]
    res = client.get(f"/mp/v1/badges/{code}", headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200, res.get_json()
    return dict(res.get_json())


def expiry(app: Flask, now: dt.datetime | None = None) -> dict:  # type: ignore[type-arg]
    result = run_job(app, "expiry", now=now)
    assert result.ran and result.error is None and result.detail is not None
    return dict(result.detail)


def test_a_health_certificate_expiring_in_20_days_warns_the_supervisor_once(
    app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake, session
) -> None:
    key = agency_with_supervisor(app, client)
    worker = add_worker(client, key, name="伍秀芳")
    code = publish(client, key, worker)
    verify(client, key, worker, "health", expires_on=TODAY + dt.timedelta(days=20))  # the newest row is in force
    assert light(client, code) == "green"

    first = expiry(app)
    assert (first["expiring"], first["queued"], first["sent"]) == (1, 1, 1)
    [warning] = texts_to(wechat_fake, BOSS, "证件到期提醒")
    expires = (TODAY + dt.timedelta(days=20)).isoformat()
    assert warning == (f"【证件到期提醒】服务员 伍秀芳 的健康证将于 {expires} 到期（还有 20 天）。"
                       "请及时办理并在系统中更新，过期后其安心码将变为黄码。")
    assert expiry(app)["queued"] == 0  # re-run: nothing new
    assert len(texts_to(wechat_fake, BOSS, "证件")) == 1

    listing = client.get("/admin/v1/expiring?days=30", headers=auth(key)).get_json()
    [item] = listing["verifications"]
    assert (item["worker_id"], item["kind"], item["label"], item["expires_on"], item["days_left"], item["state"],
            item["warnings_queued"]) == (worker, "health", "健康证", expires, 20, "expiring", ["30"])
    assert client.get("/admin/v1/expiring?days=10", headers=auth(key)).get_json()["verifications"] == []

    # 21 days on, the certificate has run out: a second warning, once. The supervisor has not written for
    # three weeks, so it goes as a template message (WeChat's 48-hour rule).
    later = dt.datetime.now(dt.UTC) + LATER
    assert expiry(app, later)["queued"] == 1
    assert expiry(app, later + dt.timedelta(days=1))["queued"] == 0
    assert texts_to(wechat_fake, BOSS, "证件已过期") == []
    [template] = wechat_fake.templates_to(BOSS)
    data = {k: v["value"] for k, v in template["data"].items()}
    assert template["template_id"] == app.config["ANXIN_TEMPLATE_EXPIRY"]
    # The fields WeChat still shows (since 2023-05): short, one line each; no first/remark.
    assert data["thing1"] == "伍秀芳 健康证" and data["phrase2"] == "证件到期"
    assert data["thing4"] == f"{expires}到期，请复检或续保" and "first" not in data and "remark" not in data
    [vid] = {n.key.split(":")[1] for n in notifications(session, "expiry")}
    assert sorted(n.key for n in notifications(session, "expiry")) == [f"expiry:{vid}:30:{BOSS}",
                                                                        f"expiry:{vid}:expired:{BOSS}"]


def test_the_profile_turns_yellow_once_the_health_certificate_is_out_of_date(
    app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake
) -> None:
    key = agency_with_supervisor(app, client)
    last_day = add_worker(client, key, name="李桂兰")
    code_last_day = publish(client, key, last_day)
    verify(client, key, last_day, "health", expires_on=TODAY)  # valid through today
    ran_out = add_worker(client, key, name="伍秀芳")
    code_ran_out = publish(client, key, ran_out)
    verify(client, key, ran_out, "health", expires_on=TODAY - dt.timedelta(days=1))  # out of date since today

    assert light(client, code_last_day) == "green"
    assert light(client, code_ran_out) == "yellow"
    profile = mp_profile(client, wechat_fake, code_ran_out)
    assert profile["status_light"] == "yellow" and profile["anxin_certified"] is False
    assert {v["kind"]: v["state"] for v in profile["verifications"]}["health"] == "expired"
    assert mp_profile(client, wechat_fake, code_last_day)["status_light"] == "green"

    detail = expiry(app)
    assert (detail["expiring"], detail["expired"], detail["queued"], detail["sent"]) == (1, 1, 2, 2)
    assert texts_to(wechat_fake, BOSS, "证件已过期") == [
        f"【证件已过期】服务员 伍秀芳 的健康证已于 {(TODAY - dt.timedelta(days=1)).isoformat()} 到期，"
        "其安心码已变为黄码。请尽快办理并在系统中更新。"
    ]
    assert texts_to(wechat_fake, BOSS, "今天") == [
        f"【证件到期提醒】服务员 李桂兰 的健康证今天（{TODAY.isoformat()}）到期。"
        "请尽快办理并在系统中更新，过期后其安心码将变为黄码。"
    ]
    states = {i["worker_id"]: i["state"] for i in
              client.get("/admin/v1/expiring", headers=auth(key)).get_json()["verifications"]}
    assert states == {ran_out: "expired", last_day: "expiring"}

    # Renewed: the agency records the new certificate; the badge is green again and nothing more is sent.
    verify(client, key, ran_out, "health", expires_on=TODAY + dt.timedelta(days=365))
    assert light(client, code_ran_out) == "green"
    assert expiry(app)["queued"] == 0


def test_without_a_supervisor_nothing_is_sent_and_the_admin_list_still_shows_it(
    app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake, session
) -> None:
    _, key = new_agency(app, "无人值守家政")
    worker = add_worker(client, key)
    publish(client, key, worker)
    verify(client, key, worker, "insurance", expires_on=TODAY + dt.timedelta(days=3))
    detail = expiry(app)
    assert (detail["expiring"], detail["no_supervisor"], detail["queued"]) == (1, 1, 0)
    assert notifications(session, "expiry") == []
    [item] = client.get("/admin/v1/expiring", headers=auth(key)).get_json()["verifications"]
    assert item["kind"] == "insurance" and item["warnings_queued"] == []
    for bad in ("abc", "-1", "400", "3.5"):
        res = client.get(f"/admin/v1/expiring?days={bad}", headers=auth(key))
        assert res.status_code == 400 and res.get_json()["error"]["code"] == "invalid_field"
    # A supervisor who binds later hears of it on the next run.
    assert "绑定成功" in Chat(client).say(BOSS, f"绑定 {supervisor_code(client, key)}")
    assert expiry(app)["queued"] == 1
    assert len(texts_to(wechat_fake, BOSS, "保险将于")) == 1
