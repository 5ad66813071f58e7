"""The family's mobile numbers on an engagement, for urgent flags by SMS. Domain code: no Flask.

Kept only with the family's consent (when and who recorded it), encrypted at rest as one field
(AES-GCM, ``bot.core.security``, context ``engagement.family_phones``) and shown only masked
(``138****8000``) — in the agency API, the console and the outbox alike.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence

from bot.core.errors import BadRequest
from bot.core.security import FieldCipher
from bot.models import Engagement

CONTEXT = "engagement.family_phones"
MAX_PHONES = 4
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def mask(phone: str) -> str:
    """138****8000: the first three and last four digits."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def check_phones(phones: Sequence[str]) -> list[str]:
    """The numbers trimmed and without repeats; BadRequest naming the first that is not a mainland mobile number."""
    kept: list[str] = []
    for number, raw in enumerate(phones):
        phone = raw.strip().replace(" ", "").replace("-", "")
        if not MAINLAND_MOBILE.fullmatch(phone):
            raise BadRequest(f"第{number + 1}个手机号应为11位大陆手机号码 (family_phones[{number}])", code="invalid_field")
        if phone not in kept:
            kept.append(phone)
    if len(kept) > MAX_PHONES:
        raise BadRequest(f"家人手机号最多{MAX_PHONES}个 (family_phones: at most {MAX_PHONES})", code="invalid_field")
    return kept


def set_family_phones(engagement: Engagement, phones: Sequence[str], consent: bool, recorded_by: str,
                      cipher: FieldCipher, now: dt.datetime) -> None:
    """Keep the family's numbers (an empty list removes them); refused without the family's consent."""
    kept = check_phones(phones)
    if kept and not consent:
        raise BadRequest("保存家人手机号须征得家人同意，请确认已取得同意 (family_phones_consent must be true)",
                         code="consent_required")
    if not kept:
        engagement.family_phones_enc = None
        engagement.family_phones_consent_at = engagement.family_phones_consent_by = None
        return
    engagement.family_phones_enc = cipher.encrypt(json.dumps(kept), CONTEXT)
    engagement.family_phones_consent_at = now
    engagement.family_phones_consent_by = recorded_by[:64]


def family_phones(engagement: Engagement, cipher: FieldCipher) -> list[str]:
    """The numbers in full, for sending only."""
    if not engagement.family_phones_enc:
        return []
    phones: list[str] = json.loads(cipher.decrypt(engagement.family_phones_enc, CONTEXT))
    return phones


def masked_phones(engagement: Engagement, cipher: FieldCipher) -> list[str]:
    return [mask(p) for p in family_phones(engagement, cipher)]
