"""Fuzzing /wechat with structure-aware pushes, signed as WeChat signs them, in plaintext and safe mode.

A legal push (what WeChat's servers send, unmutated) is answered: 200, and words for every message,
follow and scan. Any other body gets a reply WeChat can show (200) or one of the documented refusals
(400 ``not_a_wechat_message``, 413 ``payload_too_large``), never a 500; a reply is well-formed XML of a
kind WeChat knows, its text within 2,048 bytes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st

from bot import create_app
from bot.core.textsafe import MAX_REPLY_BYTES
from bot.wechat.simulator import WeChatSender
from tests.support.backends import SETTINGS
from tests.support.fuzz import budget
from tests.support.strategies import legal_pushes, push_bodies, to_xml

PLAIN = WeChatSender.from_settings(SETTINGS)
SAFE = WeChatSender.from_settings(SETTINGS, safe=True)
NOW = str(int(time.time()))

# Crashes found before or by fuzzing, kept as regression examples.
YEAR_33658 = to_xml({"ToUserName": "gh", "FromUserName": "o-1", "CreateTime": "999999999999", "MsgType": "text",
                     "Content": "帮助", "MsgId": "1"}, "cdata")
LONG_EVENT = to_xml({"ToUserName": "gh", "FromUserName": "o-1", "CreateTime": NOW, "MsgType": "event",
                     "Event": "E" * 40}, "cdata")
CONTROL_CHARS = to_xml({"ToUserName": "gh", "FromUserName": "o-1", "CreateTime": NOW, "MsgType": "text",
                        "Content": "今天\x0b\x07", "MsgId": "2"}, "escaped")
CDATA_END = to_xml({"ToUserName": "gh", "FromUserName": "o-1", "CreateTime": NOW, "MsgType": "text",
                    "Content": "]]><MsgType>news</MsgType>", "MsgId": "3"}, "cdata")
HUGE_CREATE_TIME = to_xml({"ToUserName": "gh", "FromUserName": "o-1", "CreateTime": "9" * 12, "MsgType": "event",
                           "Event": "subscribe"}, "cdata")


REFUSALS = {400: "not_a_wechat_message", 413: "payload_too_large"}  # CONTRACT.md, "The Official Account endpoint"
_msg_ids = itertools.count(int(time.time()) * 10**6)


def _check(client: FlaskClient, sender: WeChatSender, body: str) -> None:
    """Any body: a reply WeChat can show, or a documented refusal."""
    params, data = sender.sign(body)
    res = client.post("/wechat", query_string=params, data=data, content_type="text/xml")
    assert res.status_code in (200, *REFUSALS), (res.status_code, res.data[:300])
    if res.status_code in REFUSALS:
        assert res.get_json()["error"]["code"] == REFUSALS[res.status_code], res.data[:300]
        return
    if res.data == b"success":
        return
    reply = sender.read_reply(res.data)
    assert reply is not None and reply["MsgType"] in ("text", "news"), reply
    if reply["MsgType"] == "text":
        assert len((reply.get("Content") or "").encode("utf-8")) <= MAX_REPLY_BYTES


@budget(600)
@given(body=push_bodies())
@example(body=YEAR_33658)
@example(body=LONG_EVENT)
@example(body=CONTROL_CHARS)
@example(body=CDATA_END)
@example(body=HUGE_CREATE_TIME)
def test_plaintext_pushes(client: FlaskClient, body: str) -> None:
    _check(client, PLAIN, body)


@budget(400)
@given(body=push_bodies())
@example(body=YEAR_33658)
@example(body=LONG_EVENT)
@example(body=CDATA_END)
def test_safe_mode_pushes(client: FlaskClient, body: str) -> None:
    _check(client, SAFE, body)


@budget(150)
@given(encrypt=st.one_of(st.binary(max_size=200).map(lambda b: __import__("base64").b64encode(b).decode()),
                         st.text(max_size=200)))
@example(encrypt="A" * 24)  # struct.error inside wechatpy: was a 500
@example(encrypt="")
def test_safe_mode_random_ciphertext(client: FlaskClient, encrypt: str) -> None:
    """Whoever signs a random Encrypt (the token leaked) gets a 400, never a 500."""
    from bot.wechat.protocol import signature
    from bot.wechat.simulator import _cdata

    timestamp, nonce = str(int(time.time())), str(time.perf_counter_ns())
    params = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
              "signature": signature(SAFE.token, timestamp, nonce),
              "msg_signature": signature(SAFE.token, timestamp, nonce, encrypt)}
    body = f"<xml><ToUserName>{_cdata('gh')}</ToUserName><Encrypt>{_cdata(encrypt)}</Encrypt></xml>"
    res = client.post("/wechat", query_string=params, data=body.encode("utf-8", "replace"), content_type="text/xml")
    assert res.status_code in (400, 403), res.data[:300]


def _answer(client: FlaskClient, sender: WeChatSender, fields: dict[str, str], style: str) -> tuple[int, str | None]:
    """Post a legal push; return the status and the words its sender sees (None for ``success``)."""
    if fields["MsgType"] != "event":
        fields = {**fields, "MsgId": str(next(_msg_ids))}  # each push once: a retry is not what is tested here
    params, data = sender.sign(to_xml(fields, style))
    res = client.post("/wechat", query_string=params, data=data, content_type="text/xml")
    if res.status_code != 200:
        return res.status_code, res.get_data(as_text=True)[:300]
    reply = sender.read_reply(res.data)
    if reply is None:
        return 200, None
    assert reply["ToUserName"] == fields["FromUserName"] and reply["MsgType"] in ("text", "news"), reply
    if reply["MsgType"] == "news":
        items = reply["Articles"]["item"]
        return 200, str(items[0]["Title"] if isinstance(items, list) else items["Title"])
    content = reply.get("Content") or ""
    assert len(content.encode("utf-8")) <= MAX_REPLY_BYTES
    return 200, content


@pytest.fixture(params=["plain", "aes/compat", "aes/safe"])
def wechat_mode(request: pytest.FixtureRequest, app: Flask,
                app_settings: dict[str, object]) -> Iterator[tuple[FlaskClient, WeChatSender]]:
    """The endpoint in each mode the server supports: compat takes plaintext and AES, safe takes AES only."""
    if request.param == "plain":
        yield app.test_client(), PLAIN
    elif request.param == "aes/compat":
        yield app.test_client(), SAFE
    else:  # the same database (``app`` clears it), the account switched to safe mode
        safe_only = create_app({**app_settings, "ANXIN_WECHAT_MODE": "safe"})
        yield safe_only.test_client(), SAFE
        safe_only.extensions["anxin_db"].engine.dispose()


@budget(150)
@given(push=legal_pushes(), style=st.sampled_from(["cdata", "escaped"]))
def test_every_legal_push_is_answered(wechat_mode: tuple[FlaskClient, WeChatSender],
                                      push: tuple[dict[str, str], bool], style: str) -> None:
    """A push exactly as WeChat sends it is never refused, and every message gets words back."""
    client, sender = wechat_mode
    fields, expects_words = push
    status, words = _answer(client, sender, fields, style)
    assert status == 200, (status, words)
    if expects_words:
        assert words is not None and words.strip(), (fields, words)


def test_safe_mode_refuses_plaintext_with_the_documented_403(app_settings: dict[str, object], app: Flask) -> None:
    safe_only = create_app({**app_settings, "ANXIN_WECHAT_MODE": "safe"})
    params, data = PLAIN.sign(PLAIN.text("o-plain-in-safe-mode", "帮助"))
    res = safe_only.test_client().post("/wechat", query_string=params, data=data, content_type="text/xml")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "plaintext_refused"
    safe_only.extensions["anxin_db"].engine.dispose()
