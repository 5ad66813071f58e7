"""A loopback fake of the WeChat API (api.weixin.qq.com), served over real HTTP.

It behaves like WeChat where the server depends on it: access tokens that
expire and are invalidated by the next refresh, errcode answers for a bad token,
scripted failures (errcodes, HTTP errors, slow answers) to test retries, and a
record of every call so tests can assert what a user would have received.

Run it by hand for development: ``python -m tests.fakes.wechat_api --port 8001``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# A 1x1 PNG, the body of media downloads unless a test supplies another.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5dd2b3a0000000049454e44ae426082"
)


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    at: float


@dataclass
class Failure:
    path: str
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0


@dataclass
class FakeState:
    credentials: dict[str, str] = field(default_factory=dict)  # appid -> secret
    valid_tokens: dict[str, str] = field(default_factory=dict)  # token -> appid
    calls: list[Call] = field(default_factory=list)
    failures: deque[Failure] = field(default_factory=deque)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # js_code -> answer
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media_id -> body, type
    # Users who have not written for 48 hours: customer-service sends to them fail with 45015.
    outside_window: set[str] = field(default_factory=set)
    token_ttl: int = 7200
    token_delay: float = 0.0


class WeChatApiFake:
    """The fake server; ``url`` is its origin, for ``ANXIN_WECHAT_API_BASE``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = FakeState()
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._tickets = itertools.count(1)
        self._server = make_server(host, port, self._wsgi, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------
    def start(self) -> WeChatApiFake:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def reset(self) -> None:
        with self._lock:
            credentials = self.state.credentials
            self.state = FakeState(credentials=credentials)

    # -- scripting --------------------------------------------------------------
    def register_app(self, appid: str, secret: str) -> None:
        self.state.credentials[appid] = secret

    def fail_next(self, path: str, *, errcode: int | None = None, status: int | None = None,
                  delay: float = 0.0, times: int = 1) -> None:
        """Make the next ``times`` calls to ``path`` fail with an errcode, an HTTP status or a delay."""
        for _ in range(times):
            self.state.failures.append(Failure(path, errcode, status, delay))

    def expire_tokens(self) -> None:
        """Invalidate every token, as WeChat does when the token is refreshed elsewhere."""
        with self._lock:
            self.state.valid_tokens.clear()

    def add_session(self, js_code: str, **answer: Any) -> None:
        self.state.sessions[js_code] = answer

    def add_media(self, media_id: str, body: bytes = PNG_1X1, content_type: str = "image/png") -> None:
        self.state.media[media_id] = (body, content_type)

    # -- what happened ----------------------------------------------------------
    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.state.calls if c.path == path]

    @property
    def token_fetches(self) -> int:
        return len(self.calls_to("/cgi-bin/token"))

    def templates_to(self, openid: str) -> list[dict[str, Any]]:
        """Template messages WeChat accepted for ``openid``."""
        return [
            c.body for c in self.calls_to("/cgi-bin/message/template/send")
            if isinstance(c.body, dict) and c.body.get("touser") == openid and c.body.get("_accepted")
        ]

    def messages_to(self, openid: str) -> list[dict[str, Any]]:
        """Customer-service messages WeChat accepted for ``openid``."""
        return [
            c.body for c in self.calls_to("/cgi-bin/message/custom/send")
            if isinstance(c.body, dict) and c.body.get("touser") == openid and c.body.get("_accepted")
        ]

    # -- the WSGI app -------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self._handle(request)(environ, start_response)

    def _handle(self, request: Request) -> Response:
        body: Any = None
        raw = request.get_data()
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        call = Call(request.method, request.path, dict(request.args), body, time.time())
        with self._lock:
            self.state.calls.append(call)
            failure = self._take_failure(request.path)
        if failure:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.status:
                return Response("upstream error", status=failure.status)
            if failure.errcode is not None:
                return _json({"errcode": failure.errcode, "errmsg": f"fake error {failure.errcode}"})
        route = {
            "/cgi-bin/token": self._token,
            "/sns/jscode2session": self._jscode2session,
        }.get(request.path)
        if route:
            return route(request)
        appid = self.state.valid_tokens.get(request.args.get("access_token", ""))
        if appid is None:
            return _json({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
        if request.path == "/cgi-bin/message/custom/send":
            if isinstance(body, dict) and body.get("touser") in self.state.outside_window:
                return _json({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
            if isinstance(body, dict):
                body["_accepted"] = True
            return _json({"errcode": 0, "errmsg": "ok"})
        if request.path in ("/cgi-bin/message/template/send", "/cgi-bin/message/subscribe/bizsend"):
            if isinstance(body, dict):
                body["_accepted"] = True
            return _json({"errcode": 0, "errmsg": "ok", "msgid": next(self._tickets)})
        if request.path == "/cgi-bin/qrcode/create":
            ticket = f"gQFAKE{next(self._tickets):06d}"
            return _json({"ticket": ticket, "expire_seconds": (body or {}).get("expire_seconds"),
                          "url": f"http://weixin.qq.com/q/{ticket}"})
        if request.path == "/cgi-bin/media/get":
            media = self.state.media.get(request.args.get("media_id", ""))
            if media is None:
                return _json({"errcode": 40007, "errmsg": "invalid media_id"})
            return Response(media[0], content_type=media[1])
        return _json({"errcode": 48001, "errmsg": "api unauthorized (not in the fake)"})

    def _take_failure(self, path: str) -> Failure | None:
        for failure in self.state.failures:
            if failure.path == path:
                self.state.failures.remove(failure)
                return failure
        return None

    def _token(self, request: Request) -> Response:
        appid = request.args.get("appid", "")
        if request.args.get("grant_type") != "client_credential":
            return _json({"errcode": 40002, "errmsg": "invalid grant_type"})
        if self.state.credentials.get(appid) != request.args.get("secret"):
            return _json({"errcode": 40125, "errmsg": "invalid appsecret"})
        if self.state.token_delay:
            time.sleep(self.state.token_delay)
        with self._lock:
            # A new token invalidates the app's previous one, as WeChat does.
            for token, owner in list(self.state.valid_tokens.items()):
                if owner == appid:
                    del self.state.valid_tokens[token]
            token = f"TOKEN-{appid}-{next(self._tokens)}"
            self.state.valid_tokens[token] = appid
        return _json({"access_token": token, "expires_in": self.state.token_ttl})

    def _jscode2session(self, request: Request) -> Response:
        appid = request.args.get("appid", "")
        if self.state.credentials.get(appid) != request.args.get("secret"):
            return _json({"errcode": 40125, "errmsg": "invalid appsecret"})
        answer = self.state.sessions.pop(request.args.get("js_code", ""), None)
        if answer is None:
            return _json({"errcode": 40029, "errmsg": "invalid code"})
        return _json(answer)


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--appid", action="append", default=[], help="APPID:SECRET, may repeat")
    args = parser.parse_args()
    fake = WeChatApiFake(port=args.port)
    for pair in args.appid:
        appid, _, secret = pair.partition(":")
        fake.register_app(appid, secret)
    print(f"WeChat API fake on {fake.url}")
    fake._server.serve_forever()


if __name__ == "__main__":
    main()
