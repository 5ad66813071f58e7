"""The WeChat API client: wechatpy's, pointed at ``ANXIN_WECHAT_API_BASE``, with a shared token.

wechatpy hard-codes ``https://api.weixin.qq.com`` for the access-token fetch and
keeps the token per process. Here every call, the token fetch included, goes to
the configured origin with a timeout, and the token lives in the database: a
refresh happens under a row lock, so several processes never refresh over each
other (WeChat invalidates the previous token on each refresh).

Access token doc: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import requests
from flask import Flask, current_app
from sqlalchemy.orm import Session, sessionmaker
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.core.clock import utcnow
from bot.models import AccessToken
from bot.store.db import get_db
from bot.store.locks import locked_row
from bot.store.retry import retried

log = logging.getLogger("anxin.wechat.api")

# Refresh this long before WeChat's stated expiry, so a token is never used at its edge.
REFRESH_MARGIN = dt.timedelta(minutes=5)

Fetch = Callable[[], tuple[str, int]]


class TokenStore:
    """Access tokens kept in the ``access_token`` table, refreshed under a row lock."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @retried("wechat.token")
    def token(self, appid: str, fetch: Fetch, stale: str | None = None) -> tuple[str, dt.datetime]:
        """Return a valid token and its expiry, fetching one if none is valid.

        ``stale`` is a token WeChat just refused: it is replaced even if not yet expired. On a Galera cluster the
        row lock holds on one node only: two nodes' processes may both fetch, one commits, the other's commit
        fails (1213) and its second run reads the token the first stored. WeChat keeps the token it replaced
        valid for five minutes, so both work meanwhile.
        """
        with self._sessions() as session, session.begin():
            row = locked_row(session, AccessToken, appid)
            now = utcnow()
            if (
                row.token
                and row.token != stale
                and row.expires_at is not None
                and row.expires_at - REFRESH_MARGIN > now
            ):
                return row.token, row.expires_at
            # Fetch while holding the lock: other processes wait here and then reuse it.
            token, expires_in = fetch()
            row.token = token
            row.expires_at = now + dt.timedelta(seconds=expires_in)
            row.refreshed_at = now
            log.info("wechat.token_refreshed", extra={"fields": {"appid": appid, "expires_in": expires_in}})
            return token, row.expires_at


class WeChatApi(WeChatClient):
    """wechatpy's WeChatClient with a configurable origin, timeouts and a shared token."""

    def __init__(self, appid: str, secret: str, api_base: str, timeout: float, store: TokenStore) -> None:
        super().__init__(appid, secret, timeout=timeout)
        self.api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self._store = store
        self._lock = threading.Lock()
        self._cached: tuple[str, float] | None = None  # token, expiry (epoch seconds)
        # The mini-program's own client (its own token): subscription messages to its users go through it.
        self.mini_program: WeChatApi | None = None

    @property
    def access_token(self) -> str:
        """A valid access token, from this process's copy or the shared store."""
        with self._lock:
            if self._cached and self._cached[1] - REFRESH_MARGIN.total_seconds() > time.time():
                return self._cached[0]
            return self._load(stale=None)

    def fetch_access_token(self) -> dict[str, object]:
        """Replace a token WeChat refused (wechatpy calls this on 40001/42001)."""
        with self._lock:
            stale = self._cached[0] if self._cached else None
            token = self._load(stale=stale)
        return {"access_token": token}

    def _load(self, stale: str | None) -> str:
        token, expires_at = self._store.token(self.appid, self._fetch_token, stale=stale)
        self._cached = (token, expires_at.timestamp())
        self.session.set(self.access_token_key, token)
        return token

    def _fetch_token(self) -> tuple[str, int]:
        url = f"{self.api_base}/cgi-bin/token"
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        try:
            res = self._http.get(url, params=params, timeout=self.timeout)
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatClientException(None, f"access token fetch failed: {exc}", client=self) from exc
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg", ""), client=self)
        return result["access_token"], int(result.get("expires_in", 7200))


def make_api(app: Flask, appid: str, secret: str) -> WeChatApi:
    db = get_db(app)
    assert db.session_factory is not None
    return WeChatApi(
        appid=appid,
        secret=secret,
        api_base=app.config["ANXIN_WECHAT_API_BASE"],
        timeout=app.config["ANXIN_WECHAT_TIMEOUT"],
        store=TokenStore(db.session_factory),
    )


def init_app(app: Flask) -> None:
    api = make_api(app, app.config["ANXIN_WECHAT_APPID"], app.config["ANXIN_WECHAT_SECRET"])
    api.mini_program = make_api(app, app.config["ANXIN_MP_APPID"], app.config["ANXIN_MP_SECRET"])
    app.extensions["anxin_wechat"] = api


def get_api(app: Flask | None = None) -> WeChatApi:
    """The Official Account's API client of this app."""
    api: WeChatApi = (app or current_app).extensions["anxin_wechat"]
    return api
