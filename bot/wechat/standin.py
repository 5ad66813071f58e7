"""A local stand-in for the WeChat API, strict where the server depends on WeChat's answers.

One implementation serves three uses: ``make run`` mounts it in the app under
``/_dev/wechat`` (development only), ``flask --app bot fake-wechat`` serves it on
its own port, and the test suite's loopback fake (``tests/fakes/wechat_api.py``)
extends it with scripted failures. It answers as WeChat does:

- ``/cgi-bin/token``: a token per app; a new one invalidates the app's previous one.
  A wrong secret is 40125, another grant type 40002.
- ``/cgi-bin/stable_token`` (POST JSON): the app's stable token, the same one while it is valid;
  ``force_refresh`` replaces it (and invalidates the previous one). Stable tokens and those of
  ``/cgi-bin/token`` do not affect each other, as WeChat keeps them apart.
  Doc: https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html
- any other call without a valid token: 40001 (invalid credential).
- ``/sns/jscode2session``: 40029 for a code it does not know, 40163 for a code used
  before. With ``any_code`` (development) every fresh code logs in: the openid is the
  code up to its first ``:`` (``demo-parent:2`` is ``demo-parent``).
- ``/cgi-bin/message/custom/send``: 43004 to someone who unfollowed, 45015 outside
  the 48-hour window (48 hours after the user last wrote, by the stand-in's clock, or when
  told with ``close_window``), 45047 past ``custom_limit`` messages since the user last wrote
  (5 since June 2023: a user's message allows 5 customer-service messages within 48 hours;
  https://docs.chatalog.ai/zh-cn/platform-setup/wechat/ke-fu-xiao-xi quotes WeChat's table),
  45002 for text over 2,048 bytes, 44002 for an empty message.
- template and subscribe messages: 40003 without ``touser``, 40037 without a template
  id, 43004 / 43101 to someone who unfollowed / refused. Fields are checked as WeChat
  shows them since 2023-05 (47003 "argument invalid"): a field over 20 characters, with a
  line break or an emoji (shown as "□"); in subscription messages also by type
  (``phrase`` at most 5 Chinese characters, ``time`` like "2019年10月1日 15:01", ``date``
  like "2019年10月1日", ``character_string`` at most 32 letters/digits/symbols,
  ``number`` at most 32 digits) and an empty value. ``first`` and ``remark`` are refused:
  WeChat no longer shows them, so a message that relies on them says nothing.
  Mini-program ``subscribe/send`` needs a grant (``grant(openid, template_id)``) per
  message: without one, 43101, as WeChat does for a one-time subscription used up.
- ``/cgi-bin/user/info``: the follower's ``unionid`` when one was set with ``set_unionid``.
- ``/cgi-bin/media/get``: the media uploaded (images; voices as AMR ``audio/amr`` or Speex ``audio/speex``),
  40007 for a media id it does not know. A voice is "uploaded" with what it says (``add_voice``, or in
  development ``POST /_voice`` ``{"text": …}`` from ``flask --app bot chat --voice``): the development
  speech-recognition stand-in (``bot.cloud.asr_standin``) hears that text in it (``transcript_of``).
Sources: https://kejiweixun.com/note/202303241915 (the 2023 template rules);
developers.weixin.qq.com community threads on subscribeMessage 47003.

Doc: https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
"""

from __future__ import annotations

import io
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.cloud.asr_standin import audio_key, silent_amr
from config import STANDIN_PREFIX

# A 1x1 PNG, the body of media downloads unless another is supplied.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5dd2b3a0000000049454e44ae426082"
)
TEXT_LIMIT_BYTES = 2048
CUSTOM_LIMIT = 5  # customer-service messages per user message (WeChat's rule since 2023-06)
WINDOW_SECONDS = 48 * 3600  # a user's message opens the customer-service window this long

SEND_PATHS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send",
              "/cgi-bin/message/subscribe/send", "/cgi-bin/message/subscribe/bizsend")


