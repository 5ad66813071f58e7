"""Growth: weight, length and head circumference."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import URGENT, WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register
from bot.diary.reading import NUM, cn_to_int, has

if TYPE_CHECKING:
    from bot.models import DiaryEntry


# A change of weight (长了200克, 增加了500公克, 轻了300克, 比出生时少了…) is no weight; 降到3100 (fell to) is one.
_CHANGE = re.compile(r"(?:增加|增长|长|涨|轻|掉|少|多|减少|减轻|下降|降|减|胖|瘦)了?\s*$|重了\s*$|比\S{0,6}$")
# A weight said at birth beside today's (出生时3200公克，现在只剩2900公克): today's is the reading.
_AT_BIRTH = re.compile(r"出生\S{0,6}$")
# Without a word for weighing, a weight is a baby's size with its unit against it (宝宝重7斤, 宝宝现在4200克); a weight
# said at birth alone is no weighing (出生时3200公克).
_WEIGHED = ("体重", "称重", "秤", "称了")
_SAID_WEIGHT = re.compile(rf"{NUM}(?:kg|公斤|千克|斤|g|克|公克)(?![a-z])")


def parse_weight(said: Said) -> dict[str, Any] | None:
    body = said.text
    weighed = has(body, *_WEIGHED)
    if not weighed and (said.mother or _SAID_WEIGHT.search(body) is None):
        return None
    found = []
    for match in _READING.finditer(body):
        grams = _grams(match)
        before = body[max(0, match.start() - 8):match.start()]
        if grams is None or _CHANGE.search(before) is not None:
            continue
        unit = match["unit"] or match["jin"] or match["kg"]  # 8斤半, 3公斤200克 carry their unit too
        if not weighed and (unit is None or not 1000 <= grams <= 10000):
            continue  # 奶粉30克, 半斤: no weight of a baby
        at_birth = _AT_BIRTH.search(before) is not None
        if not at_birth or weighed:
            found.append((at_birth, grams))
    today = [grams for at_birth, grams in found if not at_birth] or [grams for _at_birth, grams in found]
    return {"grams": today[0]} if today else None


# 6斤8两 (1斤 = 500 g, 1两 = 50 g), 7斤半, 3公斤200克, 3.62kg, 3400g, 3.2 (kg, a bare size under 10)
_READING = re.compile(r"(?P<jin>\d+)\s*斤\s*(?:(?P<liang>\d|[一二三四五六七八九])\s*两|(?P<half>半))"
                      r"|(?P<kg>\d+)\s*(?:公斤|kg|千克)\s*(?P<g>\d{1,3})\s*(?:克|g|公克)"
                      # an age, a day or a count is no weight (宝宝现在三个月,体重11斤)
                      r"|(?P<value>\d+(?:\.\d+)?)(?![\d.]|\s*(?:个|天|日|周|岁|次|月|号|点|%))"
                      r"\s*(?P<unit>kg|公斤|千克|斤|公克|g|克)?")


def _grams(match: re.Match[str]) -> int | None:
    if match["jin"]:
        liang = cn_to_int(match["liang"]) if match["liang"] else None  # 2斤三两: the 两 after 斤 stays a numeral
        grams = int(match["jin"]) * 500 + (liang * 50 if liang is not None else 250)
    elif match["kg"]:
        grams = int(match["kg"]) * 1000 + int(match["g"])
    else:
        value, unit = float(match["value"]), match["unit"]
        if unit in ("kg", "公斤", "千克") or (unit is None and value < 10):
            grams = round(value * 1000.0)
        elif unit == "斤":
            grams = round(value * 500)
        else:
            grams = round(value)
    return grams if 500 <= grams <= 15000 else None


def parse_length(said: Said) -> dict[str, Any] | None:
    match = re.search(rf"{NUM}\s*(cm|厘米|公分)?", said.text)
    if not match:
        return None
    value = float(match[1])
    return {"cm": value} if 30 <= value <= 90 else None


def parse_head(said: Said) -> dict[str, Any] | None:
    match = re.search(rf"{NUM}\s*(cm|厘米|公分)?", said.text)
    if not match:
        return None
    value = float(match[1])
    return {"cm": value} if 25 <= value <= 55 else None


# Weight-loss steps (DIARY.md; NICE NG75 / UNICEF Baby Friendly "faltering growth"): ≥ 10 % below birth weight
# is urgent, ≥ 7 % watch; birth weight not regained by day 14 is watch.
URGENT_LOSS = 0.10
WATCH_LOSS = 0.07
REGAIN_BY_DAY = 14


def weight_loss(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """≥ 10 % below birth weight is urgent, ≥ 7 % watch, still below it on day 14 watch (needs the birth weight)."""
    grams, birth = entry.fields.get("grams"), ctx.birth_weight_g
    if not birth or not isinstance(grams, int | float) or grams >= birth:
        return []
    loss = (birth - grams) / birth
    day = ctx.day_of_life(entry.occurred_at)
    if loss >= WATCH_LOSS:
        severity, step = (URGENT, "≥10%") if loss >= URGENT_LOSS else (WATCH, "≥7%")
    elif day is not None and day >= REGAIN_BY_DAY:
        severity, step = WATCH, f"出生第{day}天仍未恢复到出生体重"
    else:
        return []
    reason = texts.FLAG_REASONS["weight_loss"].format(
        grams=round(grams), birth=birth, percent=round(loss * 100, 1), step=step)
    return [alert(entry, "weight_loss", severity, reason)]


# Weight still falling after day 4 is watch (DIARY.md; NICE NG75 postnatal care: most babies lose weight in the first
# days and start to regain by day 3–4; UNICEF UK Baby Friendly "infant weight loss" guidance).
STILL_FALLING_AFTER_DAY = 4
EARLIER_WEIGHT_WINDOW = dt.timedelta(days=7)


def weight_still_falling(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """After day 4 of life, a weight below the one recorded before it (within a week)."""
    grams = entry.fields.get("grams")
    day = ctx.day_of_life(entry.occurred_at)
    if not isinstance(grams, int | float) or day is None or day <= STILL_FALLING_AFTER_DAY:
        return []
    earlier = [w for w in ctx.timeline("weight", entry.occurred_at - EARLIER_WEIGHT_WINDOW, entry.occurred_at)
               if w.id != entry.id and w.occurred_at < entry.occurred_at and isinstance(w.fields.get("grams"), int | float)]
    if not earlier or grams >= earlier[-1].fields["grams"]:
        return []
    reason = texts.FLAG_REASONS["weight_still_falling"].format(day=day, grams=round(grams),
                                                               before=round(earlier[-1].fields["grams"]))
    return [alert(entry, "weight_still_falling", WATCH, reason)]


register(EntryKind(
    name="weight", label="体重", order=70,
    fields=(Field("grams", "integer", 500, 15000),), required=("grams",),
    keywords=(*_WEIGHED, "kg", "公斤", "千克", "斤", "克"), parse=parse_weight, priority=100,
    flag_rules=(weight_loss, weight_still_falling),
))
register(EntryKind(
    name="length", label="身长", order=80,
    fields=(Field("cm", "number", 30, 90),), required=("cm",),
    keywords=("身长", "身高"), parse=parse_length, priority=110,
))
register(EntryKind(
    name="head", label="头围", order=85,
    fields=(Field("cm", "number", 25, 55),), required=("cm",),
    keywords=("头围",), parse=parse_head, priority=105,
))
