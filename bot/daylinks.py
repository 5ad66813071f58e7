"""Signed links to one engagement's day for its family: ``ANXIN_PUBLIC_URL/d/TOKEN``.

No login: the link itself is the permission, like a share link. It is signed with
``ANXIN_SECRET_KEY`` (itsdangerous, salt ``anxin-day``), names one engagement, one day,
the person it was sent to and, for a flag message, the flag (opening it acknowledges
the flag for that person), and expires after ``LINK_TTL``. No Flask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "anxin-day"
LINK_TTL = dt.timedelta(days=7)
MINIPROGRAM_DAY_PAGE = "pages/day/day"


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


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def sign(secret: str, engagement_id: int, day: dt.date, openid: str | None = None, flag_id: int | None = None) -> str:
    data: dict[str, Any] = {"e": engagement_id, "d": day.isoformat()}
    if openid:
        data["o"] = openid
    if flag_id is not None:
        data["f"] = flag_id
    return _serializer(secret).dumps(data)


def read(secret: str, token: str, now: dt.datetime | None = None) -> DayLink:
    """The link a token stands for; LinkError when it is bad or older than LINK_TTL."""
    serializer = _serializer(secret)
    try:
        if now is None:
            data = serializer.loads(token, max_age=int(LINK_TTL.total_seconds()))
        else:  # a job's or a test's clock
            data, signed_at = serializer.loads(token, return_timestamp=True)
            if now - signed_at > LINK_TTL:
                raise LinkError(expired=True)
    except SignatureExpired:
        raise LinkError(expired=True) from None
    except BadSignature:
        raise LinkError(expired=False) from None
    try:
        return DayLink(int(data["e"]), dt.date.fromisoformat(data["d"]), data.get("o"),
                       int(data["f"]) if data.get("f") is not None else None)
    except (KeyError, TypeError, ValueError):
        raise LinkError(expired=False) from None


def day_url(settings: Mapping[str, Any], engagement_id: int, day: dt.date, openid: str | None = None,
            flag_id: int | None = None) -> str:
    token = sign(settings["ANXIN_SECRET_KEY"], engagement_id, day, openid, flag_id)
    return f"{str(settings['ANXIN_PUBLIC_URL']).rstrip('/')}/d/{token}"


def miniprogram_page(engagement_id: int, day: dt.date, flag_id: int | None = None) -> str:
    """The mini-program page of the same day (the app checks its own login there)."""
    page = f"{MINIPROGRAM_DAY_PAGE}?engagement={engagement_id}&date={day.isoformat()}"
    return page + (f"&flag={flag_id}" if flag_id is not None else "")
