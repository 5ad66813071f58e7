"""Jaundice: how far it reaches, a bilirubin reading with its unit, and whether it has gone."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import (
    URGENT,
    WATCH,
    Alert,
    EntryKind,
    Field,
    FlagContext,
    Said,
    alert,
    field_parts,
    register,
    spaced,
)
from bot.diary.reading import NEGATION, affirmed, has

if TYPE_CHECKING:
    from bot.models import DiaryEntry


# How far jaundice reaches (Kramer's zones), furthest first; lay words included (身上 is the trunk; 全身, all over the
# body, takes in the palms and soles: Kramer's zone 5).
_EXTENTS = (("soles", ("脚心", "脚底", "手心", "手掌", "脚掌", "手脚心", "全身")),
            ("legs", ("腿", "四肢", "脚", "手臂", "胳膊", "膝")),
            ("belly", ("肚", "腹")), ("chest", ("胸", "躯干", "身上", "身体", "背")),
            ("face", ("脸", "面", "头", "眼", "巩膜")))
# A yellow skin or eye named without the word 黄疸: 发黄, 黄染, 巩膜黄, 眼白有点黄.
_YELLOW = re.compile(r"发黄|黄染|皮肤黄|巩膜黄|眼白(?:有点|有些|偏|发)?黄|脸(?:有点|有些|偏|发)?黄|偏黄")
# Yellow said of urine or stool (尿偏黄, 大便发黄, 尿有点黄): the nappy's colour.
_NAPPY_YELLOW = re.compile(r"(?:尿|便|屎|尿布)(?:色|液)?(?:有点|有些|很|较)?(?:偏|发)?黄")
_NO_YELLOW = re.compile(rf"{NEGATION}(?:怎么|太|发|有)?黄")
# mg/dL and µmol/L: 1 mg/dL = 17.1 µmol/L.
UMOL_PER_MG = 17.1
# A number that is no reading: an age, a day, a count, a date, a clock, a room (3-4 digits first on the line).
_NOT_READING = re.compile(r"\s*(?:天|日|周|个月|月|岁|号|床|房|室|次|点|时|:|年|斤|克|g\b|kg|ml|毫升|分钟|小时)")
_UNIT = re.compile(r"\s*(?P<mg>mg\s*/?\s*d?l?|毫克)|\s*(?P<umol>[uμµ]mol\s*/?\s*l?|微摩尔)")


def parse_jaundice(said: Said) -> dict[str, Any] | None:
    body = said.text
    under_lamps = _under_lamps(body)
    if not has(body, *_WORDS) and not under_lamps:
        return None  # phototherapy denied or not needed (指数12以下无须光疗) is no jaundice day
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
        method = reading_method(body)
        if method is not None:
            fields["method"] = method
    if has(body, "退了", "消退", "没有了", "已退", "不黄了", "褪了"):
        fields["resolved"] = True
    if under_lamps:
        fields["phototherapy"] = True  # under the lamps: treated by the hospital, a jaundice day (照光, 照灯 fold here)
    if not fields and not has(body, "黄疸", "胆红素", "经皮") and not _YELLOW.search(_NAPPY_YELLOW.sub(" ", body)):
        return None  # 尿偏黄: the urine's colour is the nappy's, no yellow skin
    return fields


_WORDS = ("黄疸", "黄胆", "胆红素", "经皮", "tcb", "发黄", "黄染", "巩膜", "眼白", "皮肤黄", "偏黄")
# Phototherapy in the words parents use (Taiwan's 照光 and Hong Kong's 照燈 fold to 光疗: data/regional_words.yaml).
_PHOTOTHERAPY = ("光疗", "蓝光", "照光", "光照治疗")
# Phototherapy needed or asked about (需要照蓝光, 是否需要继续照蓝光, 要不要照光) is the doctor's question, not a day under it.
_NEEDED = re.compile(r"(?:需要?|要不要|是否|该不该|应该|得)(?:继续|再)?照?$")


def _under_lamps(body: str) -> bool:
    for word in _PHOTOTHERAPY:
        at = body.find(word)
        if at >= 0 and affirmed(body, word) and not _NEEDED.search(body[max(0, at - 6):at]):
            return True
    return False


# How the reading was taken: transcutaneous (a skin meter, 经皮/TcB) or serum (a blood test, 血清/抽血/TSB).
_TRANSCUTANEOUS = ("经皮", "tcb", "皮测", "黄疸仪")
_SERUM = ("血清", "抽血", "tsb", "静脉血", "微量血", "血检", "验血", "足跟血")


def reading_method(body: str) -> str | None:
    if has(body, *_SERUM):
        return "serum"
    if has(body, *_TRANSCUTANEOUS):
        return "transcutaneous"
    return None


def bilirubin_reading(body: str) -> tuple[float, str] | None:
    """A bilirubin value with its unit: said (mg/dL, μmol/L) or told by its size (below 50: mg/dL; 50–1000: μmol/L).

    No value is dropped for being high: above 35 mg/dL is the kernicterus range (urgent), and a value no newborn
    has (``IMPLAUSIBLE_MG_DL``) is kept and asked about (see ``jaundice_signs``)."""
    # A value that came down or went up to another (从16降到12, 从昨天的15降到了11): the reading is the one it came to.
    came_to = _CAME_TO.search(body)
    start = came_to.end() if came_to is not None and re.search(r"\d", body[came_to.end():]) else 0
    # A number inside a Latin word is no reading: G6PD (glucose-6-phosphate dehydrogenase), vitamin D3.
    for match in _NUMBER.finditer(body, start):
        after = body[match.end():]
        if _NOT_READING.match(after) or (match.start() == 0 and len(match[1]) >= 3 and after.startswith(" ")):
            continue
        value = float(match[1])
        unit = _UNIT.match(after)
        if unit is not None:
            name = "mg/dL" if unit["mg"] else "umol/L"
            return (value, name) if 0 < value <= MAX_STORED else None
        if 0 < value < MIN_UMOL:
            return value, "mg/dL"
        if MIN_UMOL <= value <= MAX_STORED:
            return value, "umol/L"
    return None


_NUMBER = re.compile(r"(?<![\d.第a-z])(\d+(?:\.\d+)?)")
_CAME_TO = re.compile(r"(?:降|退|回|升|涨|升高|下降|增加|上升)(?:了)?(?:到|至|为)了?|变成了?")
# The bilirubin field's bound (bot.diary.kinds.Field below): a reading is stored up to it, whatever its size.
MAX_STORED = 1000.0
# Without a unit a number below 50 is mg/dL (35–50 mg/dL is extreme but real), from 50 μmol/L (≈ 2.9 mg/dL).
MIN_UMOL = 50.0
# AAP 2022 (Kemper et al., Pediatrics 2022;150(3):e2022058859): its exchange-transfusion lines end below 30 mg/dL;
# a value above 35 mg/dL (598 μmol/L) is beyond every line, the range where kernicterus is reported: urgent.
EXTREME_MG_DL = 35.0
# Not from a guideline: the highest bilirubins in kernicterus case reports are in the 40s–50s mg/dL; above 60 mg/dL
# (1026 μmol/L) a reading is far more likely a slip (a μmol value typed as mg, a date) and is asked about.
IMPLAUSIBLE_MG_DL = 60.0

# AAP 2022 hyperbilirubinemia guideline (Kemper et al., Pediatrics 2022;150(3):e2022058859, figures 2 and 3 and the
# supplementary tables): phototherapy thresholds in mg/dL by hour of age, one curve per completed week of gestation
# (the guideline covers ≥ 35 weeks). The values at these hours are taken from the guideline's hour-by-hour tables as
# transcribed in github:sirirajnicu/jaundice-assistant-backend@4a728ffc5c2a0d8d345e47d469ce078f4a0b3a37
# resources/photo_no_risk/GA35.csv … GA40.csv (no neurotoxicity risk factor) and resources/photo_at_risk/GA35.csv …
# GA38.csv (one or more risk factors; the last is "≥ 38 weeks"); between two hours the line is straight. The tables
# start at hour 1; hour 0 here is hour 1's value.
_HOURS = (0, 12, 24, 36, 48, 60, 72, 84, 96, 120, 144, 168, 192, 240, 336)
PHOTOTHERAPY_MG_DL: dict[int, tuple[float, ...]] = {
    35: (6.4, 8.5, 10.6, 12.5, 14.2, 15.6, 16.8, 17.8, 18.6, 18.7, 18.8, 18.9, 19.0, 19.2, 19.6),
    36: (6.9, 9.0, 11.2, 13.1, 14.8, 16.2, 17.5, 18.5, 19.3, 19.4, 19.5, 19.6, 19.7, 19.9, 20.4),
    37: (7.4, 9.6, 11.7, 13.6, 15.4, 16.9, 18.1, 19.2, 20.0, 20.2, 20.3, 20.4, 20.5, 20.7, 21.1),
    38: (7.9, 10.1, 12.3, 14.2, 16.0, 17.5, 18.8, 19.9, 20.7, 20.9, 21.0, 21.1, 21.2, 21.4, 21.8),
    39: (8.4, 10.6, 12.8, 14.8, 16.6, 18.1, 19.5, 20.6, 21.5, 21.6, 21.7, 21.8, 21.8, 21.8, 21.8),
    40: (8.9, 11.1, 13.3, 15.3, 17.0, 18.5, 19.8, 20.9, 21.8, 21.8, 21.8, 21.8, 21.8, 21.8, 21.8),  # ≥ 40 weeks
}
PHOTOTHERAPY_RISK_MG_DL: dict[int, tuple[float, ...]] = {
    35: (4.9, 6.9, 8.9, 10.6, 12.2, 13.5, 14.6, 15.5, 16.1, 16.3, 16.4, 16.5, 16.6, 16.9, 17.4),
    36: (5.4, 7.4, 9.4, 11.2, 12.8, 14.2, 15.4, 16.3, 17.0, 17.1, 17.3, 17.4, 17.5, 17.7, 18.2),
    37: (5.9, 8.0, 10.0, 11.9, 13.5, 14.9, 16.1, 17.1, 17.9, 18.0, 18.1, 18.2, 18.2, 18.2, 18.2),
    38: (6.4, 8.5, 10.5, 12.4, 14.0, 15.4, 16.6, 17.5, 18.2, 18.2, 18.2, 18.2, 18.2, 18.2, 18.2),  # ≥ 38 weeks
}
# AAP 2022 table 2, hyperbilirubinemia neurotoxicity risk factors (besides gestation < 38 weeks, which the curves
# already hold): isoimmune haemolytic disease, G6PD deficiency or other haemolysis, albumin < 3.0 g/dL, sepsis,
# significant clinical instability in the previous 24 hours. When the agency does not say the baby has none, the
# risk-factor curves are used: the safer ones.
RISK_FACTORS = ("isoimmune_haemolysis", "g6pd_deficiency", "low_albumin", "sepsis", "instability")
AAP_MIN_WEEKS = 35  # younger babies are outside the guideline: their readings go to a person (needs_review)
AAP_MAX_WEEKS = 40  # the guideline's last curve is "≥ 40 weeks" (with risk factors: "≥ 38 weeks")
# A baby is term unless the agency gives a gestational age: the 38-week curve, the lowest of the term ones.
ASSUMED_WEEKS = 38
# AAP 2022 key action statement 7: a transcutaneous reading within 3 mg/dL of the phototherapy line, or at or above
# 15 mg/dL, is confirmed by a serum (blood) bilirubin.
TCB_MARGIN_MG_DL = 3.0
TCB_CONFIRM_MG_DL = 15.0
EARLY_JAUNDICE_HOURS = 24  # jaundice in the first 24 hours of life is urgent (DIARY.md; AAP 2022, NICE CG98)
# Without the hour of birth, calendar day 2 can still be the first 24 hours (born at 23:00, seen at 08:00 next day).
EARLY_JAUNDICE_DAYS = 2
JAUNDICE_WATCH_FROM_DAY = 14  # jaundice still present at day 14 is watch (DIARY.md; NICE CG98 prolonged jaundice)


def phototherapy_threshold(hour_of_age: float, gestation_weeks: int | None = None, risk: bool = False) -> float:
    """The AAP 2022 threshold (mg/dL) at an hour of age for a gestational age, linear between the table's hours;
    ``risk``: the curves for babies with a neurotoxicity risk factor (or where none is known to be absent)."""
    table = PHOTOTHERAPY_RISK_MG_DL if risk else PHOTOTHERAPY_MG_DL
    weeks = ASSUMED_WEEKS if gestation_weeks is None else min(max(gestation_weeks, AAP_MIN_WEEKS), max(table))
    points = tuple(zip(_HOURS, table[weeks], strict=True))
    if hour_of_age >= points[-1][0]:
        return points[-1][1]
    for (h0, v0), (h1, v1) in itertools.pairwise(points):
        if h0 <= hour_of_age <= h1:
            return round(v0 + (v1 - v0) * (hour_of_age - h0) / (h1 - h0), 1)
    return points[0][1]


def lowest_hour_of_day(day: int) -> int:
    """The youngest a baby can be on calendar day ``day`` of life (day 1 is the day of birth): born just before
    midnight, day 2 begins at hour 0 and day N at (N − 2) × 24 hours. The curves rise with age, so this hour gives
    the lowest line the day can have."""
    return max(0, (day - 2) * 24)


def jaundice_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Jaundice in the first 24 hours, reaching legs/palms/soles, or a bilirubin at the phototherapy line is urgent;
    still there on day 14 is watch; a reading outside the guideline (under 35 weeks, or no newborn's) goes to a
    person."""
    f = entry.fields
    if f.get("resolved"):
        return []
    found: list[Alert] = []
    day = ctx.day_of_life(entry.occurred_at)
    hours = ctx.hour_of_age(entry.occurred_at)
    if hours is not None and hours < 0:
        hours = None  # a time of birth after the entry is a typo in one of them: go by the day
    if hours is not None and hours < EARLY_JAUNDICE_HOURS:
        found.append(alert(entry, "early_jaundice", URGENT, texts.FLAG_REASONS["early_jaundice"]))
    elif hours is None and day is not None and 1 <= day <= EARLY_JAUNDICE_DAYS:
        reason = texts.FLAG_REASONS["early_jaundice" if day == 1 else "early_jaundice_day2"]
        found.append(alert(entry, "early_jaundice", URGENT, reason))
    if f.get("extent") in ("legs", "soles"):
        extent = texts.JAUNDICE_EXTENTS[f["extent"]]
        found.append(alert(entry, "spreading_jaundice", URGENT, texts.FLAG_REASONS["spreading_jaundice"].format(extent=extent)))
    found += _bilirubin_signs(ctx, entry, day, hours)
    if day is not None and day >= JAUNDICE_WATCH_FROM_DAY:
        found.append(alert(entry, "lasting_jaundice", WATCH, texts.FLAG_REASONS["lasting_jaundice"].format(day=day)))
    return found


