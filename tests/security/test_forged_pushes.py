"""Issue 12, forged pushes: a replay window, a replay cache shared by every worker, and the three modes."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.wechat.protocol import signature
from bot.wechat.simulator import WeChatSender, reply_text
from config import ConfigError, TestConfig, load_config
from tests.support.backends import SETTINGS, count_rows
from tests.support.chat import Chat, open_family

NURSE = "o-nurse-forged"


def signed_at(sender: WeChatSender, timestamp: int) -> dict[str, str]:
    nonce = uuid.uuid4().hex[:10]
    return {"signature": signature(sender.token, str(timestamp), nonce), "timestamp": str(timestamp), "nonce": nonce}


def post(client: FlaskClient, params: dict[str, str], body: bytes | str):
    return client.post("/wechat", query_string=params, data=body, content_type="text/xml")


@pytest.fixture
def plain() -> WeChatSender:
    return WeChatSender.from_settings(SETTINGS)


@pytest.mark.parametrize("offset", [-301, 301, -10**6])
def test_a_push_signed_outside_the_window_is_refused(app: Flask, client: FlaskClient, plain: WeChatSender,
                                                      offset: int) -> None:
    res = post(client, signed_at(plain, int(time.time()) + offset), plain.text("o-late", "帮助"))
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "stale_or_replayed"
    engine = app.extensions["anxin_db"].engine
    assert count_rows(engine, "inbound_message") == 0 and count_rows(engine, "chat_user") == 0


def test_the_window_is_configurable(make_app: Callable[..., Flask], plain: WeChatSender) -> None:
    client = make_app(ANXIN_WECHAT_REPLAY_WINDOW=60).test_client()
    assert post(client, signed_at(plain, int(time.time()) - 100), plain.text("o-w", "帮助")).status_code == 403
    assert post(client, signed_at(plain, int(time.time()) - 50), plain.text("o-w", "帮助")).status_code == 200


def test_server_url_check_is_refused_when_stale(client: FlaskClient, plain: WeChatSender) -> None:
    params = {**signed_at(plain, int(time.time()) - 3600), "echostr": "123"}
    assert client.get("/wechat", query_string=params).status_code == 403
    params = {**signed_at(plain, int(time.time())), "echostr": "123"}
    assert client.get("/wechat", query_string=params).get_data(as_text=True) == "123"


def _nurse_bound(app: Flask, client: FlaskClient) -> Chat:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    return chat


def test_a_captured_query_string_cannot_carry_another_message(app: Flask, client: FlaskClient) -> None:
    """The nurse's genuine push is seen; its query string reused with `体温 39.5` is refused, nothing recorded."""
    chat = _nurse_bound(app, client)
    params, body = chat.sender.sign(chat.sender.text(NURSE, "喂奶 120ml"))
    assert "已记录" in reply_text(chat.sender.read_reply(post(client, params, body).data))
    engine = app.extensions["anxin_db"].engine
    before = (count_rows(engine, "diary_entry"), count_rows(engine, "inbound_message"))
    forged = post(client, params, chat.sender.text(NURSE, "体温 39.5"))
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "stale_or_replayed"
    assert (count_rows(engine, "diary_entry"), count_rows(engine, "inbound_message")) == before
    assert count_rows(engine, "diary_flag") == 0 and count_rows(engine, "notification") == 0


def test_the_same_push_again_is_a_retry_answered_with_the_first_reply(app: Flask, client: FlaskClient) -> None:
    chat = _nurse_bound(app, client)
    params, body = chat.sender.sign(chat.sender.text(NURSE, "喂奶 90ml"))
    first, again = post(client, params, body), post(client, params, body)
    assert first.status_code == again.status_code == 200
    assert reply_text(chat.sender.read_reply(first.data)) == reply_text(chat.sender.read_reply(again.data))
    assert count_rows(app.extensions["anxin_db"].engine, "diary_entry") == 1


def test_the_replay_cache_is_shared_by_every_worker(make_app: Callable[..., Flask], client: FlaskClient,
                                                    plain: WeChatSender) -> None:
    """A second app on the same database (another gunicorn worker) knows the query string too."""
    other = make_app().test_client()
    params, body = plain.sign(plain.text("o-a", "帮助"))
    assert post(client, params, body).status_code == 200
    assert post(other, params, plain.text("o-b", "帮助")).status_code == 403


