"""The local WeChat: one strict stand-in, mounted by a development server, refused by production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import Result
from flask import Flask
from werkzeug.test import Client, TestResponse

from bot import create_app
from bot.ops.demo import NURSE_OPENID, PARENT_OPENID
from bot.store import background
from bot.wechat.standin import CUSTOM_LIMIT, WeChatStandIn, standin_in_use
from tests.support.backends import clear
from tests.support.chat import Chat
from tests.support.factories import PRODUCTION
from tests.support.serving import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
OA = ("wx-oa", "oa-secret")
MP = ("wx-mp", "mp-secret")


# -- the stand-in answers as WeChat does --------------------------------------------------------

@pytest.fixture
def standin() -> WeChatStandIn:
    standin = WeChatStandIn(custom_limit=3)
    standin.register_app(*OA)
    standin.register_app(*MP)
    return standin


def _answer(res: TestResponse) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(res.get_data())
    return data


def _token(client: Client) -> str:
    res = client.get("/cgi-bin/token", query_string={"grant_type": "client_credential", "appid": OA[0], "secret": OA[1]})
    return str(_answer(res)["access_token"])


def _send(client: Client, token: str, body: dict[str, Any], path: str = "/cgi-bin/message/custom/send") -> int:
    return int(_answer(client.post(path, query_string={"access_token": token}, json=body))["errcode"])


def _text(openid: str, content: str) -> dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def test_tokens_are_strict(standin: WeChatStandIn) -> None:
    client = Client(standin)
    bad = client.get("/cgi-bin/token", query_string={"grant_type": "client_credential", "appid": OA[0], "secret": "x"})
    assert _answer(bad)["errcode"] == 40125
    first = _token(client)
    second = _token(client)  # a refresh invalidates the previous token, as WeChat does
    assert _send(client, first, _text("o-1", "hi")) == 40001
    assert _send(client, second, _text("o-1", "hi")) == 0


def test_messages_are_refused_as_wechat_refuses_them(standin: WeChatStandIn) -> None:
    client = Client(standin)
    token = _token(client)
    standin.state.outside_window.add("o-away")
    standin.state.unsubscribed.add("o-gone")
    assert _send(client, token, _text("o-away", "hi")) == 45015
    assert _send(client, token, _text("o-gone", "hi")) == 43004
    assert _send(client, token, _text("o-1", "长" * 683)) == 45002  # 2,049 bytes of UTF-8
    assert _send(client, token, _text("o-1", "")) == 44002
    assert [_send(client, token, _text("o-1", f"m{i}")) for i in range(CUSTOM_LIMIT)][:4] == [0, 0, 0, 45047]
    standin.user_wrote("o-1")  # the user writes again: the count starts over
    assert _send(client, token, _text("o-1", "again")) == 0
    template = {"touser": "o-1", "data": {"thing1": {"value": "x" * 21}}}
    assert _send(client, token, template, "/cgi-bin/message/template/send") == 40037
    # Since 2023-05 WeChat shows keyword fields of at most 20 characters, and no first/remark (issue 11).
    assert _send(client, token, {**template, "template_id": "t"}, "/cgi-bin/message/template/send") == 47003
    first = {"touser": "o-1", "template_id": "t", "data": {"first": {"value": "标题"}}}
    assert _send(client, token, first, "/cgi-bin/message/template/send") == 47003
    assert [m["text"] for m in standin.delivered()] == ["m0", "m1", "m2", "again"]  # only what WeChat took


def test_the_2023_quota_five_messages_per_user_message_within_48_hours() -> None:
    standin = WeChatStandIn()  # WeChat's own limits, not a test's
    standin.register_app(*OA)
    now = [1_800_000_000.0]
    standin.clock = lambda: now[0]
    client = Client(standin)
    token = _token(client)
    standin.user_wrote("o-1")
    assert CUSTOM_LIMIT == 5
    assert [_send(client, token, _text("o-1", f"m{i}")) for i in range(7)] == [0, 0, 0, 0, 0, 45047, 45047]
    standin.user_wrote("o-1")  # a new message: five more
    now[0] += 47 * 3600
    assert _send(client, token, _text("o-1", "still open")) == 0
    now[0] += 2 * 3600  # 49 hours after the user last wrote: the window is closed
    assert _send(client, token, _text("o-1", "too late")) == 45015
    standin.user_wrote("o-2")
    standin.close_window("o-2")  # WeChat says closed although the user wrote
    assert _send(client, token, _text("o-2", "hi")) == 45015
    assert [m["text"] for m in standin.delivered()] == [f"m{i}" for i in range(5)] + ["still open"]


def test_stable_token_is_served_as_wechat_serves_it(standin: WeChatStandIn) -> None:
    client = Client(standin)

    def stable(**extra: Any) -> dict[str, Any]:
        body = {"grant_type": "client_credential", "appid": OA[0], "secret": OA[1], **extra}
        return _answer(client.post("/cgi-bin/stable_token", json=body))

    first = stable()
    assert first["expires_in"] == 7200
    assert stable()["access_token"] == first["access_token"]  # the same token while it is valid
    assert _send(client, first["access_token"], _text("o-s1", "hi")) == 0
    plain = _token(client)  # /cgi-bin/token's tokens are kept apart: neither invalidates the other
    assert _send(client, first["access_token"], _text("o-s2", "hi")) == 0
    forced = stable(force_refresh=True)
    assert forced["access_token"] != first["access_token"]
    assert _send(client, first["access_token"], _text("o-s3", "hi")) == 40001
    assert _send(client, forced["access_token"], _text("o-s4", "hi")) == 0
    assert _send(client, plain, _text("o-s5", "hi")) == 0
    assert stable(secret="wrong")["errcode"] == 40125
    assert _answer(client.get("/cgi-bin/stable_token", query_string={"appid": OA[0]}))["errcode"] == 47001


def test_login_codes_are_strict_unless_any_code_is_allowed(standin: WeChatStandIn) -> None:
    def login(client: Client, code: str) -> dict[str, Any]:
        query = {"appid": MP[0], "secret": MP[1], "js_code": code, "grant_type": "authorization_code"}
        return _answer(client.get("/sns/jscode2session", query_string=query))

    strict = Client(standin)
    assert login(strict, "demo-parent:1")["errcode"] == 40029  # tests script their codes
    standin.add_session("c1", openid="o-1", session_key="k")
    assert login(strict, "c1")["openid"] == "o-1"
    assert login(strict, "c1")["errcode"] == 40163  # a code is good once
    laptop = WeChatStandIn(any_code=True)
    laptop.register_app(*MP)
    assert login(Client(laptop), "demo-parent:1")["openid"] == "demo-parent"
    assert login(Client(laptop), "demo-parent:1")["errcode"] == 40163
    assert login(Client(laptop), "not a code!")["errcode"] == 40029


# -- a development server on a laptop -----------------------------------------------------------

@pytest.fixture
def laptop(app_settings: dict[str, object]) -> Iterator[tuple[Flask, str]]:
    """A development server on its own port whose WeChat API is the stand-in it mounts."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app({**app_settings, "ANXIN_WECHAT_API_BASE": f"{base}/_dev/wechat", "ANXIN_PUBLIC_URL": base})
    engine = app.extensions["anxin_db"].engine
    clear(engine)
    with serving(app, port):
        yield app, base
        background.join_all()
    clear(engine)
    engine.dispose()


