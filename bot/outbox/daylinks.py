"""Sealed links to one engagement's day for its family: ``ANXIN_PUBLIC_URL/d/TOKEN``.

No login: the link itself is the permission, like a share link. It names one engagement,
one day, the person it was sent to and, for a flag message, the flag, and expires after
``LINK_TTL``. Opening it only shows the day; acknowledging the flag is a separate POST
(``/d/TOKEN/ack``, a button on the page), so a link-preview fetcher acknowledges nothing.

The token is sealed, not only signed: AES-256-GCM with a key derived (HKDF-SHA256) from
``ANXIN_SECRET_KEY``, so nothing in it is readable — a parent's openid in a forwarded or
logged link would let anyone who can forge a push act as that parent. GCM's tag makes any
change to the token fail as a whole. Tokens of the earlier signed-JSON format (itsdangerous,
with a ``.``) are answered as expired: they may still sit in chat histories. No Flask here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.core.clock import utcnow

LINK_TTL = dt.timedelta(days=7)
MINIPROGRAM_DAY_PAGE = "pages/day/day"
# The first byte of every token: the format, bound into the seal as associated data.
FORMAT = b"\x01"
_NONCE = 12
# Clocks of several processes differ a little; a link from further in the future was not made by us.
_CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class DayLink:
    engagement_id: int
    day: dt.date
    openid: str | None
    flag_id: int | None


class LinkError(Exception):
    """The token is not ours, was altered, or has expired (``expired``)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@functools.lru_cache(maxsize=4)
def _sealer(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"anxin day link v1").derive(
        secret.encode("utf-8"))
    return AESGCM(key)


def sign(secret: str, engagement_id: int, day: dt.date, openid: str | None = None, flag_id: int | None = None,
         issued_at: dt.datetime | None = None) -> str:
    """A sealed token for the link (``issued_at``: a job's or a test's clock; now by default)."""
    data: dict[str, Any] = {"e": engagement_id, "d": day.isoformat(),
                            "t": int((issued_at or utcnow()).timestamp())}
    if openid:
        data["o"] = openid
    if flag_id is not None:
        data["f"] = flag_id
    nonce = os.urandom(_NONCE)
    sealed = _sealer(secret).encrypt(nonce, json.dumps(data, separators=(",", ":")).encode("utf-8"), FORMAT)
    return base64.urlsafe_b64encode(FORMAT + nonce + sealed).rstrip(b"=").decode("ascii")


def read(secret: str, token: str, now: dt.datetime | None = None) -> DayLink:
    """The link a token stands for; LinkError when it is bad or older than LINK_TTL."""
    if "." in token:  # the earlier signed (readable) format: no longer honoured, and said so kindly
        raise LinkError(expired=True)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkError(expired=False) from None
    if len(raw) <= 1 + _NONCE or raw[:1] != FORMAT:
        raise LinkError(expired=False)
    try:
        data = json.loads(_sealer(secret).decrypt(raw[1:1 + _NONCE], raw[1 + _NONCE:], FORMAT))
        link = DayLink(int(data["e"]), dt.date.fromisoformat(data["d"]), data.get("o"),
                       int(data["f"]) if data.get("f") is not None else None)
        issued = dt.datetime.fromtimestamp(int(data["t"]), dt.UTC)
    except (InvalidTag, AttributeError, KeyError, TypeError, ValueError):
        raise LinkError(expired=False) from None
    now = now or utcnow()
    if issued > now + _CLOCK_SKEW:
        raise LinkError(expired=False)
    if now - issued > LINK_TTL:
        raise LinkError(expired=True)
    return link


def day_url(settings: Mapping[str, Any], engagement_id: int, day: dt.date, openid: str | None = None,
            flag_id: int | None = None) -> str:
    token = sign(settings["ANXIN_SECRET_KEY"], engagement_id, day, openid, flag_id)
    return f"{str(settings['ANXIN_PUBLIC_URL']).rstrip('/')}/d/{token}"


def miniprogram_page(engagement_id: int, day: dt.date, flag_id: int | None = None) -> str:
    """The mini-program page of the same day (the app checks its own login there)."""
    page = f"{MINIPROGRAM_DAY_PAGE}?engagement={engagement_id}&date={day.isoformat()}"
    return page + (f"&flag={flag_id}" if flag_id is not None else "")
