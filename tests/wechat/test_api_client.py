"""The WeChat API client against the loopback fake: origin, timeouts, a token shared by processes."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from bot.delivery.wechat_api import WeChatApi, get_api, make_api
from bot.models import AccessToken
from tests.fakes.wechat_api import WeChatApiFake


def fresh_client(app: Flask) -> WeChatApi:
    """A client with no token in memory, as in another worker process."""
    return make_api(app, app.config["ANXIN_WECHAT_APPID"], app.config["ANXIN_WECHAT_SECRET"])


def test_every_call_goes_to_the_configured_origin(app: Flask, wechat_fake: WeChatApiFake) -> None:
    api = get_api(app)
    api.message.send_text("o-parent", "您好")
    assert wechat_fake.token_fetches == 1
    assert wechat_fake.messages_to("o-parent") == [
        {"touser": "o-parent", "msgtype": "text", "text": {"content": "您好"}, "_accepted": True}
    ]


def test_the_token_is_shared_through_the_database(app: Flask, wechat_fake: WeChatApiFake, session) -> None:
    first = fresh_client(app).access_token
    second = fresh_client(app).access_token  # another process: nothing in memory
    assert first == second
    assert wechat_fake.token_fetches == 1
    row = session.scalars(select(AccessToken)).one()
    assert row.token == first and row.expires_at is not None


def test_concurrent_processes_refresh_once(app: Flask, wechat_fake: WeChatApiFake) -> None:
    wechat_fake.state.token_delay = 0.3  # a slow WeChat widens the race window
    clients = [fresh_client(app) for _ in range(6)]
    tokens: list[str] = []
    barrier = threading.Barrier(len(clients))

    def take(client: WeChatApi) -> None:
        barrier.wait()
        tokens.append(client.access_token)

    threads = [threading.Thread(target=take, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wechat_fake.token_fetches == 1
    assert len(set(tokens)) == 1


def test_a_token_wechat_refuses_is_replaced_and_the_call_retried(app: Flask, wechat_fake: WeChatApiFake) -> None:
    api = get_api(app)
    api.message.send_text("o-1", "第一条")
    wechat_fake.expire_tokens()  # e.g. someone refreshed it from the WeChat console
    api.message.send_text("o-1", "第二条")
    assert [m["text"]["content"] for m in wechat_fake.messages_to("o-1")] == ["第一条", "第二条"]
    assert wechat_fake.token_fetches == 2


def test_an_expiring_token_is_refreshed_before_use(app: Flask, wechat_fake: WeChatApiFake) -> None:
    wechat_fake.state.token_ttl = 120  # inside the five-minute refresh margin
    first = fresh_client(app).access_token
    second = fresh_client(app).access_token
    assert first != second
    assert wechat_fake.token_fetches == 2


def test_bad_credentials_raise_a_clear_error(app: Flask, wechat_fake: WeChatApiFake) -> None:
    api = make_api(app, app.config["ANXIN_WECHAT_APPID"], "wrong-secret")
    with pytest.raises(WeChatClientException) as info:
        api.message.send_text("o-1", "hi")
    assert info.value.errcode == 40125


def test_a_slow_wechat_times_out(app: Flask, wechat_fake: WeChatApiFake) -> None:
    api = get_api(app)
    api.access_token  # noqa: B018 - fetch the token first
    wechat_fake.fail_next("/cgi-bin/message/custom/send", delay=app.config["ANXIN_WECHAT_TIMEOUT"] + 1)
    with pytest.raises(Exception) as info:
        api.message.send_text("o-1", "hi")
    assert "timed out" in str(info.value).lower() or "timeout" in type(info.value).__name__.lower()