@dataclass
class Call:
    """One request the stand-in answered; ``body["_accepted"]`` marks a message WeChat took."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    at: float


@dataclass
class StandInState:
    credentials: dict[str, str] = field(default_factory=dict)  # appid -> secret
    valid_tokens: dict[str, str] = field(default_factory=dict)  # token -> appid
    calls: list[Call] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # js_code -> answer
    used_codes: set[str] = field(default_factory=set)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # media_id -> body, type
    # Users who have not written for 48 hours: customer-service sends to them fail with 45015.
    outside_window: set[str] = field(default_factory=set)
    unsubscribed: set[str] = field(default_factory=set)
    refused_subscribe: set[str] = field(default_factory=set)
    custom_sent: dict[str, int] = field(default_factory=dict)  # openid -> sends since the user last wrote
    wrote_at: dict[str, float] = field(default_factory=dict)  # openid -> when the user last wrote (stand-in clock)
    stable_tokens: dict[str, str] = field(default_factory=dict)  # appid -> its current stable token
    grants: dict[tuple[str, str], int] = field(default_factory=dict)  # (openid, template id) -> one-time grants
    unionids: dict[str, str] = field(default_factory=dict)  # openid -> unionid
    voice_texts: dict[str, str] = field(default_factory=dict)  # sha256 of a voice's audio -> what it says
    token_ttl: int = 7200
    token_delay: float = 0.0


def _json(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8")


def _error(errcode: int, errmsg: str) -> Response:
    return _json({"errcode": errcode, "errmsg": errmsg})


class WeChatStandIn:
    """The stand-in as a WSGI app; ``state`` holds what it knows and every call it answered."""

    def __init__(self, *, any_code: bool = False, custom_limit: int = CUSTOM_LIMIT) -> None:
        self.state = StandInState()
        self.any_code = any_code
        # The test fake insists on grants for mini-program subscription messages; the development
        # stand-in has no mini-program to ask the user, so it takes them as granted.
        self.strict_grants = not any_code
        self.custom_limit = custom_limit
        self._lock = threading.RLock()
        # The stand-in's clock (epoch seconds): tests move it on to close a window.
        self.clock: Callable[[], float] = time.time
        self._tokens = itertools.count(1)
        self._tickets = itertools.count(1)

    # -- arranging --------------------------------------------------------------
    def register_app(self, appid: str, secret: str) -> None:
        self.state.credentials[appid] = secret

    def reset(self) -> None:
        """Forget everything but the registered apps."""
        with self._lock:
            self.state = StandInState(credentials=self.state.credentials)

    def expire_tokens(self) -> None:
        """Invalidate every token, as WeChat does when the token is refreshed elsewhere."""
        with self._lock:
            self.state.valid_tokens.clear()

    def add_session(self, js_code: str, **answer: Any) -> None:
        """WeChat will answer ``js_code`` once with ``answer`` (scripting it again makes it fresh)."""
        with self._lock:
            self.state.used_codes.discard(js_code)
            self.state.sessions[js_code] = answer

    def add_media(self, media_id: str, body: bytes = PNG_1X1, content_type: str = "image/png") -> None:
        self.state.media[media_id] = (body, content_type)

    def add_voice(self, media_id: str, text: str = "", voice_format: str = "amr", audio: bytes | None = None) -> bytes:
        """Upload a voice saying ``text``: by default silent AMR, a quarter second a character (at least one)."""
        if audio is None:
            audio = silent_amr(max(1.0, len(text) / 4))
        with self._lock:
            self.state.media[media_id] = (audio, f"audio/{voice_format}")
            if text:
                self.state.voice_texts[audio_key(audio)] = text
        return audio

    def transcript_of(self, audio: bytes) -> str | None:
        """What a voice uploaded here says (the development speech-recognition stand-in asks)."""
        return self.state.voice_texts.get(audio_key(audio))

    def grant(self, openid: str, template_id: str, times: int = 1) -> None:
        """The mini-program user accepted ``template_id`` ``times`` times (``wx.requestSubscribeMessage``)."""
        with self._lock:
            key = (openid, template_id)
            self.state.grants[key] = self.state.grants.get(key, 0) + times

    def set_unionid(self, openid: str, unionid: str) -> None:
        with self._lock:
            self.state.unionids[openid] = unionid

    def user_wrote(self, openid: str, at: float | None = None) -> None:
        """The user wrote to the Official Account: the 48-hour window opens and the message count restarts."""
        with self._lock:
            self.state.outside_window.discard(openid)
            self.state.custom_sent.pop(openid, None)
            self.state.wrote_at[openid] = self.clock() if at is None else at

    def close_window(self, openid: str) -> None:
        """WeChat considers ``openid``'s window closed (whatever our records say): 45015 until the user writes."""
        with self._lock:
            self.state.outside_window.add(openid)

    def window_open(self, openid: str) -> bool:
        """Whether a customer-service message to ``openid`` is inside the 48-hour window.

        A user the stand-in never heard write counts as inside (the tests' fake does not see the pushes);
        one it saw write more than 48 hours ago does not.
        """
        if openid in self.state.outside_window:
            return False
        wrote = self.state.wrote_at.get(openid)
        return wrote is None or self.clock() - wrote < WINDOW_SECONDS

    # -- what happened ----------------------------------------------------------
    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.state.calls if c.path == path]

    @property
    def token_fetches(self) -> int:
        return len(self.calls_to("/cgi-bin/token"))

    def _accepted(self, path: str, openid: str | None = None) -> list[dict[str, Any]]:
        return [c.body for c in self.calls_to(path) if isinstance(c.body, dict) and c.body.get("_accepted")
                and (openid is None or c.body.get("touser") == openid)]

    def messages_to(self, openid: str) -> list[dict[str, Any]]:
        """Customer-service messages WeChat accepted for ``openid``."""
        return self._accepted("/cgi-bin/message/custom/send", openid)

    def templates_to(self, openid: str) -> list[dict[str, Any]]:
        """Template messages WeChat accepted for ``openid``."""
        return self._accepted("/cgi-bin/message/template/send", openid)

    def subscriptions_to(self, openid: str) -> list[dict[str, Any]]:
        """Mini-program subscription messages WeChat accepted for ``openid``."""
        return self._accepted("/cgi-bin/message/subscribe/send", openid)

    def bizsends_to(self, openid: str) -> list[dict[str, Any]]:
        """Official Account subscription notifications WeChat accepted for ``openid``."""
        return self._accepted("/cgi-bin/message/subscribe/bizsend", openid)

    def delivered(self) -> list[dict[str, Any]]:
        """Every message accepted, in order: ``{"to", "channel", "text", "at"}``."""
        out = []
        for call in self.state.calls:
            if call.path in SEND_PATHS and isinstance(call.body, dict) and call.body.get("_accepted"):
                out.append({"to": call.body.get("touser"), "channel": call.path.rsplit("/", 2)[-2],
                            "text": message_text(call.body), "at": call.at})
        return out

    # -- the WSGI app -------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
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
        return self.answer(request, body)

    def answer(self, request: Request, body: Any) -> Response:
        """WeChat's answer to one call (subclasses script failures before it)."""
        if request.path == "/cgi-bin/token":
            return self._token(request)
        if request.path == "/cgi-bin/stable_token":
            return self._stable_token(request, body)
        if request.path == "/sns/jscode2session":
            return self._jscode2session(request)
        if request.path == "/_sent":  # the stand-in's own page: what it delivered
            return _json({"delivered": self.delivered()})
        if request.path == "/_voice" and request.method == "POST":  # its own upload: a voice saying a text
            return self._upload_voice(body)
        if self.state.valid_tokens.get(request.args.get("access_token", "")) is None:
            return _error(40001, "invalid credential, access_token is invalid or not latest")
        if request.path in SEND_PATHS:
            if not isinstance(body, dict):
                return _error(47001, "data format error")
            refused = self._refuse_send(request.path, body)
            if refused is not None:
                return refused
            body["_accepted"] = True
            if request.path == "/cgi-bin/message/custom/send":
                return _error(0, "ok")
            return _json({"errcode": 0, "errmsg": "ok", "msgid": next(self._tickets)})
        if request.path == "/cgi-bin/user/info":
            openid = request.args.get("openid", "")
            if not openid:
                return _error(40003, "invalid openid")
            info: dict[str, Any] = {"subscribe": int(openid not in self.state.unsubscribed), "openid": openid}
            if openid in self.state.unionids:
                info["unionid"] = self.state.unionids[openid]
            return _json(info)
        if request.path == "/cgi-bin/qrcode/create":
            ticket = f"gQFAKE{next(self._tickets):06d}"
            return _json({"ticket": ticket, "expire_seconds": (body or {}).get("expire_seconds"),
                          "url": f"http://weixin.qq.com/q/{ticket}"})
        if request.path == "/cgi-bin/media/get":
            media = self.state.media.get(request.args.get("media_id", ""))
            if media is None:
                return _error(40007, "invalid media_id")
            return Response(media[0], content_type=media[1])
        return _error(48001, "api unauthorized (not in the stand-in)")

    def _refuse_send(self, path: str, body: dict[str, Any]) -> Response | None:
        openid = body.get("touser")
        if not openid:
            return _error(40003, "invalid openid")
        if openid in self.state.unsubscribed and path != "/cgi-bin/message/subscribe/send":
            return _error(43004, "require subscribe")
        if path == "/cgi-bin/message/custom/send":
            if not self.window_open(openid):
                return _error(45015, "response out of time limit or subscription is canceled")
            if body.get("msgtype") == "text":
                content = str((body.get("text") or {}).get("content") or "")
                if not content:
                    return _error(44002, "empty post data")
                if len(content.encode("utf-8")) > TEXT_LIMIT_BYTES:
                    return _error(45002, "content size out of limit")
            with self._lock:
                sent = self.state.custom_sent.get(openid, 0)
                if sent >= self.custom_limit:
                    return _error(45047, "out of response count limit")
                self.state.custom_sent[openid] = sent + 1
            return None
        if not body.get("template_id"):
            return _error(40037, "invalid template_id")
        data = body.get("data")
        if not isinstance(data, dict) or not data:
            return _error(47003, "argument invalid! data is empty")
        for key, value in data.items():
            problem = field_problem(path, str(key), value)
            if problem is not None:
                return _error(47003, f"argument invalid! data.{key}.value {problem}")
        if path == "/cgi-bin/message/subscribe/send":
            if openid in self.state.refused_subscribe:
                return _error(43101, "user refuse to accept the msg")
            with self._lock:
                grant = (openid, str(body["template_id"]))
                if self.strict_grants and self.state.grants.get(grant, 0) < 1:
                    return _error(43101, "user refuse to accept the msg")
                if grant in self.state.grants:
                    self.state.grants[grant] -= 1
        return None

    def _upload_voice(self, body: Any) -> Response:
        text = str(body.get("text") or "") if isinstance(body, dict) else ""
        voice_format = str(body.get("format") or "amr") if isinstance(body, dict) else "amr"
        if not text or voice_format not in ("amr", "speex"):
            return _error(40004, "invalid media type: give a text and the format amr or speex")
        media_id = f"VOICE-{next(self._tickets):06d}"
        self.add_voice(media_id, text, voice_format)
        return _json({"errcode": 0, "media_id": media_id})

    def _token(self, request: Request) -> Response:
        appid = request.args.get("appid", "")
        if request.args.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if appid not in self.state.credentials:
            return _error(40013, "invalid appid")
        if self.state.credentials[appid] != request.args.get("secret"):
            return _error(40125, "invalid appsecret")
        if self.state.token_delay:
            time.sleep(self.state.token_delay)
        with self._lock:
            # A new token invalidates the app's previous one, as WeChat does.
            stable = set(self.state.stable_tokens.values())
            for token, owner in list(self.state.valid_tokens.items()):
                if owner == appid and token not in stable:
                    del self.state.valid_tokens[token]
            token = f"TOKEN-{appid}-{next(self._tokens)}"
            self.state.valid_tokens[token] = appid
        return _json({"access_token": token, "expires_in": self.state.token_ttl})

    def _stable_token(self, request: Request, body: Any) -> Response:
        if request.method != "POST" or not isinstance(body, dict):
            return _error(47001, "data format error (POST JSON)")
        appid = str(body.get("appid") or "")
        if body.get("grant_type") != "client_credential":
            return _error(40002, "invalid grant_type")
        if appid not in self.state.credentials:
            return _error(40013, "invalid appid")
        if self.state.credentials[appid] != body.get("secret"):
            return _error(40125, "invalid appsecret")
        with self._lock:
            current = self.state.stable_tokens.get(appid)
            if current is not None and self.state.valid_tokens.get(current) == appid and not body.get("force_refresh"):
                return _json({"access_token": current, "expires_in": self.state.token_ttl})
            if current is not None:
                self.state.valid_tokens.pop(current, None)
            token = f"STABLE-{appid}-{next(self._tokens)}"
            self.state.stable_tokens[appid] = token
            self.state.valid_tokens[token] = appid
        return _json({"access_token": token, "expires_in": self.state.token_ttl})

    def _jscode2session(self, request: Request) -> Response:
        appid = request.args.get("appid", "")
        if appid not in self.state.credentials:
            return _error(40013, "invalid appid")
        if self.state.credentials[appid] != request.args.get("secret"):
            return _error(40125, "invalid appsecret")
        code = request.args.get("js_code", "")
        with self._lock:
            if code in self.state.used_codes:
                return _error(40163, "code been used")
            answer = self.state.sessions.pop(code, None)
            if answer is None and self.any_code and _plausible_code(code):
                openid = code.split(":", 1)[0]
                answer = {"openid": openid, "session_key": f"standin-{openid}"}
            if answer is None:
                return _error(40029, "invalid code")
            self.state.used_codes.add(code)
        return _json(answer)


