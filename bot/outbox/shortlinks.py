"""Short ``/d/CODE`` links for SMS: a random code standing for one engagement's day and flag. No Flask.

An SMS carries the code only (Tencent takes no link as a template parameter and counts every character);
the code is the permission, like the sealed token of a WeChat link, and lapses with it after
``daylinks.LINK_TTL``. Ten characters of 62 are about 59 bits: not guessable within a week.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string

from sqlalchemy.orm import Session

from bot.models import ShortLink
from bot.outbox.daylinks import LINK_TTL

CODE_LENGTH = 10
_ALPHABET = string.ascii_letters + string.digits
CODE = re.compile(rf"^[A-Za-z0-9]{{{CODE_LENGTH}}}$")


def make_link(session: Session, engagement_id: int, day: dt.date, flag_id: int | None, recipient: str, role: str,
              now: dt.datetime) -> str:
    """A new code for ``recipient`` (masked: tel:138****8000) of ``role`` (parent | supervisor)."""
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    session.add(ShortLink(code=code, engagement_id=engagement_id, day=day, flag_id=flag_id, recipient=recipient,
                          role=role, created_at=now))
    return code


def find_link(session: Session, code: str, now: dt.datetime) -> ShortLink | None:
    """The link of ``code`` while it is valid; None for a code not ours or expired."""
    if not CODE.match(code):
        return None
    link = session.get(ShortLink, code)
    if link is None or now - link.created_at > LINK_TTL:
        return None
    return link