def test_a_retried_read_only_command_is_answered_again(app: Flask, client: FlaskClient) -> None:
    """帮助's reply is not stored: WeChat's retry (the same push) runs it again and gets the same text; the
    same query string with another message is still refused."""
    chat = _nurse_bound(app, client)
    params, body = chat.sender.sign(chat.sender.text(NURSE, "帮助"))
    first, again = post(client, params, body), post(client, params, body)
    assert first.status_code == again.status_code == 200
    text = reply_text(chat.sender.read_reply(first.data))
    assert "日记" in text and reply_text(chat.sender.read_reply(again.data)) == text
    assert count_rows(app.extensions["anxin_db"].engine, "inbound_message") == 2  # 绑定 and 帮助, once each
    assert post(client, params, chat.sender.text(NURSE, "体温 39.5")).status_code == 403


# -- the three modes -----------------------------------------------------------------------

def _app(make_app: Callable[..., Flask], mode: str, **extra: object) -> FlaskClient:
    return make_app(ANXIN_WECHAT_MODE=mode, **extra).test_client()


def test_safe_mode_refuses_plaintext_pushes(app: Flask, make_app: Callable[..., Flask]) -> None:
    client = _app(make_app, "safe")
    plain, safe = WeChatSender.from_settings(SETTINGS), WeChatSender.from_settings(SETTINGS, safe=True)
    res = post(client, *plain.sign(plain.text("o-s", "帮助")))
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "plaintext_refused"
    assert count_rows(app.extensions["anxin_db"].engine, "inbound_message") == 0
    res = post(client, *safe.sign(safe.text("o-s", "帮助")))
    assert res.status_code == 200 and "您可以发送" in reply_text(safe.read_reply(res.data))


def test_compat_mode_accepts_both(make_app: Callable[..., Flask]) -> None:
    client = _app(make_app, "compat")
    plain, safe = WeChatSender.from_settings(SETTINGS), WeChatSender.from_settings(SETTINGS, safe=True)
    assert "您可以发送" in reply_text(plain.read_reply(post(client, *plain.sign(plain.text("o-c1", "帮助"))).data))
    assert "您可以发送" in reply_text(safe.read_reply(post(client, *safe.sign(safe.text("o-c2", "帮助"))).data))


def test_plain_mode_refuses_encrypted_pushes(make_app: Callable[..., Flask]) -> None:
    client = _app(make_app, "plain")
    safe = WeChatSender.from_settings(SETTINGS, safe=True)
    assert post(client, *safe.sign(safe.text("o-p", "帮助"))).status_code == 400


def _config(environ: dict[str, str], **overrides: object) -> dict[str, object]:
    return load_config(overrides, environ=environ, base=TestConfig)


def test_mode_settings() -> None:
    assert _config({}, ANXIN_WECHAT_AES_KEY=None)["ANXIN_WECHAT_MODE"] == "plain"
    assert _config({})["ANXIN_WECHAT_MODE"] == "compat"
    assert _config({"ANXIN_WECHAT_MODE": "safe"})["ANXIN_WECHAT_MODE"] == "safe"
    with pytest.raises(ConfigError, match="ANXIN_WECHAT_MODE"):
        _config({"ANXIN_WECHAT_MODE": "secure"})
    with pytest.raises(ConfigError, match="ANXIN_WECHAT_AES_KEY"):
        _config({"ANXIN_WECHAT_MODE": "safe"}, ANXIN_WECHAT_AES_KEY=None)
    with pytest.raises(ConfigError, match="ANXIN_WECHAT_REPLAY_WINDOW"):
        _config({"ANXIN_WECHAT_REPLAY_WINDOW": "5"})
    with pytest.raises(ConfigError, match="ANXIN_WECHAT_REPLAY_WINDOW"):
        _config({"ANXIN_WECHAT_REPLAY_WINDOW": "soon"})
    assert _config({"ANXIN_WECHAT_REPLAY_WINDOW": "120"})["ANXIN_WECHAT_REPLAY_WINDOW"] == 120


def test_signed_query_strings_never_reach_a_log(client: FlaskClient, plain: WeChatSender,
                                                caplog: pytest.LogCaptureFixture) -> None:
    anxin = logging.getLogger("anxin")
    anxin.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG, logger="anxin"):
            params, body = plain.sign(plain.text("o-log", "帮助"))
            post(client, params, body)
            post(client, params, plain.text("o-log", "别的"))  # refused: logged as such
            bad = {**params, "signature": "f" * 40}
            post(client, bad, body)
    finally:
        anxin.removeHandler(caplog.handler)
    logged = "\n".join(r.getMessage() + " " + str(getattr(r, "fields", "")) for r in caplog.records)
    assert "wechat.refused" in logged
    for value in (params["signature"], params["nonce"], "f" * 40):
        assert value not in logged