FIELD_MAX_CHARS = 20
PHRASE_MAX_CHARS = 5
_TIME = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日 )?\d{1,2}:\d{2}$|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$|^\d{4}-\d{2}-\d{2}$")
_CHARACTER_STRING = re.compile(r"^[0-9A-Za-z!-/:-@\[-`{-~]{1,32}$")
_PHRASE = re.compile(r"^[\u4e00-\u9fff]{1,5}$")


def _has_emoji(text: str) -> bool:
    from bot.outbox.cards import is_emoji

    return any(is_emoji(ch) for ch in text)


def field_problem(path: str, key: str, value: Any) -> str | None:
    """Why WeChat refuses one field of a template or subscription message (47003), or None."""
    if key in ("first", "remark"):
        return "is not shown by WeChat since 2023-05-04 (first/remark)"
    if not isinstance(value, dict) or not isinstance(value.get("value"), str):
        return "is missing"
    text = value["value"]
    if not text:
        return "is empty"
    if "\n" in text or "\r" in text:
        return "contains a line break"
    if _has_emoji(text):
        return "contains emoji (shown as □)"
    kind = key.rstrip("0123456789")
    if path != "/cgi-bin/message/template/send" or kind in ("thing", "phrase", "time", "date"):
        if kind == "phrase" and not _PHRASE.match(text):
            return f"phrase must be at most {PHRASE_MAX_CHARS} Chinese characters"
        if kind == "time" and not _TIME.match(text):
            return "time must be like 2019年10月1日 15:01"
        if kind == "date" and not _DATE.match(text):
            return "date must be like 2019年10月1日"
        if kind == "character_string" and not _CHARACTER_STRING.match(text):
            return "character_string must be at most 32 letters, digits or symbols"
        if kind == "number" and not (text.isdigit() and len(text) <= 32):
            return "number must be at most 32 digits"
    if len(text) > FIELD_MAX_CHARS:
        return f"exceeds {FIELD_MAX_CHARS} characters ({len(text)})"
    return None