def test_on_a_laptop_the_mini_program_and_notifications_work(laptop: tuple[Flask, str]) -> None:
    app, base = laptop
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    login = requests.post(f"{base}/mp/v1/login", json={"code": "demo-parent:1"}, timeout=10)
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    engagements = requests.get(f"{base}/mp/v1/engagements", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert engagements.json()["engagements"][0]["family_name"] == "王家"
    assert "王家" in engagements.text  # UTF-8, not \\u738b\\u5bb6
    again = requests.post(f"{base}/mp/v1/login", json={"code": "demo-parent:1"}, timeout=10)
    assert again.status_code == 401  # WeChat's codes are good once; so are the stand-in's

    standin = app.extensions["anxin_standin"]
    standin.state.custom_sent[PARENT_OPENID] = CUSTOM_LIMIT - 1  # one message left before 45047 …
    assert "月子日记" in Chat(app.test_client()).say(PARENT_OPENID, "今天")  # … and the parent writes: the count restarts
    assert PARENT_OPENID not in standin.state.custom_sent
    assert "建议" in Chat(app.test_client()).say(NURSE_OPENID, "体温 38.6")
    background.join_all()
    sent = requests.get(f"{base}/_dev/wechat/_sent", timeout=10).json()["delivered"]
    assert any(m["to"] == PARENT_OPENID and "38.6" in m["text"] for m in sent)
    outbox: Result = runner.invoke(args=["outbox", "--to", PARENT_OPENID])
    assert outbox.exit_code == 0
    lines = outbox.output.splitlines()
    assert lines[0].startswith(PARENT_OPENID)
    flag = next(i for i, line in enumerate(lines) if "38.6" in line)
    assert "[已发送·客服消息] flag" in lines[flag - 1]
    # … with the link the message carried, as it was sent (the day page, signed for this parent).
    told = next(m["text"] for m in sent if m["to"] == PARENT_OPENID and "38.6" in m["text"])
    link = told.rsplit("查看详情：", 1)[1]
    assert "/d/" in link and f"🔗 {link}" in [line.strip() for line in lines]
    assert runner.invoke(args=["outbox", "--to", "nobody"]).output.startswith("发件箱为空")


def test_production_mounts_no_stand_in_and_fake_wechat_refuses(app_settings: dict[str, object]) -> None:
    real = PRODUCTION
    app = create_app({**app_settings, **real})
    try:
        assert app.test_client().get("/_dev/wechat/cgi-bin/token").status_code == 404
        result = app.test_cli_runner().invoke(args=["fake-wechat", "--port", "0"])
        assert result.exit_code != 0 and "for development only" in result.output
    finally:
        app.extensions["anxin_db"].engine.dispose()


def test_flask_fake_wechat_serves_the_stand_in(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANXIN_", "FLASK_"))}
    env.update(ANXIN_DATABASE_URL=f"sqlite:///{tmp_path}/a.db")
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "bot", "fake-wechat", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 30
        while True:
            try:
                res = requests.get(f"http://127.0.0.1:{port}/cgi-bin/token", timeout=2, params={
                    "grant_type": "client_credential", "appid": "wx0000000000dev0a", "secret": "anxin-dev-secret"})
                break
            except requests.ConnectionError:
                assert time.time() < deadline and proc.poll() is None, "fake-wechat did not start"
                time.sleep(0.2)
        assert res.json()["access_token"].startswith("TOKEN-")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"ANXIN_WECHAT_API_BASE=http://127.0.0.1:{port}" in output


def test_the_stand_in_hears_of_pushes_only_when_it_is_the_wechat_in_use(app: Flask) -> None:
    """With another WeChat (the tests' loopback fake), a push passes to the app untouched: the stand-in this
    app mounts keeps its own counts."""
    standin = app.extensions.get("anxin_standin")
    if standin is None:
        pytest.skip("the test settings mount no stand-in")
    assert not standin_in_use(app)
    standin.state.custom_sent["o-elsewhere"] = 3
    assert Chat(app.test_client()).say("o-elsewhere", "你好")  # answered, as ever
    assert standin.state.custom_sent["o-elsewhere"] == 3


def test_a_voice_uploaded_with_a_text_is_served_as_amr_and_heard_as_that_text() -> None:
    from bot.cloud.asr_standin import amr_duration_ms
    from bot.wechat.standin import WeChatStandIn

    standin = WeChatStandIn()
    standin.register_app("wx-voice", "s3cret")
    api = Client(standin)
    token = api.get("/cgi-bin/token", query_string={"grant_type": "client_credential", "appid": "wx-voice",
                                                     "secret": "s3cret"}).get_json()["access_token"]
    media_id = api.post("/_voice", json={"text": "喂奶 90ml", "format": "amr"}).get_json()["media_id"]
    voice = api.get("/cgi-bin/media/get", query_string={"access_token": token, "media_id": media_id})
    assert voice.headers["Content-Type"] == "audio/amr" and amr_duration_ms(voice.data) == 1760  # 7 characters
    assert standin.transcript_of(voice.data) == "喂奶 90ml"
    unknown = api.get("/cgi-bin/media/get", query_string={"access_token": token, "media_id": "NO-SUCH-VOICE"})
    assert unknown.get_json()["errcode"] == 40007
    assert api.post("/_voice", json={"text": "", "format": "amr"}).get_json()["errcode"] == 40004
