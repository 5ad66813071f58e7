"""``/wechat``: the Official Account's server URL.

Checks signatures, decrypts, parses, hands a ChatMessage to the inbox and renders
the reply. Nothing is written unless the request is a genuine WeChat message.
"""

from __future__ import annotations

import logging
import secrets
import time

from flask import Blueprint, Response, current_app, request
from flask.globals import app_ctx
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import RequestEntityTooLarge

from bot.chat import inbox
from bot.edge.errors import error_response
from bot.store.db import get_db
from bot.wechat import voice
from bot.wechat.protocol import (
    ProtocolError,
    SafeMode,
    SignatureError,
    StaleError,
    check_fresh,
    check_signature,
    parse_xml,
    render_reply,
    to_message,
)
from bot.wechat.replay import push_key
from bot.wechat.services import AppServices

bp = Blueprint("wechat", __name__)
log = logging.getLogger("anxin.wechat")

XML = "application/xml; charset=utf-8"


def _sessions() -> sessionmaker[Session]:
    factory = get_db().session_factory
    assert factory is not None, "Database.init_app was not called"
    return factory


def _refuse(status: int, code: str, message: str, reason: str) -> Response:
    log.warning("wechat.refused", extra={"fields": {"status": status, "reason": reason}})
    response: Response = error_response(status, code, message)
    return response


def _forbidden(reason: str) -> Response:
    return _refuse(403, "bad_signature", "签名校验失败 (signature check failed)", reason)


def _stale(reason: str) -> Response:
    return _refuse(403, "stale_or_replayed", "请求已过期或已被使用 (stale or replayed push)", reason)


def _bad_request(reason: str) -> Response:
    return _refuse(400, "not_a_wechat_message", f"不是有效的微信消息 (not a WeChat message: {reason})", reason)


@bp.get("/wechat")
def verify() -> ResponseReturnValue:
    """Answer WeChat's server-URL check with ``echostr`` when the signature is ours (and fresh)."""
    args = request.args
    config = current_app.config
    try:
        check_signature(config["ANXIN_WECHAT_TOKEN"], args.get("signature"), args.get("timestamp"), args.get("nonce"))
        check_fresh(args.get("timestamp"), time.time(), config["ANXIN_WECHAT_REPLAY_WINDOW"])
    except StaleError as exc:
        return _stale(str(exc))
    except SignatureError as exc:
        return _forbidden(str(exc))
    echostr = args.get("echostr")
    if echostr is None:
        return _bad_request("missing echostr")
    return Response(echostr, mimetype="text/plain")


@bp.post("/wechat")
def receive() -> ResponseReturnValue:
    """Take a pushed message or event and answer with a passive reply or ``success``.

    ``ANXIN_WECHAT_MODE`` says which pushes are accepted: ``plain`` (signature only),
    ``safe`` (AES only) or ``compat`` (both). Every push must be signed within
    ``ANXIN_WECHAT_REPLAY_WINDOW`` seconds of now, and its signed query string must
    not have carried another message before (the inbox keeps it on the message's row).
    """
    config = current_app.config
    request.max_content_length = config["ANXIN_WECHAT_MAX_BODY"]
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _refuse(413, "payload_too_large", "请求内容过大 (over 64 KiB)", "body too large")
    args = request.args
    mode = config["ANXIN_WECHAT_MODE"]
    safe = args.get("encrypt_type", "raw").lower() == "aes"
    safe_mode: SafeMode | None = current_app.extensions.get("anxin_safe_mode")
    if safe and (mode == "plain" or safe_mode is None):
        return _bad_request("safe mode is not configured (ANXIN_WECHAT_MODE=plain or no ANXIN_WECHAT_AES_KEY)")
    if not safe and mode == "safe":
        return _refuse(403, "plaintext_refused", "仅接受安全模式（加密）消息 (plaintext pushes are refused in safe mode)",
                       "plaintext push in safe mode")
    try:
        if safe:
            assert safe_mode is not None
            outer = parse_xml(body)
            plaintext = safe_mode.decrypt(outer, args.get("msg_signature"), args.get("timestamp"), args.get("nonce"))
        else:
            check_signature(config["ANXIN_WECHAT_TOKEN"], args.get("signature"), args.get("timestamp"), args.get("nonce"))
        check_fresh(args.get("timestamp"), time.time(), config["ANXIN_WECHAT_REPLAY_WINDOW"])
        message = to_message(parse_xml(plaintext if safe else body))
    except StaleError as exc:
        return _stale(str(exc))
    except SignatureError as exc:
        return _forbidden(str(exc))
    except ProtocolError as exc:
        return _bad_request(str(exc))

    now = current_app.extensions["anxin_clock"]()
    key = push_key(args)
    handoff = None
    if voice.wanted(app_ctx.app, message):
        message, handoff = voice.prepare(app_ctx.app, _sessions(), message, now, key)
    try:
        reply = inbox.receive(_sessions(), message, config, AppServices(app_ctx.app), push_key=key, now=now)
    except inbox.ReplayedPush:
        return _stale("this signed query string was already used for another message")
    finally:
        if handoff is not None:
            handoff()
    if reply is None:
        return Response("success", mimetype="text/plain")
    xml = render_reply(reply, message, int(time.time()))
    if safe and safe_mode is not None:
        xml = safe_mode.encrypt(xml, secrets.token_hex(8), str(int(time.time())))
    return Response(xml, mimetype=XML)
