from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import Family, open_family
from tests.support.miniprogram import MpUser


@pytest.fixture(autouse=True)
def _background_work_finishes(app: Flask) -> Iterator[None]:
    yield
    background.join_all()


@pytest.fixture
def login(client: FlaskClient, wechat_fake: WeChatApiFake):
    def make(openid: str) -> MpUser:
        code = f"code-{openid}"
        wechat_fake.add_session(code, openid=openid, session_key="sk-" + openid)
        res = client.post("/mp/v1/login", json={"code": code})
        assert res.status_code == 200, res.get_json()
        return MpUser(client, openid, res.get_json()["token"])

    return make


@pytest.fixture
def family(app: Flask, client: FlaskClient) -> Family:
    """An engagement opened through the agency API, nobody bound yet: the mini-program's users bind here."""
    return open_family(app, client)


@pytest.fixture
def nurse(login: Callable[[str], MpUser], family: Family) -> MpUser:
    user = login("o-mp-nurse")
    assert user.post("/bind", {"code": family.nurse_code}).status_code == 201
    return user


@pytest.fixture
def parent(login: Callable[[str], MpUser], family: Family) -> MpUser:
    user = login("o-mp-mom")
    assert user.post("/bind", {"code": family.family_code}).status_code == 201
    return user