def _bilirubin_signs(ctx: FlagContext, entry: DiaryEntry, day: int | None, hours: float | None) -> list[Alert]:
    f = entry.fields
    value, unit = f.get("bilirubin"), f.get("bilirubin_unit")
    if not isinstance(value, int | float) or value <= 0:
        return []
    mg = float(value) / UMOL_PER_MG if unit == "umol/L" else float(value)
    shown = f"{value:g}{'μmol/L' if unit == 'umol/L' else 'mg/dL'}"
    if mg > IMPLAUSIBLE_MG_DL:
        return [alert(entry, "needs_review", WATCH, texts.FLAG_REASONS["bilirubin_implausible"].format(value=shown))]
    weeks = ctx.gestation_weeks
    found: list[Alert] = []
    if mg > EXTREME_MG_DL:
        found.append(alert(entry, "high_bilirubin", URGENT, texts.FLAG_REASONS["bilirubin_extreme"].format(value=shown)))
    if weeks is not None and weeks < AAP_MIN_WEEKS:
        # Outside the guideline: a person judges every reading. One at or above the lowest line of all (35 weeks,
        # with risk factors) is above any preterm baby's line too: urgent as well.
        found.append(alert(entry, "needs_review", WATCH,
                           texts.FLAG_REASONS["bilirubin_preterm"].format(value=shown, weeks=weeks)))
    if hours is None and (day is None or day < 1):
        return found
    if hours is not None:
        at, age = hours, texts.HOUR_OF_AGE.format(hours=int(hours))
    else:
        assert day is not None
        at, age = lowest_hour_of_day(day), texts.DAY_OF_AGE.format(day=day)
    known = ctx.risk_factors
    preterm = weeks is not None and weeks < AAP_MIN_WEEKS
    risk = known is None or bool(known) or preterm  # unknown: the safer (risk-factor) curves
    threshold = phototherapy_threshold(at, AAP_MIN_WEEKS if preterm else weeks, risk)
    limit = f"{threshold:g}mg/dL ≈ {round(threshold * UMOL_PER_MG)}μmol/L"
    if weeks is not None and weeks >= AAP_MIN_WEEKS:
        limit = texts.GESTATION_WEEKS.format(weeks=weeks) + " " + limit
    if risk and not preterm:
        limit += texts.RISK_CURVE if known else texts.RISK_UNKNOWN_CURVE
    skin = f.get("method") == "transcutaneous"
    if mg >= threshold and mg <= EXTREME_MG_DL:
        key = "high_bilirubin_tcb" if skin else "high_bilirubin"
        found.append(alert(entry, "high_bilirubin", URGENT,
                           texts.FLAG_REASONS[key].format(value=shown, age=age, threshold=limit)))
    elif skin and mg < threshold and (mg >= threshold - TCB_MARGIN_MG_DL or mg >= TCB_CONFIRM_MG_DL):
        found.append(alert(entry, "high_bilirubin", WATCH,
                           texts.FLAG_REASONS["bilirubin_confirm"].format(value=shown, age=age, threshold=limit)))
    return found


