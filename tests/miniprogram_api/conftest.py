from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.store import background
from tests.diary_support import Family, open_family
from tests.fakes.wechat_api import WeChatApiFake


@pytest.fixture(autouse=True)
def _background_work_finishes(app: Flask) -> Iterator[None]:
    yield
    background.join_all()


@dataclass
class MpUser:
    """A mini-program user: logged in through jscode2session, with our session token."""

    client: FlaskClient
    openid: str
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(f"/mp/v1{path}", headers=self._headers(), **kw)

    def post(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.post(f"/mp/v1{path}", json=json, headers=self._headers(), **kw)

    def put(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.put(f"/mp/v1{path}", json=json, headers=self._headers(), **kw)

    def patch(self, path: str, json=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.patch(f"/mp/v1{path}", json=json, headers=self._headers(), **kw)

    def delete(self, path: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.delete(f"/mp/v1{path}", headers=self._headers(), **kw)


@pytest.fixture
def login(client: FlaskClient, wechat_fake: WeChatApiFake):  # type: ignore[no-untyped-def]
    def make(openid: str) -> MpUser:
        code = f"code-{openid}"
        wechat_fake.add_session(code, openid=openid, session_key="sk-" + openid)
        res = client.post("/mp/v1/login", json={"code": code})
        assert res.status_code == 200, res.get_json()
        return MpUser(client, openid, res.get_json()["token"])

    return make


@pytest.fixture
def family(app: Flask, client: FlaskClient) -> Family:
    return open_family(app, client)


@pytest.fixture
def nurse(login, family: Family) -> MpUser:  # type: ignore[no-untyped-def]
    user = login("o-mp-nurse")
    assert user.post("/bind", {"code": family.nurse_code}).status_code == 201
    return user


@pytest.fixture
def parent(login, family: Family) -> MpUser:  # type: ignore[no-untyped-def]
    user = login("o-mp-mom")
    assert user.post("/bind", {"code": family.family_code}).status_code == 201
    return user