def _plausible_code(code: str) -> bool:
    name = code.split(":", 1)[0]
    return 0 < len(code) <= 128 and 0 < len(name) <= 64 and all(ch.isalnum() or ch in "-_" for ch in name)


def message_text(body: dict[str, Any]) -> str:
    """What a message shows its reader, as plain text."""
    if body.get("msgtype") == "text":
        return str((body.get("text") or {}).get("content", ""))
    if "data" in body:
        values = [str(v.get("value", "")) for v in (body.get("data") or {}).values() if isinstance(v, dict)]
        return "\n".join(v for v in values if v)
    return json.dumps({k: v for k, v in body.items() if k not in ("touser", "_accepted")}, ensure_ascii=False)


# -- wiring: development only ------------------------------------------------------

def init_app(app: Flask) -> None:
    """In development, serve the stand-in under ``/_dev/wechat``; add ``flask --app bot fake-wechat``."""
    app.cli.add_command(fake_wechat_command)
    if app.config["ANXIN_ENV"] != "development":
        return
    standin = WeChatStandIn(any_code=True)
    register_apps(standin, app.config)
    app.extensions["anxin_standin"] = standin

    # The stand-in learns who wrote only when it is the WeChat this app talks to: with another
    # (``flask --app bot fake-wechat``, the tests' and benchmarks' loopback fake) the pushes pass untouched.
    wrapped = app.wsgi_app
    if standin_in_use(app):
        wrapped = UserWrote(wrapped, standin)
    app.wsgi_app = DispatcherMiddleware(wrapped, {STANDIN_PREFIX: standin})  # type: ignore[method-assign]  # Flask's documented way to wrap


