"""Notification cards: what a template or subscription message shows, in WeChat's short fields.

Since 2023-05-04 WeChat shows an Official Account template message without its
``first`` and ``remark`` fields, without colours and with emoji as "□"; what is left
are keyword fields of at most 20 characters on one line each (announcements of
2023-03-24 / 03-30 / 05-04, summarised at https://kejiweixun.com/note/202303241915).
Subscription messages (mini-program ``subscribe/send``, Official Account
``subscribe/bizsend``) are refused with 47003 for a ``thing`` over 20 characters, a
``phrase`` over 5 Chinese characters, a ``time`` not like "2019年10月1日 15:01".
Doc: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html

So every notification carries, beside its full text (customer-service messages
inside the 48-hour window), a card of four fields that every channel accepts:

=========  ===========  ====================================  ======================
key        label        content                               example
=========  ===========  ====================================  ======================
thing1     事项          what happened                         宝宝体温38.5℃
phrase2    级别          紧急 / 留意 / 小结 / 提醒 / 到期          紧急
time3      时间          when, WeChat's time format             2026年11月20日 14:05
thing4     说明          what to do                            点击查看详情和建议
=========  ===========  ====================================  ======================

Pick templates with these four fields (one per purpose: flag, digest, reminder,
expiry) and configure their ids (``ANXIN_TEMPLATE_*``, ``ANXIN_MP_TEMPLATE_*``).
Domain code: no Flask.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

FIELD_MAX = 20
PHRASE_MAX = 5
KEYS = ("thing1", "phrase2", "time3", "thing4")
LABELS = {"thing1": "事项", "phrase2": "级别", "time3": "时间", "thing4": "说明"}
PURPOSES = ("flag", "digest", "reminder", "expiry")

PHRASES = {"urgent": "紧急", "watch": "留意", "digest": "今日小结", "reminder": "记录提醒", "expiry": "证件到期"}
HINTS = {
    "flag": "点击查看详情和建议",
    "digest": "点击查看今天全部记录",
    "reminder": "发送喂奶90ml即可记录",
    "expiry": "请尽快安排复检或续保",
}
_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    """One line without emoji or symbols WeChat cannot show (they appear as "□")."""
    kept = []
    for ch in text:
        if is_emoji(ch):
            continue
        kept.append(" " if unicodedata.category(ch) in ("Zl", "Zp", "Cc") else ch)
    return _SPACES.sub(" ", "".join(kept)).strip()


# Pictographs and what composes them; ℃, ×, ① and CJK punctuation are ordinary characters and stay.
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0xFE00, 0xFE0F), (0x200D, 0x200D),
                 (0x20E3, 0x20E3), (0xE000, 0xF8FF), (0xE0000, 0xE007F), (0x2190, 0x21FF), (0x2300, 0x23FF),
                 (0x25A0, 0x25FF))


def is_emoji(ch: str) -> bool:
    """True for an emoji or pictograph WeChat's template and subscription messages show as "□"."""
    code = ord(ch)
    return code > 0xFFFF or any(low <= code <= high for low, high in _EMOJI_RANGES)


def short(text: str, limit: int = FIELD_MAX) -> str:
    """``text`` on one line, emoji removed, cut to ``limit`` characters with an ellipsis."""
    line = plain(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def wechat_time(moment: dt.datetime) -> str:
    """WeChat's ``time`` field format: 2026年11月20日 14:05 (local time already applied)."""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def card(purpose: str, subject: str, level: str, moment: dt.datetime, hint: str | None = None,
         day: dt.date | None = None, engagement_id: int | None = None, flag_id: int | None = None) -> dict[str, Any]:
    """A notification's card: the four short fields and what its link opens (``day`` of ``engagement_id``)."""
    fields = {
        "thing1": short(subject),
        "phrase2": short(level, PHRASE_MAX),
        "time3": wechat_time(moment),
        "thing4": short(hint or HINTS.get(purpose, "")),
    }
    link: dict[str, Any] = {}
    if engagement_id is not None and day is not None:
        link = {"engagement_id": engagement_id, "day": day.isoformat()}
        if flag_id is not None:
            link["flag_id"] = flag_id
    return {"purpose": purpose, "fields": fields, "link": link or None}


def is_card(template: Any) -> bool:
    return isinstance(template, dict) and isinstance(template.get("fields"), dict) and "purpose" in template


def as_data(fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """The ``data`` object of a template or subscription message."""
    return {key: {"value": value} for key, value in fields.items() if value}
