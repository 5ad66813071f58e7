"""The mini-program as its users drive it: a user logged in through jscode2session, with our session token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask.testing import FlaskClient

if TYPE_CHECKING:
    from tests.fakes.wechat_api import WeChatApiFake


@dataclass
class MpUser:
    """A mini-program user: logged in through jscode2session, with our session token."""

    client: FlaskClient
    openid: str
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kw):
        return self.client.get(f"/mp/v1{path}", headers=self._headers(), **kw)

    def post(self, path: str, json=None, **kw):
        return self.client.post(f"/mp/v1{path}", json=json, headers=self._headers(), **kw)

    def put(self, path: str, json=None, **kw):
        return self.client.put(f"/mp/v1{path}", json=json, headers=self._headers(), **kw)

    def patch(self, path: str, json=None, **kw):
        return self.client.patch(f"/mp/v1{path}", json=json, headers=self._headers(), **kw)

    def delete(self, path: str, **kw):
        return self.client.delete(f"/mp/v1{path}", headers=self._headers(), **kw)


def logins(client: FlaskClient, wechat_fake: WeChatApiFake) -> Callable[[str], MpUser]:
    """``login(openid)``: that user logged in through jscode2session (the fake knows the code), as an MpUser."""
    def make(openid: str) -> MpUser:
        code = f"code-{openid}"
        wechat_fake.add_session(code, openid=openid, session_key="sk-" + openid)
        res = client.post("/mp/v1/login", json={"code": code})
        assert res.status_code == 200, res.get_json()
        return MpUser(client, openid, res.get_json()["token"])

    return make
