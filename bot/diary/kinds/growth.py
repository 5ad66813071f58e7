"""Growth: weight, length and head circumference."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import URGENT, WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register
from bot.diary.reading import NUM

if TYPE_CHECKING:
    from bot.models import DiaryEntry


def parse_weight(said: Said) -> dict[str, Any] | None:
    body = said.text
    jin = re.search(r"(\d+)\s*斤\s*(?:(\d)\s*两|(半))", body)  # 6斤8两 (1斤 = 500 g, 1两 = 50 g), 7斤半
    if jin:
        whole = int(jin[1]) * 500 + (int(jin[2]) * 50 if jin[2] else 250)
        return {"grams": whole} if 500 <= whole <= 15000 else None
    match = re.search(rf"{NUM}\s*(kg|公斤|千克|斤|g|克)?", body)
    if not match:
        return None
    value, unit = float(match[1]), match[2]
    if unit in ("kg", "公斤", "千克") or (unit is None and value < 10):
        grams = value * 1000.0
    elif unit == "斤":
        grams = value * 500
    else:
        grams = value
    return {"grams": round(grams)} if 500 <= grams <= 15000 else None


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
    keywords=("体重", "称重", "秤", "称了"), parse=parse_weight, priority=100,
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
