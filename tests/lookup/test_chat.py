"""The badge lookup in chat: signed pushes to /wechat as WeChat sends them, text and QR events."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.models import LookupLog
from bot.wechat.simulator import WeChatSender
from tests.support.agency import add_worker, publish
from tests.support.backends import SETTINGS
from tests.support.factories import make_agency


@pytest.fixture
def sender() -> WeChatSender:
    return WeChatSender.from_settings(SETTINGS, safe=True)


@pytest.fixture
def key(session) -> str:
    return make_agency(session, "宁波甬城家政")[1]


def push(client: FlaskClient, sender: WeChatSender, body: str) -> dict[str, Any]:
    params, data = sender.sign(body)
    res = client.post("/wechat", query_string=params, data=data, headers={"Content-Type": "text/xml"})
    assert res.status_code == 200
    reply = sender.read_reply(res.data)
    assert reply is not None
    return reply


def article(reply: dict[str, Any]) -> dict[str, str]:
    assert reply["MsgType"] == "news", reply
    item = reply["Articles"]["item"]
    found: dict[str, str] = item[0] if isinstance(item, list) else item
    return found


@pytest.mark.parametrize("spelling", ["dashed", "lower", "spaced"])
def test_a_badge_code_in_any_spelling_answers_the_profile(client, sender, key: str, spelling: str) -> None:
    code = publish(client, key, add_worker(client, key, name="伍秀芳"))
    typed = {"dashed": f"{code[:5]}-{code[5:10]}-{code[10]}", "lower": code.lower(),
             "spaced": f"{code[:5]} {code[5:10]} {code[10]}".lower()}[spelling]
    item = article(push(client, sender, sender.text("o-employer-1", typed)))
    assert item["Title"] == "🟢 绿码 · 伍*芳 · 安心服务证"
    assert "宁波甬城家政" in item["Description"] and "健康证已核验" in item["Description"]
    assert item["Url"] == f"{SETTINGS['ANXIN_PUBLIC_URL']}/b/{code}"
    assert item["PicUrl"] == f"{SETTINGS['ANXIN_PUBLIC_URL']}/b/{code}/photo"


def test_scan_and_subscribe_scene_events_answer_the_profile(app: Flask, client, sender, session, key: str) -> None:
    code = publish(client, key, add_worker(client, key, name="伍芳"), kinds=("identity",))
    scan = article(push(client, sender, sender.event("o-employer-2", "SCAN", f"badge_{code}")))
    assert scan["Title"].startswith("🟡 黄码 · 伍*")
    sub = article(push(client, sender, sender.event("o-employer-3", "subscribe", f"qrscene_badge_{code}")))
    assert sub["Title"] == scan["Title"]
    plain = push(client, sender, sender.event("o-employer-4", "subscribe"))
    assert plain["MsgType"] == "text" and "欢迎关注安心家政" in plain["Content"]
    logged = session.scalars(select(LookupLog).order_by(LookupLog.id)).all()
    assert [(r.openid, r.surface, r.outcome) for r in logged] == [
        ("o-employer-2", "chat", "shown"), ("o-employer-3", "chat", "shown")]


def test_mistyped_and_unknown_codes_are_told_apart(client, sender, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    typo = code[:10] + ("0" if code[10] != "0" else "1")
    mistyped = push(client, sender, sender.text("o-employer-5", typo))
    assert mistyped["MsgType"] == "text" and "校验位不符" in mistyped["Content"] and "不存在" not in mistyped["Content"]
    unknown = push(client, sender, sender.text("o-employer-5", "00000-00001-Y"))
    assert "00000-00001-Y 不存在" in unknown["Content"]


def test_revoked_and_unconsented_in_chat(client, sender, key: str) -> None:
    unconsented = publish(client, key, add_worker(client, key), consent=False)
    reply = push(client, sender, sender.text("o-employer-6", unconsented))
    assert "尚未授权公开" in reply["Content"]
    revoked = publish(client, key, add_worker(client, key))
    client.delete(f"/admin/v1/badges/{revoked}", headers={"Authorization": f"Bearer {key}"})
    reply = push(client, sender, sender.event("o-employer-6", "SCAN", f"badge_{revoked}"))
    assert "红码" in reply["Content"] and "已被家政公司注销" in reply["Content"]


def test_too_many_lookups_get_a_polite_text(app: Flask, client, sender, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    app.config["ANXIN_LOOKUP_LIMIT_USER"] = 2
    for _ in range(2):
        assert push(client, sender, sender.text("o-walker", code))["MsgType"] == "news"
    reply = push(client, sender, sender.text("o-walker", code))
    assert reply["MsgType"] == "text" and "查询过于频繁，请稍后再试" in reply["Content"]


def test_help_lists_the_badge_lookup_for_everyone(client, sender) -> None:
    reply = push(client, sender, sender.text("o-visitor", "帮助"))
    assert "工牌编号（如 ABCDE-FGHJK-M）" in reply["Content"]


def test_a_repeated_push_is_logged_once(client, sender, session, key: str) -> None:
    code = publish(client, key, add_worker(client, key))
    body = sender.text("o-employer-7", code, msg_id=424242)
    first, second = push(client, sender, body), push(client, sender, body)
    assert first == second or article(first)["Title"] == article(second)["Title"]
    assert len(session.scalars(select(LookupLog)).all()) == 1
