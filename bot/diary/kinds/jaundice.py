"""Jaundice: how far it reaches, a bilirubin reading with its unit, and whether it has gone."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import URGENT, WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register
from bot.diary.reading import NEGATION, affirmed, has

if TYPE_CHECKING:
    from bot.models import DiaryEntry


# How far jaundice reaches (Kramer's zones), furthest first; lay words included (身上 is the trunk).
_EXTENTS = (("soles", ("脚心", "脚底", "手心", "手掌", "脚掌", "手脚心")), ("legs", ("腿", "四肢", "脚", "手臂", "胳膊", "膝")),
            ("belly", ("肚", "腹")), ("chest", ("胸", "躯干", "身上", "身体", "背")),
            ("face", ("脸", "面", "头", "眼", "巩膜")))
# A yellow skin or eye named without the word 黄疸: 发黄, 黄染, 巩膜黄, 眼白有点黄.
_YELLOW = re.compile(r"发黄|黄染|皮肤黄|巩膜黄|眼白(?:有点|有些|偏|发)?黄|脸(?:有点|有些|偏|发)?黄|偏黄")
_NO_YELLOW = re.compile(rf"{NEGATION}(?:怎么|太|发|有)?黄")
# mg/dL and µmol/L: 1 mg/dL = 17.1 µmol/L.
UMOL_PER_MG = 17.1
# A number that is no reading: an age, a day, a count, a date, a clock, a room (3-4 digits first on the line).
_NOT_READING = re.compile(r"\s*(?:天|日|周|个月|月|岁|号|床|房|室|次|点|时|:|年|斤|克|g\b|kg|ml|毫升|分钟|小时)")
_UNIT = re.compile(r"\s*(?P<mg>mg\s*/?\s*d?l?|毫克)|\s*(?P<umol>[uμµ]mol\s*/?\s*l?|微摩尔)")


def parse_jaundice(said: Said) -> dict[str, Any] | None:
    body = said.text
    fields: dict[str, Any] = {}
    # Parts said not to be yellow (手心脚心不黄) are no extent.
    parts = [p for p in re.split(r"[，,。;；、]|而|但|和|及", body) if p and not _NO_YELLOW.search(p)]
    found = " ".join(parts)
    for extent, words in _EXTENTS:
        if any(affirmed(found, w) for w in words):
            fields["extent"] = extent
            break
    reading = bilirubin_reading(body)
    if reading is not None:
        fields["bilirubin"], fields["bilirubin_unit"] = reading
    if has(body, "退了", "消退", "没有了", "已退", "不黄了", "褪了"):
        fields["resolved"] = True
    if not fields and not has(body, "黄疸", "胆红素", "经皮") and _YELLOW.search(body) is None:
        return None
    return fields


def bilirubin_reading(body: str) -> tuple[float, str] | None:
    """A bilirubin value with its unit: said (mg/dL, μmol/L) or told by its size (≤ 35 mg/dL, 50–600 μmol/L)."""
    for match in re.finditer(r"(?<![\d.第])(\d+(?:\.\d+)?)", body):
        after = body[match.end():]
        if _NOT_READING.match(after) or (match.start() == 0 and len(match[1]) >= 3 and after.startswith(" ")):
            continue
        value = float(match[1])
        unit = _UNIT.match(after)
        if unit is not None:
            name = "mg/dL" if unit["mg"] else "umol/L"
            limit = MAX_MG_DL if name == "mg/dL" else MAX_MG_DL * UMOL_PER_MG
            return (value, name) if 0 < value <= limit else None
        if 0 < value <= MAX_MG_DL:
            return value, "mg/dL"
        if MIN_UMOL <= value <= MAX_MG_DL * UMOL_PER_MG:
            return value, "umol/L"
    return None


MAX_MG_DL = 35.0  # beyond any newborn's bilirubin: a date or a typo, kept in the text
MIN_UMOL = 50.0

# AAP 2022 hyperbilirubinemia guideline (Kemper et al., Pediatrics 150(3):e2022058859), phototherapy thresholds
# without neurotoxicity risk factors, 38 weeks' gestation (the lowest term curve: a baby is term unless the
# agency gives a gestational age), in mg/dL by hour of age; values read from the guideline's supplementary table
# (as transcribed in github:sirirajnicu/jaundice-assistant-backend resources/photo_no_risk/GA38.csv).
PHOTOTHERAPY_38W_MG_DL = ((0, 7.9), (12, 10.1), (24, 12.3), (36, 14.2), (48, 16.0), (60, 17.5), (72, 18.8), (84, 19.9),
                          (96, 20.7), (120, 20.9), (144, 21.0), (168, 21.1), (192, 21.2), (240, 21.4), (336, 21.8))
JAUNDICE_WATCH_FROM_DAY = 14  # jaundice still present at day 14 is watch (DIARY.md; NICE CG98 prolonged jaundice)


def phototherapy_threshold(hour_of_age: float) -> float:
    """The AAP 2022 threshold (mg/dL) at an hour of age, linear between the table's hours."""
    points = PHOTOTHERAPY_38W_MG_DL
    if hour_of_age >= points[-1][0]:
        return points[-1][1]
    for (h0, v0), (h1, v1) in itertools.pairwise(points):
        if h0 <= hour_of_age <= h1:
            return round(v0 + (v1 - v0) * (hour_of_age - h0) / (h1 - h0), 1)
    return points[0][1]