def describe_jaundice(fields: Mapping[str, Any]) -> str:
    """``黄疸 面部 胆红素 12mg/dL 经皮``: the reading in the unit it was given in."""
    parts = field_parts(JAUNDICE, fields, skip=("bilirubin", "bilirubin_unit"))
    value = fields.get("bilirubin")
    if isinstance(value, int | float):
        unit = "μmol/L" if fields.get("bilirubin_unit") == "umol/L" else "mg/dL"
        parts.insert(1 if fields.get("extent") else 0, f"胆红素 {value:g}{unit}")
    return spaced(JAUNDICE.label, parts)


JAUNDICE = register(EntryKind(
    name="jaundice", label="黄疸", order=90,
    fields=(
        Field("extent", "choice", options=("face", "chest", "belly", "legs", "soles")),
        Field("bilirubin", "number", 0, 1000),
        Field("bilirubin_unit", "choice", options=("mg/dL", "umol/L")),
        Field("method", "choice", options=("serum", "transcutaneous")),
        Field("resolved", "boolean"),
        Field("phototherapy", "boolean"),
    ),
    keywords=(*_WORDS, *_PHOTOTHERAPY),
    parse=parse_jaundice,
    priority=80,
    flag_rules=(jaundice_signs,), describe=describe_jaundice,
))
