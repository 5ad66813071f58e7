"""``/wechat`` driven over HTTP the way WeChat drives it: signed, and encrypted in safe mode."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask

from bot.wechat.simulator import WeChatSender
from tests.support.backends import SETTINGS, count_rows
from tests.support.chat import content


@pytest.fixture
def plain() -> WeChatSender:
    return WeChatSender.from_settings(SETTINGS)


@pytest.fixture
def safe() -> WeChatSender:
    return WeChatSender.from_settings(SETTINGS, safe=True)


def post(base: str, params: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(f"{base}/wechat", params=params, data=body, headers={"Content-Type": "text/xml"}, timeout=10)


def nothing_written(app: Flask) -> bool:
    engine = app.extensions["anxin_db"].engine
    return count_rows(engine, "inbound_message") == 0 and count_rows(engine, "chat_user") == 0


# -- server URL verification ---------------------------------------------------------------

def test_verification_echoes_echostr_when_signed(live_server: str, plain: WeChatSender) -> None:
    res = requests.get(f"{live_server}/wechat", params=plain.verify_params("8372914401"), timeout=10)
    assert res.status_code == 200
    assert res.text == "8372914401"


def test_verification_refuses_wrong_signature(live_server: str, plain: WeChatSender) -> None:
    params = plain.verify_params("8372914401")
    params["signature"] = "0" * 40
    res = requests.get(f"{live_server}/wechat", params=params, timeout=10)
    assert res.status_code == 403
    assert "8372914401" not in res.text


def test_verification_refuses_missing_parameters(live_server: str) -> None:
    res = requests.get(f"{live_server}/wechat", params={"echostr": "x"}, timeout=10)
    assert res.status_code == 403


# -- plaintext and safe mode ---------------------------------------------------------------

def test_plaintext_help_gets_a_passive_reply(live_server: str, plain: WeChatSender) -> None:
    res = post(live_server, *plain.sign(plain.text("o-parent-1", "帮助")))
    assert res.status_code == 200
    assert res.headers["Content-Type"].startswith("application/xml")
    reply = plain.read_reply(res.content)
    assert reply is not None
    assert reply["MsgType"] == "text"
    assert reply["ToUserName"] == "o-parent-1"
    assert reply["FromUserName"] == plain.account
    assert "您可以发送" in reply["Content"]
    assert "帮助" in reply["Content"]


def test_safe_mode_decrypts_and_encrypts_the_reply(live_server: str, safe: WeChatSender) -> None:
    params, body = safe.sign(safe.text("o-parent-2", "帮助"))
    assert b"<Encrypt>" in body and "帮助".encode() not in body
    res = post(live_server, params, body)
    assert res.status_code == 200
    assert b"<Encrypt>" in res.content and "您可以发送".encode() not in res.content
    reply = safe.read_reply(res.content)
    assert reply is not None and "您可以发送" in reply["Content"]


def test_safe_mode_refuses_a_forged_msg_signature(app: Flask, live_server: str, safe: WeChatSender) -> None:
    params, body = safe.sign(safe.text("o-parent-3", "帮助"))
    params["msg_signature"] = "f" * 40
    assert post(live_server, params, body).status_code == 403
    assert nothing_written(app)


def test_safe_mode_refuses_a_message_for_another_app(app: Flask, live_server: str) -> None:
    other = WeChatSender(token=SETTINGS["ANXIN_WECHAT_TOKEN"], appid="wx_other_app_id", aes_key=SETTINGS["ANXIN_WECHAT_AES_KEY"])
    assert post(live_server, *other.sign(other.text("o-x", "帮助"))).status_code == 403
    assert nothing_written(app)


def test_safe_mode_without_a_key_configured_is_refused(app_settings: dict[str, Any], safe: WeChatSender) -> None:
    from bot import create_app

    app = create_app({**app_settings, "ANXIN_WECHAT_AES_KEY": None})
    res = app.test_client().post("/wechat", query_string=safe.sign(safe.text("o-1", "帮助"))[0],
                                 data=safe.sign(safe.text("o-1", "帮助"))[1])
    assert res.status_code == 400
    assert "ANXIN_WECHAT_AES_KEY" in res.get_json()["error"]["message"]
    app.extensions["anxin_db"].engine.dispose()


# -- refusals write nothing -------------------------------------------------------------------

def test_wrong_signature_is_403_and_writes_nothing(app: Flask, live_server: str, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.text("o-parent-4", "帮助"))
    params["signature"] = "1" * 40
    res = post(live_server, params, body)
    assert res.status_code == 403
    assert res.json()["error"]["code"] == "bad_signature"
    assert nothing_written(app)


def test_wrong_token_is_403(app: Flask, live_server: str) -> None:
    impostor = WeChatSender(token="not-our-token", appid=SETTINGS["ANXIN_WECHAT_APPID"])
    assert post(live_server, *impostor.sign(impostor.text("o-1", "帮助"))).status_code == 403
    assert nothing_written(app)


BAD_BODIES = {
    "empty": b"",
    "not xml": b"hello there",
    "truncated": b"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName>",
    "wrong root": b"<msg><ToUserName>gh</ToUserName></msg>",
    "missing MsgType": b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime></xml>",
    "missing FromUserName": b"<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
    b"<Content>hi</Content><MsgId>1</MsgId></xml>",
    "text without MsgId": b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><Content>hi</Content></xml>",
    "text without Content": b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><MsgId>7</MsgId></xml>",
    "event without Event": b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>event</MsgType></xml>",
    "CreateTime not a number": b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
    b"<CreateTime>yesterday</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>7</MsgId></xml>",
    "nested field": b"<xml><ToUserName>gh</ToUserName><FromUserName><a>o</a></FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><Content>hi</Content><MsgId>7</MsgId></xml>",
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><Content>&lol2;</Content><MsgId>7</MsgId></xml>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>7</MsgId></xml>",
    # A DTD between comments that read like CDATA: the parser, not a pattern, says what is markup.
    "doctype between comments": b'<!-- <![CDATA[ --><!DOCTYPE x [<!ENTITY e "x">]><!-- ]]> -->'
    b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    b"<MsgType>text</MsgType><Content>&e;</Content><MsgId>7</MsgId></xml>",
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_not_a_wechat_message_is_400_and_writes_nothing(
    app: Flask, live_server: str, plain: WeChatSender, case: str
) -> None:
    params, _ = plain.sign("<xml/>")
    res = post(live_server, params, BAD_BODIES[case])
    assert res.status_code == 400, res.text
    assert res.json()["error"]["code"] == "not_a_wechat_message"
    assert "root:" not in res.text  # no file contents leak back
    assert nothing_written(app)


def test_safe_mode_garbage_ciphertext_is_refused(app: Flask, live_server: str, safe: WeChatSender) -> None:
    from bot.wechat.protocol import signature

    params, _ = safe.sign(safe.text("o-1", "帮助"))
    encrypt = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0"
    params["msg_signature"] = signature(SETTINGS["ANXIN_WECHAT_TOKEN"], params["timestamp"], params["nonce"], encrypt)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    res = post(live_server, params, body)
    assert res.status_code == 400
    assert nothing_written(app)


def test_oversized_body_is_413_and_writes_nothing(app: Flask, live_server: str, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.text("o-big", "喂奶" * 40_000))
    assert len(body) > 64 * 1024
    res = post(live_server, params, body)
    assert res.status_code == 413
    assert nothing_written(app)


def test_oversized_chunked_body_is_refused(app: Flask, live_server: str, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.text("o-big", "喂奶" * 40_000))
    res = requests.post(f"{live_server}/wechat", params=params, data=iter([body[:40000], body[40000:]]), timeout=10)
    assert res.status_code in (400, 413)
    assert nothing_written(app)


# -- what users see ---------------------------------------------------------------------------

def test_subscribe_gets_a_welcome_and_is_remembered(app: Flask, client, plain: WeChatSender, session) -> None:
    from sqlalchemy import select

    from bot.models import ChatUser

    params, body = plain.sign(plain.event("o-new-1", "subscribe"))
    reply = plain.read_reply(client.post("/wechat", query_string=params, data=body).get_data())
    assert reply is not None and "欢迎关注安心家政" in reply["Content"]
    user = session.scalars(select(ChatUser).where(ChatUser.openid == "o-new-1")).one()
    assert user.subscribed is True and user.last_message_at is not None

    params, body = plain.sign(plain.event("o-new-1", "unsubscribe"))
    assert client.post("/wechat", query_string=params, data=body).get_data() == b"success"
    session.rollback()  # end the read snapshot to see what the server committed since
    assert session.scalars(select(ChatUser).where(ChatUser.openid == "o-new-1")).one().subscribed is False


def test_unknown_text_gets_a_hint_never_silence(client, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.text("o-2", "今天天气怎么样😊"))
    reply = plain.read_reply(client.post("/wechat", query_string=params, data=body).get_data())
    assert reply is not None
    assert "没有看懂" in reply["Content"] and "今天天气怎么样😊" in reply["Content"]
    assert "帮助" in reply["Content"]


def test_text_that_reads_like_a_doctype_is_text(client, plain: WeChatSender) -> None:
    # Someone pasting HTML into the chat: WeChat sends it in CDATA, and it gets a reply like any text.
    params, body = plain.sign(plain.text("o-2", "<!DOCTYPE html> 这是什么"))
    res = client.post("/wechat", query_string=params, data=body)
    assert res.status_code == 200, res.get_data(as_text=True)
    reply = plain.read_reply(res.get_data())
    assert reply is not None and "没有看懂" in reply["Content"] and "<!DOCTYPE html>" in reply["Content"]


def test_full_width_help_is_understood(client, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.text("o-3", "  ？ "))
    reply = plain.read_reply(client.post("/wechat", query_string=params, data=body).get_data())
    assert reply is not None and "您可以发送" in reply["Content"]


def test_help_says_the_visitor_role(client, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.text("o-4", "帮助"))
    reply = plain.read_reply(client.post("/wechat", query_string=params, data=body).get_data())
    assert reply is not None and "您的身份：访客" in reply["Content"]


def test_image_from_a_visitor_gets_a_hint(client, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.image("o-5", media_id="MEDIA1"))
    reply = plain.read_reply(client.post("/wechat", query_string=params, data=body).get_data())
    assert reply is not None and "暂时无法处理" in reply["Content"]


def test_unhandled_event_answers_success(client, plain: WeChatSender) -> None:
    params, body = plain.sign(plain.event("o-6", "TEMPLATESENDJOBFINISH"))
    assert client.post("/wechat", query_string=params, data=body).get_data() == b"success"


# -- retries ----------------------------------------------------------------------------------

def test_a_retried_message_is_processed_once_and_gets_the_first_reply(
    app: Flask, client, plain: WeChatSender
) -> None:
    xml = plain.text("o-7", "随便说说🍼", msg_id=6054768590064713728)
    first = client.post("/wechat", query_string=plain.sign(xml)[0], data=xml.encode())
    again = client.post("/wechat", query_string=plain.sign(xml)[0], data=xml.encode())
    assert first.status_code == again.status_code == 200
    assert content(plain.read_reply(first.get_data())) == content(plain.read_reply(again.get_data()))
    assert count_rows(app.extensions["anxin_db"].engine, "inbound_message") == 1


def test_a_retried_event_is_processed_once(app: Flask, client, plain: WeChatSender) -> None:
    xml = plain.event("o-8", "subscribe", create_time=1763800000)
    for _ in range(3):
        res = client.post("/wechat", query_string=plain.sign(xml)[0], data=xml.encode())
        assert "欢迎关注安心家政" in content(plain.read_reply(res.get_data()))
    assert count_rows(app.extensions["anxin_db"].engine, "inbound_message") == 1
    # The same event at another time is a new event.
    xml2 = plain.event("o-8", "subscribe", create_time=1763800060)
    client.post("/wechat", query_string=plain.sign(xml2)[0], data=xml2.encode())
    assert count_rows(app.extensions["anxin_db"].engine, "inbound_message") == 2


def test_emoji_and_rare_characters_survive_storage(app: Flask, client, plain: WeChatSender, session) -> None:
    import json

    from sqlalchemy import select

    from bot.models import InboundMessage

    text = "宝宝今天很乖👶🏻🍼 𠮷"
    client.post("/wechat", query_string=plain.sign(plain.text("o-9", text))[0], data=plain.text("o-9", text).encode())
    stored = session.scalars(select(InboundMessage)).one()
    assert text in json.loads(stored.reply)["content"]


def test_responses_carry_a_request_id(client, plain: WeChatSender) -> None:
    res = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert res.headers["X-Request-Id"] == "abc-123"
    res = client.get("/healthz")
    assert len(res.headers["X-Request-Id"]) == 32


def test_an_outage_is_a_logged_500_so_wechat_retries(app_settings: dict[str, Any], tmp_path, plain: WeChatSender,
                                                    caplog) -> None:
    import logging

    from bot import create_app
    from bot.store.db import make_engine
    from bot.store.migrate import upgrade

    url = f"sqlite:///{tmp_path}/outage.db"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE inbound_message")  # the database lost a table under us
    engine.dispose()
    app = create_app({**app_settings, "ANXIN_DATABASE_URL": url})
    logging.getLogger("anxin").addHandler(caplog.handler)
    try:
        params, body = plain.sign(plain.text("o-outage", "帮助"))
        res = app.test_client().post("/wechat", query_string=params, data=body, headers={"X-Request-Id": "req-outage-1"})
    finally:
        logging.getLogger("anxin").removeHandler(caplog.handler)
    assert res.status_code == 500  # not acknowledged: WeChat sends it again
    assert res.get_json()["error"]["code"] == "internal_error"
    [record] = [r for r in caplog.records if r.getMessage() == "request.failed"]
    assert record.request_id == "req-outage-1" and record.exc_info is not None
    app.extensions["anxin_db"].engine.dispose()


@pytest.mark.parametrize(("event", "opens"), [("subscribe", True), ("SCAN", True), ("CLICK", True), ("VIEW", False),
                                              ("TEMPLATESENDJOBFINISH", False), ("LOCATION", False)])
def test_only_what_the_user_did_opens_the_48_hour_window(client, plain: WeChatSender, session, event: str,
                                                          opens: bool) -> None:
    from sqlalchemy import select

    from bot.models import ChatUser

    client.post("/wechat", query_string=plain.sign(plain.event("o-w", event))[0], data=plain.event("o-w", event).encode())
    user = session.scalar(select(ChatUser).where(ChatUser.openid == "o-w"))
    assert (user is not None and user.last_message_at is not None) is opens


def test_the_window_is_read_from_the_messages_themselves(app: Flask, client, plain: WeChatSender, session) -> None:
    """A text opens WeChat's 48-hour window without a chat_user row; a LOCATION event opens none; moving the
    text back 49 hours closes it."""
    import datetime as dt

    from sqlalchemy import select, update

    from bot.delivery.notify import CUSTOMER_SERVICE_WINDOW, window_of
    from bot.models import ChatUser, InboundMessage

    def post(xml: str) -> None:
        assert client.post("/wechat", query_string=plain.sign(xml)[0], data=xml.encode()).status_code == 200

    post(plain.text("o-text", "你好"))
    post(plain.event("o-loc", "LOCATION"))
    session.rollback()
    assert session.scalar(select(ChatUser).where(ChatUser.openid == "o-text")) is None
    follows, last = window_of(session, "o-text")
    now = dt.datetime.now(dt.UTC)
    assert follows and last is not None and now - last < CUSTOMER_SERVICE_WINDOW
    assert window_of(session, "o-loc") == (True, None)  # known from its event row; no window opened
    assert window_of(session, "o-nobody") == (False, None)
    session.execute(update(InboundMessage).where(InboundMessage.openid == "o-text")
                    .values(received_at=now - dt.timedelta(hours=49)))
    follows, last = window_of(session, "o-text")
    assert follows and last is not None and now - last > CUSTOMER_SERVICE_WINDOW
    session.rollback()
