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
from werkzeug.exceptions import RequestEntityTooLarge

from bot import inbox
from bot.api.errors import error_response
from bot.db import get_db
from bot.wechat.protocol import (
    ProtocolError,
    SafeMode,
    SignatureError,
    check_signature,
    parse_xml,
    render_reply,
    to_message,
)
from bot.wechat.services import AppServices

bp = Blueprint("wechat", __name__)
log = logging.getLogger("anxin.wechat")

XML = "application/xml; charset=utf-8"


def _refuse(status: int, code: str, message: str, reason: str) -> Response:
    log.warning("wechat.refused", extra={"fields": {"status": status, "reason": reason}})
    return error_response(status, code, message)


def _forbidden(reason: str) -> Response:
    return _refuse(403, "bad_signature", "签名校验失败 (signature check failed)", reason)


def _bad_request(reason: str) -> Response:
    return _refuse(400, "not_a_wechat_message", f"不是有效的微信消息 (not a WeChat message: {reason})", reason)


@bp.get("/wechat")
def verify() -> Response | str:
    """Answer WeChat's server-URL check with ``echostr`` when the signature is ours."""
    args = request.args
    try:
        check_signature(
            current_app.config["ANXIN_WECHAT_TOKEN"], args.get("signature"), args.get("timestamp"), args.get("nonce")
        )
    except SignatureError as exc:
        return _forbidden(str(exc))
    echostr = args.get("echostr")
    if echostr is None:
        return _bad_request("missing echostr")
    return Response(echostr, mimetype="text/plain")


@bp.post("/wechat")
def receive() -> Response:
    """Take a pushed message or event and answer with a passive reply or ``success``."""
    config = current_app.config
    request.max_content_length = config["ANXIN_WECHAT_MAX_BODY"]
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _refuse(413, "payload_too_large", "请求内容过大 (over 64 KiB)", "body too large")
    args = request.args
    token = config["ANXIN_WECHAT_TOKEN"]
    safe = args.get("encrypt_type", "raw").lower() == "aes"
    safe_mode: SafeMode | None = current_app.extensions.get("anxin_safe_mode")
    try:
        if safe:
            if safe_mode is None:
                return _bad_request("safe mode is not configured (ANXIN_WECHAT_AES_KEY)")
            outer = parse_xml(body)
            plaintext = safe_mode.decrypt(outer, args.get("msg_signature"), args.get("timestamp"), args.get("nonce"))
            message = to_message(parse_xml(plaintext))
        else:
            check_signature(token, args.get("signature"), args.get("timestamp"), args.get("nonce"))
            message = to_message(parse_xml(body))
    except SignatureError as exc:
        return _forbidden(str(exc))
    except ProtocolError as exc:
        return _bad_request(str(exc))

    app = app_ctx.app
    factory = get_db().session_factory
    assert factory is not None
    reply = inbox.receive(factory, message, config, AppServices(app))
    if reply is None:
        return Response("success", mimetype="text/plain")
    xml = render_reply(reply, message, int(time.time()))
    if safe and safe_mode is not None:
        nonce = args.get("nonce") or secrets.token_hex(8)
        xml = safe_mode.encrypt(xml, nonce, str(int(time.time())))
    return Response(xml, mimetype=XML)
