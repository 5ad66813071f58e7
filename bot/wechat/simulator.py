"""Build pushes exactly as WeChat sends them, and read the replies.

Used by ``flask --app bot chat`` (for people without an Official Account wired
up) and by the tests: signatures and safe-mode AES are wechatpy's, the same as
WeChat's servers produce.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from wechatpy.crypto import WeChatCrypto

from bot.wechat.protocol import parse_xml, signature

_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class WeChatSender:
    """Signs (and in safe mode encrypts) pushes for one Official Account."""

    token: str
    appid: str
    aes_key: str | None = None
    account: str = "gh_anxin0000001"
    _crypto: WeChatCrypto | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.aes_key:
            self._crypto = WeChatCrypto(self.token, self.aes_key, self.appid)

    @classmethod
    def from_settings(cls, settings: Any, safe: bool = False) -> WeChatSender:
        return cls(
            token=settings["ANXIN_WECHAT_TOKEN"],
            appid=settings["ANXIN_WECHAT_APPID"],
            aes_key=settings["ANXIN_WECHAT_AES_KEY"] if safe else None,
        )

    # -- message bodies -------------------------------------------------------
    def _xml(self, openid: str, msg_type: str, create_time: int | None, fields: dict[str, str]) -> str:
        parts = [
            f"<ToUserName>{_cdata(self.account)}</ToUserName>",
            f"<FromUserName>{_cdata(openid)}</FromUserName>",
            f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
            f"<MsgType>{_cdata(msg_type)}</MsgType>",
        ]
        for name, value in fields.items():
            parts.append(f"<{name}>{_cdata(value) if not value.isdigit() else value}</{name}>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, openid: str, content: str, msg_id: int | None = None, create_time: int | None = None) -> str:
        msg_id = msg_id if msg_id is not None else next(_msg_ids)
        return self._xml(openid, "text", create_time, {"Content": content, "MsgId": str(msg_id)})

    def image(self, openid: str, media_id: str, pic_url: str = "", msg_id: int | None = None) -> str:
        msg_id = msg_id if msg_id is not None else next(_msg_ids)
        fields = {"PicUrl": pic_url or "http://mmbiz.qpic.cn/example", "MediaId": media_id, "MsgId": str(msg_id)}
        return self._xml(openid, "image", None, fields)

    def voice(self, openid: str, media_id: str, voice_format: str = "amr", recognition: str | None = None,
              msg_id: int | None = None) -> str:
        """A voice push; without ``recognition`` as WeChat sends it once ``<Recognition>`` is withdrawn."""
        msg_id = msg_id if msg_id is not None else next(_msg_ids)
        fields = {"MediaId": media_id, "Format": voice_format, "MsgId": str(msg_id)}
        if recognition is not None:
            fields["Recognition"] = recognition
        return self._xml(openid, "voice", None, fields)

    def event(self, openid: str, event: str, key: str = "", create_time: int | None = None) -> str:
        fields = {"Event": event}
        if key:
            fields["EventKey"] = key
        return self._xml(openid, "event", create_time, fields)

    # -- signing --------------------------------------------------------------
    def sign(self, body: str, safe: bool | None = None) -> tuple[dict[str, str], bytes]:
        """Return the query parameters and body of a push, as WeChat would POST it."""
        safe = bool(self._crypto) if safe is None else safe
        timestamp = str(int(time.time()))
        nonce = str(secrets.randbelow(10**10))
        params = {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if not safe:
            return params, body.encode("utf-8")
        assert self._crypto is not None, "safe mode needs an AES key"
        encrypted = self._crypto.encrypt_message(body, nonce, timestamp)
        root = parse_xml(encrypted.encode("utf-8"))
        params.update(encrypt_type="aes", msg_signature=root["MsgSignature"])
        inner = f"<xml><ToUserName>{_cdata(self.account)}</ToUserName><Encrypt>{_cdata(root['Encrypt'])}</Encrypt></xml>"
        return params, inner.encode("utf-8")

    def verify_params(self, echostr: str) -> dict[str, str]:
        timestamp = str(int(time.time()))
        nonce = str(secrets.randbelow(10**10))
        return {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "echostr": echostr}

    # -- replies --------------------------------------------------------------
    def read_reply(self, body: bytes) -> dict[str, Any] | None:
        """Decode a passive reply (decrypting in safe mode); None for ``success``."""
        if body in (b"success", b""):
            return None
        root = parse_xml(body)
        if "Encrypt" in root:
            assert self._crypto is not None
            plaintext = self._crypto.decrypt_message(
                {"Encrypt": root["Encrypt"]}, root["MsgSignature"], root["TimeStamp"], root["Nonce"]
            )
            root = parse_xml(plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext)
        return root


def reply_text(reply: dict[str, Any] | None) -> str:
    """What a person would see of a decoded reply."""
    if reply is None:
        return "(no reply: success)"
    if reply.get("MsgType") == "text":
        return reply.get("Content") or ""
    if reply.get("MsgType") == "news":
        items = reply.get("Articles", {}).get("item", [])
        items = items if isinstance(items, list) else [items]
        return "\n".join(f"[{i.get('Title', '')}] {i.get('Description', '')} {i.get('Url', '')}".strip() for i in items)
    return str(reply)
