"""The mini-program as its users drive it: a user logged in through jscode2session, with our session token."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient


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