def standin_in_use(app: Flask) -> bool:
    """True when the app mounts the stand-in and its WeChat API calls go to it (``ANXIN_WECHAT_API_BASE``)."""
    return ("anxin_standin" in app.extensions
            and urlsplit(app.config["ANXIN_WECHAT_API_BASE"]).path.rstrip("/").endswith(STANDIN_PREFIX))


class UserWrote:
    """WSGI wrapper: a push WeChat delivered to ``/wechat`` tells the stand-in that its user wrote.

    WeChat itself knows when a user wrote (the 48-hour window, the message count); the stand-in
    learns it here, reading the body without taking it from the app.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], standin: WeChatStandIn) -> None:
        self.app = app
        self.standin = standin

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/wechat" or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if 0 < length <= 65536 else b""
        if body:
            environ["wsgi.input"] = io.BytesIO(body)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        sender = (query.get("openid") or [None])[0] or _from_user(body)

        def started(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            if sender and status.startswith("200"):
                self.standin.user_wrote(sender)
            return start_response(status, headers, *args)

        return self.app(environ, started if body else start_response)


_FROM_USER = re.compile(rb"<FromUserName><!\[CDATA\[([^\]<]{1,64})\]\]></FromUserName>")


def _from_user(body: bytes) -> str | None:
    """The sender of a plaintext push (a safe-mode push carries ``openid`` in its query instead)."""
    match = _FROM_USER.search(body[:65536])
    return match.group(1).decode("utf-8", "replace") if match else None


def register_apps(standin: WeChatStandIn, settings: Mapping[str, Any]) -> None:
    standin.register_app(settings["ANXIN_WECHAT_APPID"], settings["ANXIN_WECHAT_SECRET"])
    standin.register_app(settings["ANXIN_MP_APPID"], settings["ANXIN_MP_SECRET"])


@click.command("fake-wechat")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@with_appcontext
def fake_wechat_command(host: str, port: int) -> None:
    """Serve the local stand-in for the WeChat API (development only)."""
    settings = current_app.config
    if settings["ANXIN_ENV"] != "development":
        raise click.ClickException("the WeChat stand-in is for development only (ANXIN_ENV is production)")
    standin = WeChatStandIn(any_code=True)
    register_apps(standin, settings)
    server = make_server(host, port, standin, threaded=True)
    click.echo(f"微信接口替身 WeChat API stand-in on http://{host}:{server.server_port}")
    click.echo(f"  point the app at it: ANXIN_WECHAT_API_BASE=http://{host}:{server.server_port}")
    click.echo("  mini-program login: any code, e.g. {\"code\": \"demo-parent:1\"} is openid demo-parent")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