def jaundice_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Jaundice on day 1, reaching legs/palms/soles, or a bilirubin at the phototherapy line is urgent;
    still there on day 14 is watch."""
    f = entry.fields
    if f.get("resolved"):
        return []
    found: list[Alert] = []
    day = ctx.day_of_life(entry.occurred_at)
    if day == 1:
        found.append(alert(entry, "early_jaundice", URGENT, texts.FLAG_REASONS["early_jaundice"]))
    if f.get("extent") in ("legs", "soles"):
        extent = texts.JAUNDICE_EXTENTS[f["extent"]]
        found.append(alert(entry, "spreading_jaundice", URGENT, texts.FLAG_REASONS["spreading_jaundice"].format(extent=extent)))
    value, unit = f.get("bilirubin"), f.get("bilirubin_unit")
    if isinstance(value, int | float) and day is not None and day >= 1:
        mg = float(value) / UMOL_PER_MG if unit == "umol/L" else float(value)
        # Only the birth date is known: judge against the lowest threshold of that day (its first hour).
        threshold = phototherapy_threshold((day - 1) * 24)
        if mg >= threshold:
            shown = f"{value:g}{'μmol/L' if unit == 'umol/L' else 'mg/dL'}"
            limit = f"{threshold:g}mg/dL ≈ {round(threshold * UMOL_PER_MG)}μmol/L"
            found.append(alert(entry, "high_bilirubin", URGENT,
                               texts.FLAG_REASONS["high_bilirubin"].format(value=shown, day=day, threshold=limit)))
    if day is not None and day >= JAUNDICE_WATCH_FROM_DAY:
        found.append(alert(entry, "lasting_jaundice", WATCH, texts.FLAG_REASONS["lasting_jaundice"].format(day=day)))
    return found


register(EntryKind(
    name="jaundice", label="黄疸", order=90,
    fields=(
        Field("extent", "choice", options=("face", "chest", "belly", "legs", "soles")),
        Field("bilirubin", "number", 0, 1000),
        Field("bilirubin_unit", "choice", options=("mg/dL", "umol/L")),
        Field("resolved", "boolean"),
    ),
    keywords=("黄疸", "黄胆", "胆红素", "经皮", "发黄", "黄染", "巩膜", "眼白", "皮肤黄", "偏黄"), parse=parse_jaundice,
    priority=80,
    flag_rules=(jaundice_signs,),
))
