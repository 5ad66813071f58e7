"""Issue 12: hostile but signed input gets a 4xx or a polite chat reply, never a 500, and writes nothing."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import DiaryEntry, DiaryFlag, Notification
from bot.wechat.protocol import signature
from bot.wechat.simulator import WeChatSender, _cdata
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.backends import SETTINGS, count_rows
from tests.support.chat import Chat, open_family
from tests.support.miniprogram import MpUser

NURSE, MOM = "o-nurse-hostile", "o-mom-hostile"


def post(client: FlaskClient, params: dict[str, str], body: bytes | str):
    return client.post("/wechat", query_string=params, data=body, content_type="text/xml")


def nothing_written(app: Flask) -> bool:
    engine = app.extensions["anxin_db"].engine
    return count_rows(engine, "inbound_message") == 0 and count_rows(engine, "chat_user") == 0


@pytest.fixture
def plain() -> WeChatSender:
    return WeChatSender.from_settings(SETTINGS)


def raw_push(openid: str, create_time: str, msg_type: str, **fields: str) -> str:
    parts = [f"<ToUserName>{_cdata('gh_anxin0000001')}</ToUserName>", f"<FromUserName>{_cdata(openid)}</FromUserName>",
             f"<CreateTime>{create_time}</CreateTime>", f"<MsgType>{_cdata(msg_type)}</MsgType>"]
    parts += [f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items()]
    return "<xml>" + "".join(parts) + "</xml>"


@pytest.mark.parametrize("body", [
    raw_push("o-1", "999999999999", "text", Content="帮助", MsgId="1"),           # year 33658
    raw_push("o-1", "0", "text", Content="帮助", MsgId="2"),
    raw_push("o-1", str(int(time.time())), "event", Event="X" * 40),             # longer than its column
    raw_push("o-1", str(int(time.time())), "event", Event="subscribe<script>"),
], ids=["year-33658", "epoch-zero", "long-event", "odd-event"])
def test_impossible_fields_are_400(app: Flask, client: FlaskClient, plain: WeChatSender, body: str) -> None:
    params, data = plain.sign(body)
    res = post(client, params, data)
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "not_a_wechat_message"
    assert nothing_written(app)


@pytest.mark.parametrize("encrypt", ["QUJD", "A" * 24, "A" * 44, "A" * 64, "", "@@@@", "A" * 88])
def test_a_random_encrypt_with_a_valid_msg_signature_is_400(app: Flask, client: FlaskClient, encrypt: str) -> None:
    """Whoever knows the token can sign any ciphertext: what does not decrypt is a 400, whatever wechatpy raises."""
    timestamp, nonce = str(int(time.time())), "12345"
    params = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
              "signature": signature(SETTINGS["ANXIN_WECHAT_TOKEN"], timestamp, nonce),
              "msg_signature": signature(SETTINGS["ANXIN_WECHAT_TOKEN"], timestamp, nonce, encrypt)}
    body = f"<xml><ToUserName>{_cdata('gh_x')}</ToUserName><Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
    res = post(client, params, body)
    assert res.status_code in (400, 403) and res.status_code != 500
    assert nothing_written(app)


# -- JSON edges ------------------------------------------------------------------------------

def login(client: FlaskClient, fake: WeChatApiFake, openid: str) -> MpUser:
    fake.add_session(f"code-{openid}", openid=openid, session_key="sk")
    res = client.post("/mp/v1/login", json={"code": f"code-{openid}"})
    assert res.status_code == 200, res.get_json()
    return MpUser(client, openid, res.get_json()["token"])


@pytest.mark.parametrize("body", [
    b"[" * 5000 + b"]" * 5000,
    b'{"code": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"code": "\\ud800"}',
    b'{"code": "ok", "x": ["\\udfff"]}',
], ids=["nested-array", "deep-in-object", "lone-high-surrogate", "lone-low-surrogate"])
@pytest.mark.parametrize("path", ["/mp/v1/login", "/mp/v1/bind", "/admin/v1/workers", "/admin/v1/engagements"])
def test_hostile_json_is_400(app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake, body: bytes,
                             path: str) -> None:
    user = login(client, wechat_fake, "o-json")
    engine = app.extensions["anxin_db"].engine
    before = count_rows(engine, "binding")
    res = client.post(path, data=body, content_type="application/json",
                      headers={"Authorization": f"Bearer {user.token}"})
    assert res.status_code in (400, 401) and res.get_json()["error"]["code"] in ("bad_json", "unauthorized")
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert count_rows(engine, "binding") == before


def test_control_characters_from_the_mini_program_are_removed_and_replies_stay_xml(
        app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake) -> None:
    family = open_family(app, client)
    nurse = login(client, wechat_fake, "o-mp-nurse-ctl")
    assert nurse.post("/bind", {"code": family.nurse_code}).status_code == 201
    import datetime as dt
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    res = nurse.post(f"/engagements/{family.engagement_id}/entries",
                     {"client_id": "c\x00tl-1", "occurred_at": when, "kind": "note", "text": "a\x00b\x07c\x0bd\ufffe]]>e"})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["text"] == "abcd]]>e" and res.get_json()["client_id"] == "ctl-1"
    chat = Chat(client)
    assert "绑定成功" in chat.say(MOM, f"绑定 {family.family_code}")
    body = chat.post(chat.sender.text(MOM, "今天"))
    reply = chat.sender.read_reply(body)  # parses: the reply is well-formed XML
    assert reply is not None and reply["MsgType"] == "text" and "abcd]]>e" in reply["Content"]


# -- messages too big to store or to notify -------------------------------------------------

def _bound_nurse_and_mother(app: Flask, client: FlaskClient) -> Chat:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {family.family_code}")
    return chat


def test_a_1365_line_fever_message_is_refused_politely_and_writes_nothing(app: Flask, client: FlaskClient,
                                                                         session: Session) -> None:
    chat = _bound_nurse_and_mother(app, client)
    reply = chat.say(NURSE, "\n".join(["体温39"] * 1365))  # 6,824 characters: under the field limit
    assert "最多记录50行" in reply and "1365" in reply
    assert session.scalars(select(DiaryEntry)).all() == []
    assert session.scalars(select(Notification).where(Notification.kind == "flag")).all() == []


def test_fifty_fever_lines_raise_one_notification_per_kind(app: Flask, client: FlaskClient,
                                                           session: Session) -> None:
    chat = _bound_nurse_and_mother(app, client)
    reply = chat.say(NURSE, "\n".join(["体温 39.5"] * 50))
    assert "已记录 50 条" in reply
    assert len(session.scalars(select(DiaryEntry)).all()) == 50
    flags = session.scalars(select(DiaryFlag)).all()
    assert flags and {f.rule for f in flags} == {"fever"}
    notes = session.scalars(select(Notification).where(Notification.kind == "flag", Notification.openid == MOM)).all()
    assert len(notes) == 1


def test_a_day_whose_reply_passes_64_kib_is_cut_and_stored(app: Flask, client: FlaskClient,
                                                           session: Session) -> None:
    chat = _bound_nurse_and_mother(app, client)
    long_note = "记" * 1900
    for _ in range(12):  # 12 × 1,900 characters × 3 bytes ≈ 68 KB of diary
        assert "已记录" in chat.say(NURSE, long_note)
    body = chat.post(chat.sender.text(MOM, "今天"))
    content = chat.sender.read_reply(body)["Content"]  # type: ignore[index]
    # Cut to WeChat's 2,048 bytes, ending with the link to the whole day (/d/TOKEN, issue 11).
    assert len(content.encode("utf-8")) <= 2048 and "全文较长" in content
    assert re.search(r"/d/[\w.-]+$", content), content[-200:]
    from bot.models import InboundMessage
    stored = session.scalars(select(InboundMessage.reply).where(InboundMessage.openid == MOM)).all()
    assert stored and all(len(r.encode("utf-8")) < 4096 for r in stored if r)


def test_a_hostile_forwarded_address_is_a_counted_lookup_not_a_500(make_app: Callable[..., Flask]) -> None:
    client = make_app(ANXIN_PROXY_HOPS=1).test_client()
    res = client.get("/b/00000-00001-Y", headers={"X-Forwarded-For": "x" * 400})
    assert res.status_code == 404
    res = client.get("/b/00000-00001-Y/photo", headers={"X-Forwarded-For": "é" * 400})
    assert res.status_code == 404


def test_json_error_bodies_are_not_sniffed(client: FlaskClient) -> None:
    res = client.get("/mp/v1/engagements")
    assert res.status_code == 401 and res.headers["X-Content-Type-Options"] == "nosniff"
    assert json.loads(res.data)["error"]["code"]
