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

# AAP 2022 hyperbilirubinemia guideline (Kemper et al., Pediatrics 150(3):e2022058859, figure 2 and its
# supplementary table): phototherapy thresholds for infants without neurotoxicity risk factors, in mg/dL by hour of
# age, one curve per completed week of gestation (the guideline covers ≥ 35 weeks). The values at these hours are
# taken from the guideline's hour-by-hour table as transcribed in github:sirirajnicu/jaundice-assistant-backend
# resources/photo_no_risk/GA35.csv … GA40.csv (commits 28275aac, a4d0ba94); between two hours the line is straight.
_HOURS = (0, 12, 24, 36, 48, 60, 72, 84, 96, 120, 144, 168, 192, 240, 336)
PHOTOTHERAPY_MG_DL: dict[int, tuple[float, ...]] = {
    35: (6.4, 8.5, 10.6, 12.5, 14.2, 15.6, 16.8, 17.8, 18.6, 18.7, 18.8, 18.9, 19.0, 19.2, 19.6),
    36: (6.9, 9.0, 11.2, 13.1, 14.8, 16.2, 17.5, 18.5, 19.3, 19.4, 19.5, 19.6, 19.7, 19.9, 20.4),
    37: (7.4, 9.6, 11.7, 13.6, 15.4, 16.9, 18.1, 19.2, 20.0, 20.2, 20.3, 20.4, 20.5, 20.7, 21.1),
    38: (7.9, 10.1, 12.3, 14.2, 16.0, 17.5, 18.8, 19.9, 20.7, 20.9, 21.0, 21.1, 21.2, 21.4, 21.8),
    39: (8.4, 10.6, 12.8, 14.8, 16.6, 18.1, 19.5, 20.6, 21.5, 21.6, 21.7, 21.8, 21.8, 21.8, 21.8),
    40: (8.9, 11.1, 13.3, 15.3, 17.0, 18.5, 19.8, 20.9, 21.8, 21.8, 21.8, 21.8, 21.8, 21.8, 21.8),  # ≥ 40 weeks
}
AAP_MIN_WEEKS = 35  # younger babies are outside the guideline: judged on its lowest (35-week) curve
AAP_MAX_WEEKS = 40  # the guideline's last curve is "≥ 40 weeks"
# A baby is term unless the agency gives a gestational age: the 38-week curve, the lowest of the term ones.
ASSUMED_WEEKS = 38
EARLY_JAUNDICE_HOURS = 24  # jaundice in the first 24 hours of life is urgent (DIARY.md; AAP 2022, NICE CG98)
JAUNDICE_WATCH_FROM_DAY = 14  # jaundice still present at day 14 is watch (DIARY.md; NICE CG98 prolonged jaundice)


def phototherapy_threshold(hour_of_age: float, gestation_weeks: int | None = None) -> float:
    """The AAP 2022 threshold (mg/dL) at an hour of age for a gestational age, linear between the table's hours."""
    weeks = ASSUMED_WEEKS if gestation_weeks is None else min(max(gestation_weeks, AAP_MIN_WEEKS), AAP_MAX_WEEKS)
    points = tuple(zip(_HOURS, PHOTOTHERAPY_MG_DL[weeks], strict=True))
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
    hours = ctx.hour_of_age(entry.occurred_at)
    if hours is not None and hours < 0:
        hours = None  # a time of birth after the entry is a typo in one of them: go by the day
    if (hours < EARLY_JAUNDICE_HOURS if hours is not None else day == 1):
        found.append(alert(entry, "early_jaundice", URGENT, texts.FLAG_REASONS["early_jaundice"]))
    if f.get("extent") in ("legs", "soles"):
        extent = texts.JAUNDICE_EXTENTS[f["extent"]]
        found.append(alert(entry, "spreading_jaundice", URGENT, texts.FLAG_REASONS["spreading_jaundice"].format(extent=extent)))
    value, unit = f.get("bilirubin"), f.get("bilirubin_unit")
    born_day = day is not None and day >= 1
    if isinstance(value, int | float) and (hours is not None or born_day):
        mg = float(value) / UMOL_PER_MG if unit == "umol/L" else float(value)
        if hours is not None:
            threshold = phototherapy_threshold(hours, ctx.gestation_weeks)
            age = texts.HOUR_OF_AGE.format(hours=int(hours))
        else:
            # Only the birth date is known: judge against the lowest threshold of that day (its first hour).
            assert day is not None
            threshold = phototherapy_threshold((day - 1) * 24, ctx.gestation_weeks)
            age = texts.DAY_OF_AGE.format(day=day)
        if mg >= threshold:
            shown = f"{value:g}{'μmol/L' if unit == 'umol/L' else 'mg/dL'}"
            limit = f"{threshold:g}mg/dL ≈ {round(threshold * UMOL_PER_MG)}μmol/L"
            if ctx.gestation_weeks is not None:
                limit = texts.GESTATION_WEEKS.format(weeks=ctx.gestation_weeks) + " " + limit
            found.append(alert(entry, "high_bilirubin", URGENT,
                               texts.FLAG_REASONS["high_bilirubin"].format(value=shown, age=age, threshold=limit)))
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
