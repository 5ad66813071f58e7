"""Small readers the entry kinds share: Chinese numerals, numbers with units, durations, sides, who is meant.

Every kind module under ``bot/diary/kinds/`` parses its own lines with these; the
time prefix and the dispatch over kinds live in ``bot/diary/parse.py``.
"""

from __future__ import annotations

import re

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUM = "[零〇一二两三四五六七八九十百]+"
NUM = r"(\d+(?:\.\d+)?)"

MOTHER_WORDS = ("产妇", "妈妈", "宝妈", "母亲", "产母")
BABY_WORDS = ("宝宝", "宝贝", "婴儿", "新生儿", "孩子", "baby", "bb")


def cn_to_int(token: str) -> int | None:
    """``十五`` → 15, ``二十`` → 20, ``一百二十`` → 120, ``7`` → 7; None if not a number."""
    if token.isdigit():
        return int(token)
    if not token or any(c not in _CN_DIGITS and c not in "十百" for c in token):
        return None
    total, current = 0, 0
    for char in token:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _CN_DIGITS[char]
    return total + current


def numbers_with_units(body: str) -> str:
    """Write Chinese numerals before units as digits: 十五分钟 → 15分钟, 一个半小时 → 1.5小时."""
    body = re.sub(rf"({CN_NUM})个?半(?=小时|钟头)", lambda m: f"{cn_to_int(m[1]) or 0}.5", body)
    body = re.sub(r"半(?:个)?(?=小时|钟头)", "0.5", body)
    return re.sub(
        rf"({CN_NUM})\s*(?=个?小时|个?钟头|分钟|分|毫升|克|斤|公斤|次|片|块|cm|ml)",
        lambda m: str(cn_to_int(m[1])) if cn_to_int(m[1]) is not None else m[1],
        body,
    )


def has(body: str, *words: str) -> bool:
    return any(w in body for w in words)


def duration_min(body: str) -> int | None:
    hours = re.search(rf"{NUM}\s*(?:个)?\s*(?:小时|钟头|hours?|hrs?|h(?![a-z]))", body)
    minutes = re.search(rf"{NUM}\s*(?:分钟|分|mins?\b|minutes?|')", body)
    total = 0.0
    if hours:
        total += float(hours[1]) * 60
        if not minutes:  # 1h30, 1小时30: the minutes written straight after the hours
            minutes = re.match(r"\s*(\d{1,2})(?![\d.])(?!\s*(?:ml|毫升|cc|次|度|°|克|g|斤|cm))", body[hours.end():])
    if minutes:
        total += float(minutes[1])
    if not (hours or minutes) or total <= 0 or total > 24 * 60:
        return None
    return round(total)


def amount_ml(body: str) -> int | None:
    match = re.search(rf"{NUM}\s*(?:ml|毫升|cc|m1|亳升)", body)
    if match:
        value = float(match[1])
        return round(value) if 0 < value <= 1000 else None
    return None


def bare_number(body: str) -> float | None:
    match = re.search(NUM, body)
    return float(match[1]) if match else None


def side(body: str) -> str | None:
    if has(body, "两边", "双侧", "两侧", "左右", "双边") or (has(body, "左") and has(body, "右")):
        return "both"
    if has(body, "左"):
        return "left"
    if has(body, "右"):
        return "right"
    return None
