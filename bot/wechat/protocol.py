"""WeChat's push protocol: signatures, safe-mode AES, message XML and passive replies.

Signatures and AES are wechatpy's (the same code WeChat's own samples port);
parsing is ours because it must refuse anything that is not a WeChat message
with a clear reason: DOCTYPE/entity tricks, missing fields, wrong shapes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import ArticlesReply, TextReply
from wechatpy.utils import WeChatSigner

from bot.chat import ChatMessage, News, Reply, Text


class ProtocolError(Exception):
    """The request is not a WeChat message (answered 400)."""


class SignatureError(Exception):
    """The request is not signed with our token (answered 403)."""


_FORBIDDEN_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_DIGITS = re.compile(r"^\d{1,12}$")
_MAX_FIELD = 8192


def signature(token: str, *parts: str) -> str:
    """WeChat's SHA-1 signature over the sorted token, timestamp, nonce (and Encrypt)."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return str(signer.signature)


def check_signature(token: str, given: str | None, *parts: str | None) -> None:
    if not given or any(p is None for p in parts):
        raise SignatureError("missing signature parameters")
    expected = signature(token, *[p for p in parts if p is not None])
    if not hmac.compare_digest(expected, given):
        raise SignatureError("signature mismatch")


def parse_xml(body: bytes) -> dict[str, Any]:
    """Parse a push body into its flat ``<xml>`` fields, refusing anything else."""
    if not body.strip():
        raise ProtocolError("empty body")
    if _FORBIDDEN_MARKUP.search(body):
        raise ProtocolError("DTDs and entities are not allowed")
    try:
        doc = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise ProtocolError(f"malformed XML: {exc}") from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise ProtocolError("root element must be <xml>")
    return root


def _field(root: dict[str, Any], name: str, required: bool = True) -> str:
    value = root.get(name)
    if value is None:
        if required:
            raise ProtocolError(f"missing field {name}")
        return ""
    if not isinstance(value, str):
        raise ProtocolError(f"field {name} must be text")
    if len(value) > _MAX_FIELD:
        raise ProtocolError(f"field {name} too long")
    return value


def to_message(root: dict[str, Any]) -> ChatMessage:
    """Turn parsed fields into a ChatMessage, checking what WeChat always sends."""
    openid = _field(root, "FromUserName").strip()
    account = _field(root, "ToUserName").strip()
    create_time = _field(root, "CreateTime").strip()
    msg_type = _field(root, "MsgType").strip().lower()
    if not openid or len(openid) > 64 or not account:
        raise ProtocolError("bad FromUserName/ToUserName")
    if not _DIGITS.match(create_time):
        raise ProtocolError("CreateTime must be seconds since the epoch")
    if not re.fullmatch(r"[a-z_]{1,32}", msg_type):
        raise ProtocolError("bad MsgType")
    seconds = int(create_time)
    common: dict[str, Any] = dict(
        openid=openid,
        account=account,
        msg_type=msg_type,
        create_time=seconds,
        created_at=dt.datetime.fromtimestamp(seconds, dt.UTC),
    )
    if msg_type == "event":
        event = _field(root, "Event").strip().lower()
        if not event:
            raise ProtocolError("missing field Event")
        return ChatMessage(**common, event=event, event_key=_field(root, "EventKey", False).strip())
    msg_id = _field(root, "MsgId").strip()
    if not _DIGITS.match(msg_id) and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", msg_id):
        raise ProtocolError("bad MsgId")
    if msg_type == "text":
        return ChatMessage(**common, msg_id=msg_id, text=_field(root, "Content"))
    return ChatMessage(
        **common,
        msg_id=msg_id,
        media_id=_field(root, "MediaId", False).strip(),
        pic_url=_field(root, "PicUrl", False).strip(),
        recognition=_field(root, "Recognition", False).strip(),
    )


class SafeMode:
    """Decrypts and encrypts pushes in WeChat's safe (AES) mode with wechatpy's crypto."""

    def __init__(self, token: str, aes_key: str, appid: str) -> None:
        self._crypto = WeChatCrypto(token, aes_key, appid)

    def decrypt(self, root: dict[str, Any], msg_signature: str | None, timestamp: str | None, nonce: str | None) -> bytes:
        encrypt = _field(root, "Encrypt")
        if not msg_signature or not timestamp or not nonce:
            raise SignatureError("missing msg_signature parameters")
        try:
            plaintext = self._crypto.decrypt_message({"Encrypt": encrypt}, msg_signature, timestamp, nonce)
        except InvalidSignatureException:
            raise SignatureError("msg_signature mismatch") from None
        except InvalidAppIdException:
            raise SignatureError("message encrypted for another app id") from None
        except (ValueError, TypeError, UnicodeDecodeError, IndexError) as exc:
            raise ProtocolError(f"cannot decrypt: {exc}") from None
        return plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))


def render_reply(reply: Reply, message: ChatMessage, now: int) -> str:
    """Render a passive reply XML for ``message``."""
    common = {"source": message.account, "target": message.openid, "time": now}
    if isinstance(reply, Text):
        return str(TextReply(content=reply.content, **common).render())
    assert isinstance(reply, News)
    articles = [
        {"title": a.title, "description": a.description, "image": a.image, "url": a.url}
        for a in reply.articles[:1]
    ]
    return str(ArticlesReply(articles=articles, **common).render())
