"""Fuzzing /wechat with structure-aware pushes, signed as WeChat signs them, in plaintext and safe mode.

Whatever the body, the answer is a reply WeChat can show (200), a refusal (400/413), never a 500;
a reply is well-formed XML of a kind WeChat knows, its text within 2,048 bytes.
"""

from __future__ import annotations

import time

from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st

from bot.textsafe import MAX_REPLY_BYTES
from bot.wechat.simulator import WeChatSender
from tests.conftest import SETTINGS
from tests.fuzz.conftest import budget
from tests.fuzz.strategies import push_bodies, to_xml

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


def _check(client: FlaskClient, sender: WeChatSender, body: str) -> None:
    params, data = sender.sign(body)
    res = client.post("/wechat", query_string=params, data=data, content_type="text/xml")
    assert res.status_code in (200, 400, 413), (res.status_code, res.data[:300])
    if res.status_code != 200 or res.data == b"success":
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
