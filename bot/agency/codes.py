"""Binding codes: the nurse and family codes of an engagement and an agency's supervisor codes share one space.

``绑定 CODE`` reads all of them, so a fresh code is unused by any. The diary's engagements and the agency's
supervisors both draw from here (the diary builds on the agency, never the reverse).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.models import Engagement, SupervisorCode

# No 0/O, 1/I/L, U: easy to read aloud and type; 8 symbols never look like a badge code (11).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8


def new_code(session: Session) -> str:
    """A fresh 8-symbol binding code, unused by any engagement or supervisor code."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.scalar(select(Engagement.id).where(or_(Engagement.nurse_code == code, Engagement.family_code == code)))
        if taken is None and session.scalar(select(SupervisorCode.id).where(SupervisorCode.code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    """Fold full-width forms, upper-case, and drop everything but letters and digits (：, —, spaces, dashes)."""
    return re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", code)).upper()
