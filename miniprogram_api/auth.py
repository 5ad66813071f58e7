"""Mini-program login through WeChat ``jscode2session`` and our own signed session tokens.

Doc: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import requests
from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.api.schema import ApiResult, operation
from bot.core.errors import AnxinError, TooManyRequests, Unauthorized, UpstreamError
from bot.outbox.subscriptions import remember_identity
from bot.store.db import get_session
from bot.store.ratelimit import counter_for, hit
from miniprogram_api import bp
from miniprogram_api.models import LoginIn, LoginOut

log = logging.getLogger("anxin.mp")

TOKEN_TTL = dt.timedelta(days=7)
P = ParamSpec("P")
R = TypeVar("R")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["ANXIN_SECRET_KEY"], salt="anxin-mp-session")


def issue_token(openid: str) -> str:
    return _serializer().dumps({"openid": openid})


def openid_for_token(token: str) -> str:
    """The openid a session token was issued to; Unauthorized when bad or expired."""
    try:
        data = _serializer().loads(token, max_age=int(TOKEN_TTL.total_seconds()))
    except SignatureExpired:
        raise Unauthorized("登录已过期，请重新登录 (session expired)", code="token_expired") from None
    except BadSignature:
        raise Unauthorized("登录凭证无效，请重新登录 (invalid token)", code="bad_token") from None
    if not isinstance(data, dict) or not isinstance(data.get("openid"), str):
        raise Unauthorized("登录凭证无效，请重新登录 (invalid token)", code="bad_token")
    return str(data["openid"])


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Resolve ``Authorization: Bearer TOKEN`` to ``g.mp_openid`` or answer 401."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("请先登录 (Authorization: Bearer TOKEN)", code="no_token")
        g.mp_openid = openid_for_token(token.strip())
        _limit(f"mp:user:{g.mp_openid}", current_app.config["ANXIN_MP_LIMIT_USER"])
        return view(*args, **kwargs)

    return wrapper


def _limit(key: str, limit: int) -> None:
    """Count this call against ``key``; 429 once it is over ``limit`` in ANXIN_MP_WINDOW seconds."""
    session = get_session()
    allowed = hit(counter_for(current_app.config, session), key, limit, current_app.config["ANXIN_MP_WINDOW"])
    session.commit()  # the count stands whatever the call does next
    if not allowed:
        raise TooManyRequests("请求过于频繁，请稍后再试 (too many requests)", code="too_many_requests")


def current_openid() -> str:
    """The mini-program user of this request (inside a @login_required view)."""
    openid: str = g.mp_openid
    return openid


# WeChat's answers to jscode2session that are the caller's fault or WeChat's state.
_WECHAT_ERRORS: dict[int, tuple[type[AnxinError], str, str]] = {
    40029: (Unauthorized, "bad_code", "登录凭证 code 无效，请重新登录 (invalid code)"),
    40163: (Unauthorized, "bad_code", "登录凭证 code 已被使用，请重新登录 (code already used)"),
    40226: (Unauthorized, "blocked_user", "该微信用户暂时无法登录 (user blocked by WeChat)"),
    45011: (TooManyRequests, "too_many_requests", "登录过于频繁，请稍后再试 (rate limited by WeChat)"),
    -1: (UpstreamError, "wechat_busy", "微信系统繁忙，请稍后再试 (WeChat busy)"),
}


def code_to_session(js_code: str) -> dict[str, Any]:
    """Exchange a ``wx.login`` code for the user's openid through WeChat."""
    config = current_app.config
    try:
        res = requests.get(
            f"{config['ANXIN_WECHAT_API_BASE'].rstrip('/')}/sns/jscode2session",
            params={
                "appid": config["ANXIN_MP_APPID"],
                "secret": config["ANXIN_MP_SECRET"],
                "js_code": js_code,
                "grant_type": "authorization_code",
            },
            timeout=config["ANXIN_WECHAT_TIMEOUT"],
        )
        result: dict[str, Any] = res.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("mp.jscode2session_failed", extra={"fields": {"error": str(exc)[:200]}})
        raise UpstreamError("暂时无法连接微信，请稍后再试 (WeChat unreachable)", code="wechat_unreachable") from None
    errcode = int(result.get("errcode") or 0)
    if errcode:
        error_class, code, message = _WECHAT_ERRORS.get(
            errcode, (UpstreamError, "wechat_error", f"微信登录失败 ({errcode})")
        )
        raise error_class(message, code=code)
    if not result.get("openid"):
        raise UpstreamError("微信未返回用户标识 (no openid from WeChat)", code="wechat_error")
    return result


@bp.post("/login")
@operation(body=LoginIn, responses={200: LoginOut}, errors=(401, 429, 502), public=True)
def login(body: LoginIn) -> ApiResult:
    """登录：用 wx.login 的 code 换取会话令牌"""
    _limit(f"mp:login:{request.remote_addr or 'unknown'}", current_app.config["ANXIN_MP_LIMIT_LOGIN"])
    result = code_to_session(body.code)
    openid = result["openid"]
    # The unionid (when the mini-program is bound to an open-platform account) lets the outbox send
    # one message, not two, to someone who also follows the Official Account.
    session = get_session()
    remember_identity(session, openid, "mp", result.get("unionid") or None)
    session.commit()
    return LoginOut(token=issue_token(openid), openid=openid, expires_in=int(TOKEN_TTL.total_seconds()))
