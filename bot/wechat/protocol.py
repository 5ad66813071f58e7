"""WeChat's push protocol: signatures, safe-mode AES, message XML and passive replies.

Signatures and AES are wechatpy's (the same code WeChat's own samples port);
parsing is ours because it must refuse anything that is not a WeChat message
with a clear reason: DOCTYPE/entity tricks, missing fields, wrong shapes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import struct
from typing import Any
from xml.parsers import expat
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from bot.chat.context import ChatMessage, News, Reply, Text
from bot.core.textsafe import MAX_REPLY_BYTES, REPLY_CUT_MARKER, cdata, clean_text, fit_utf8


class ProtocolError(Exception):
    """The request is not a WeChat message (answered 400)."""


class SignatureError(Exception):
    """The request is not signed with our token (answered 403)."""


class StaleError(SignatureError):
    """Signed, but outside the replay window or already used for another message (answered 403)."""


_DIGITS = re.compile(r"^\d{1,12}$")
_MAX_FIELD = 8192
# CreateTime outside 2000-01-01 .. 2100-01-01 is not a time WeChat sends (and year 33658 overflows datetime).
_MIN_CREATE_TIME, _MAX_CREATE_TIME = 946_684_800, 4_102_444_800
_EVENT = re.compile(r"[A-Za-z0-9_]{1,32}")
_MAX_TITLE, _MAX_DESCRIPTION, _MAX_URL = 64, 512, 1024


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


def check_fresh(timestamp: str | None, now: float, window: int) -> int:
    """The push's ``timestamp`` as seconds, refused when it is more than ``window`` seconds from ``now``."""
    if not timestamp or not _DIGITS.match(timestamp):
        raise SignatureError("missing or malformed timestamp")
    seconds = int(timestamp)
    if abs(now - seconds) > window:
        raise StaleError(f"timestamp {seconds - int(now):+d} s from now, outside the {window} s window")
    return seconds


class _DocumentType(Exception):
    pass


def _refuse_document_type(*_args: Any) -> None:
    raise _DocumentType


class _NoDocumentTypes:
    """pyexpat for xmltodict, with every parser refusing a document type declaration, where a DTD and its
    entities would be. The parser decides what is markup: text that merely reads ``<!DOCTYPE`` (a user
    can type that, and WeChat sends it in CDATA) is text."""

    @staticmethod
    def ParserCreate(*args: Any) -> Any:  # pyexpat's name
        parser = expat.ParserCreate(*args)
        parser.StartDoctypeDeclHandler = _refuse_document_type
        return parser


def parse_xml(body: bytes) -> dict[str, Any]:
    """Parse a push body into its flat ``<xml>`` fields, refusing anything else."""
    if not body.strip():
        raise ProtocolError("empty body")
    try:
        doc = xmltodict.parse(body, expat=_NoDocumentTypes, disable_entities=True)
    except _DocumentType:
        raise ProtocolError("DTDs and entities are not allowed") from None
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
    if not _DIGITS.match(create_time) or not _MIN_CREATE_TIME <= int(create_time) < _MAX_CREATE_TIME:
        raise ProtocolError("CreateTime must be seconds since the epoch, between 2000 and 2100")
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
        event = _field(root, "Event").strip()
        if not _EVENT.fullmatch(event):
            raise ProtocolError("Event must be 1-32 letters, digits or _")
        event_key = clean_text(_field(root, "EventKey", False).strip())[:128]
        return ChatMessage(**common, event=event.lower(), event_key=event_key)
    msg_id = _field(root, "MsgId").strip()
    if not _DIGITS.match(msg_id) and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", msg_id):
        raise ProtocolError("bad MsgId")
    if msg_type == "text":
        return ChatMessage(**common, msg_id=msg_id, text=clean_text(_field(root, "Content")))
    return ChatMessage(
        **common,
        msg_id=msg_id,
        media_id=clean_text(_field(root, "MediaId", False).strip())[:128],
        pic_url=clean_text(_field(root, "PicUrl", False).strip())[:1024],
        recognition=clean_text(_field(root, "Recognition", False).strip())[:2048],
        media_format=clean_text(_field(root, "Format", False).strip().lower())[:16],
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
        except (ValueError, TypeError, IndexError, KeyError, OverflowError, struct.error) as exc:
            raise ProtocolError(f"cannot decrypt: {exc}") from None
        return plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        return str(self._crypto.encrypt_message(xml, nonce, timestamp))


def render_reply(reply: Reply, message: ChatMessage, now: int) -> str:
    """Render a passive reply XML for ``message``: well formed whatever the text, and within WeChat's limits."""
    head = (
        f"<xml><ToUserName>{cdata(message.openid)}</ToUserName>"
        f"<FromUserName>{cdata(message.account)}</FromUserName>"
        f"<CreateTime>{int(now)}</CreateTime>"
    )
    if isinstance(reply, Text):
        content = fit_utf8(clean_text(reply.content), MAX_REPLY_BYTES, REPLY_CUT_MARKER)
        return head + f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(content)}</Content></xml>"
    assert isinstance(reply, News)
    items = "".join(
        "<item>"
        f"<Title>{cdata(clean_text(a.title)[:_MAX_TITLE])}</Title>"
        f"<Description>{cdata(fit_utf8(clean_text(a.description), _MAX_DESCRIPTION * 3))}</Description>"
        f"<PicUrl>{cdata(_link(a.image))}</PicUrl>"
        f"<Url>{cdata(_link(a.url))}</Url>"
        "</item>"
        for a in reply.articles[:1]
    )
    count = min(len(reply.articles), 1)
    return head + f"<MsgType>{cdata('news')}</MsgType><ArticleCount>{count}</ArticleCount><Articles>{items}</Articles></xml>"


def _link(url: str) -> str:
    """Only http(s) links without whitespace go into a card; anything else is left out."""
    url = clean_text(url).strip()
    if len(url) > _MAX_URL or not re.fullmatch(r"https?://[^\s<>\"]+", url):
        return ""
    return url
