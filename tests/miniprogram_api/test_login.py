"""``POST /mp/v1/login`` through the loopback jscode2session, and session tokens."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from tests.fakes.wechat_api import WeChatApiFake
from tests.support.backends import SETTINGS


def test_login_returns_our_token_for_a_good_code(client, wechat_fake: WeChatApiFake) -> None:
    wechat_fake.add_session("code-good-1", openid="o-mp-parent", session_key="sk")
    res = client.post("/mp/v1/login", json={"code": "code-good-1"})
    assert res.status_code == 200
    data = res.get_json()
    assert data["openid"] == "o-mp-parent"
    assert data["token"] and data["expires_in"] == 7 * 24 * 3600
    assert "session_key" not in data  # WeChat's session key never leaves the server
    call = wechat_fake.calls_to("/sns/jscode2session")[-1]
    assert call.params["appid"] == SETTINGS["ANXIN_MP_APPID"]
    assert call.params["grant_type"] == "authorization_code"


def test_a_bad_code_is_401(client) -> None:
    res = client.post("/mp/v1/login", json={"code": "never-issued"})
    assert res.status_code == 401
    assert res.get_json()["error"]["code"] == "bad_code"


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [(40163, 401, "bad_code"), (45011, 429, "too_many_requests"), (-1, 502, "wechat_busy")],
)
def test_wechat_errors_become_clear_answers(client, wechat_fake: WeChatApiFake, errcode: int, status: int,
                                            code: str) -> None:
    wechat_fake.fail_next("/sns/jscode2session", errcode=errcode)
    res = client.post("/mp/v1/login", json={"code": "whatever"})
    assert res.status_code == status
    assert res.get_json()["error"]["code"] == code


def test_wechat_unreachable_is_502(app_settings: dict[str, Any]) -> None:
    from bot import create_app

    app = create_app({**app_settings, "ANXIN_WECHAT_API_BASE": "http://127.0.0.1:9"})
    res = app.test_client().post("/mp/v1/login", json={"code": "c"})
    assert res.status_code == 502
    assert res.get_json()["error"]["code"] == "wechat_unreachable"
    app.extensions["anxin_db"].engine.dispose()


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"code": 5}', b'{"code": ""}', b'{"code": null}'])
def test_login_body_must_carry_a_code(client, body: bytes) -> None:
    res = client.post("/mp/v1/login", data=body, content_type="application/json")
    assert res.status_code == 400
    assert res.get_json()["error"]["message"]


def test_tokens_are_checked(app: Flask, client) -> None:
    from miniprogram_api.auth import openid_for_token

    with app.app_context():
        from bot.core.errors import Unauthorized

        forged = URLSafeTimedSerializer("not-our-key", salt="anxin-mp-session").dumps({"openid": "o-x"})
        with pytest.raises(Unauthorized) as info:
            openid_for_token(forged)
        assert info.value.code == "bad_token"
