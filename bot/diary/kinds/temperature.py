"""Temperatures: the baby's (with the thermometer's site) and the mother's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import (
    CELSIUS,
    MOTHER,
    URGENT,
    WATCH,
    Alert,
    EntryKind,
    Field,
    FlagContext,
    Said,
    alert,
    celsius_text,
    register,
)
from bot.diary.reading import BABY_WORDS, MOTHER_WORDS, has
from bot.diary.summary import DaySummary

if TYPE_CHECKING:
    from bot.models import DiaryEntry

# 发热, 高烧 with a reading are one (发热到38度: 衛生署 / 国家卫健委 fever advice says 发热 for a measured fever); 探热 is
# Cantonese for taking the temperature (一探熱已經37.6度).
_WORDS = ("体温", "体问", "温度", "发烧", "发热", "高烧", "高热", "低烧", "低热", "探热", "腋温", "耳温", "额温", "肛温",
          "肛表", "口温", "口表")


def _body_temperature(body: str) -> str:
    """The line without the bath water's or the milk's temperature: 水温38度 is a bath, not a fever."""
    return re.sub(r"(?:洗澡水|水温度?|奶温度?|室温度?|温度计)[\s:是]*(?:\d+(?:\.\d+)?\s*(?:度|°c|°)?)?", " ", body)


def _celsius(body: str) -> float | None:
    body = re.sub(r"(?<![\d.])(\d{2})\s*度\s*(\d)(?![\d.])", r"\1.\2", body)  # 37度8 → 37.8
    match = re.search(r"(\d{2,3}(?:\.\d{1,2})?)", body)
    if not match:
        return None
    value = _plausible(match[1])
    # A range (37~37.2℃, 37.5到38度) is read at its top: an alarming reading is never dropped.
    upper = _RANGE_TOP.match(body, match.end())
    if value is not None and upper is not None:
        top = _plausible(upper[1])
        value = max(value, top) if top is not None else value
    return value


_RANGE_TOP = re.compile(r"\s*(?:度|°c|℃|°)?\s*(?:~|-|—|－|到|至)\s*(\d{2,3}(?:\.\d{1,2})?)")


def _plausible(number: str) -> float | None:
    value = float(number)
    if 340 <= value <= 430 and "." not in number:  # 368 typed for 36.8
        value /= 10
    return round(value, 2) if 30 <= value <= 45 else None


def _reading(body: str) -> dict[str, Any] | None:
    celsius = _celsius(body)
    if celsius is None:
        return None
    fields: dict[str, Any] = {"celsius": celsius}
    if has(body, "耳"):
        fields["site"] = "ear"
    elif has(body, "额"):
        fields["site"] = "forehead"
    elif has(body, "腋"):
        fields["site"] = "axillary"
    elif has(body, "肛温", "肛表", "肛门温度", "肛门测"):
        fields["site"] = "rectal"
    elif has(body, "口温", "口表", "舌下"):
        fields["site"] = "oral"
    return fields


def _baby_part(body: str) -> str | None:
    """The clause about the baby in a line that also speaks of the mother, if it holds a number."""
    clauses = [c for c in re.split(rf"[\s,，;；、]+|(?=(?:{'|'.join(MOTHER_WORDS)}))", body) if c]
    for clause in clauses:
        if has(clause, *BABY_WORDS) and not has(clause, *MOTHER_WORDS) and re.search(r"\d", clause):
            return clause
    return None


def _baby_reading(body: str) -> dict[str, Any] | None:
    part = _baby_part(body)
    return _reading(part) if part is not None else None


def parse_mother_temperature(said: Said) -> dict[str, Any] | None:
    body = _body_temperature(said.text)
    if not said.mother or not has(body, *_WORDS) or _baby_reading(body):
        return None
    reading = _reading(body)
    return {"celsius": reading["celsius"]} if reading else None  # the mother's has no site


def parse_temperature(said: Said) -> dict[str, Any] | None:
    body = _body_temperature(said.text)
    if not has(body, *_WORDS):
        return None
    if said.mother:
        # 宝宝体温36.5 妈妈体温37.8 as one piece: the baby's reading (the line's pieces give the mother's its own entry).
        return _baby_reading(body)
    return _reading(body)


def summarise_temperatures(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    summary.temperatures_celsius += [float(e.fields["celsius"]) for e in entries if e.fields.get("celsius") is not None]


def summarise_mother_temperatures(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    summary.mother_temperatures_celsius += [
        float(e.fields["celsius"]) for e in entries if e.fields.get("celsius") is not None
    ]


def _temps(values: list[float]) -> str:
    return "、".join(celsius_text(c) for c in values)


def temperature_lines(summary: DaySummary) -> list[str]:
    return [texts.SUMMARY_TEMPS.format(temps=_temps(summary.temperatures_celsius))] if summary.temperatures_celsius else []


def mother_temperature_lines(summary: DaySummary) -> list[str]:
    if not summary.mother_temperatures_celsius:
        return []
    return [texts.SUMMARY_MOTHER_TEMPS.format(temps=_temps(summary.mother_temperatures_celsius))]


# DIARY.md, from China's 新生儿访视技术规范 (体温≥37.5℃或≤35.5℃ is a referral) and NICE NG143 (fever under 5;
# ear and forehead thermometers are not for the first weeks): axillary ≥ 37.5 °C or ≤ 35.5 °C in the first 28 days is
# urgent, ≥ 38.0 °C after; an ear or forehead reading asks for an axillary re-check and is urgent at ≥ 38.0 °C. A
# rectal or oral reading runs higher than an axillary one (its normal range reaches 37.9 °C): 38.0 °C is a fever by
# any site (NICE NG143 1.1.1; AAP, fever in infants), 37.5–37.9 °C asks for the axillary re-check like an ear reading.
NEWBORN_DAYS = 28
FEVER_C = 38.0
NEWBORN_RAISED_C = 37.5
LOW_C = 35.5
# WHO, Thermal protection of the newborn: a practical guide (WHO/RHT/MSM/97.2, 1997): normal axillary 36.5–37.5 °C;
# 36.0–36.4 °C is cold stress (mild hypothermia), 32.0–35.9 °C moderate hypothermia. Below 36.5 °C is watch (warm
# the baby, re-check): 36.0–36.4 as ``cool_temperature``, 35.6–35.9 as ``low_temperature``; ≤ 35.5 is urgent above.
COOL_C = 36.5
HYPOTHERMIA_C = 36.0


def baby_temperature(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Urgent at ≥ 37.5 °C (first 28 days) or ≥ 38.0 °C, and at ≤ 35.5 °C; ear/forehead readings ask for a re-check."""
    value = entry.fields.get("celsius")
    if not isinstance(value, int | float):
        return []
    c = float(value)
    day = ctx.day_of_life(entry.occurred_at)
    newborn = day is None or day <= NEWBORN_DAYS  # a confinement diary's baby is a newborn unless told otherwise
    site = entry.fields.get("site")
    if c >= FEVER_C:
        return [alert(entry, "fever", URGENT, texts.FLAG_REASONS["fever"].format(celsius=c))]
    if c <= LOW_C:
        return [alert(entry, "low_temperature", URGENT, texts.FLAG_REASONS["low_temperature"].format(celsius=c))]
    if c < HYPOTHERMIA_C:
        return [alert(entry, "low_temperature", WATCH, texts.FLAG_REASONS["cool_temperature"].format(celsius=c))]
    if c < COOL_C:
        return [alert(entry, "cool_temperature", WATCH, texts.FLAG_REASONS["cool_temperature"].format(celsius=c))]
    if c >= NEWBORN_RAISED_C:
        if site in texts.SITE_LABELS:
            reason = texts.FLAG_REASONS["recheck_temperature"].format(site=texts.SITE_LABELS[site], celsius=c)
            return [alert(entry, "raised_temperature", WATCH, reason)]
        if newborn:
            return [alert(entry, "raised_temperature", URGENT,
                          texts.FLAG_REASONS["raised_temperature_newborn"].format(celsius=c))]
        return [alert(entry, "raised_temperature", WATCH, texts.FLAG_REASONS["raised_temperature"].format(celsius=c))]
    return []


def mother_fever(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    value = entry.fields.get("celsius")
    if isinstance(value, int | float) and value >= 38.0:
        return [alert(entry, "mother_fever", URGENT, texts.FLAG_REASONS["mother_fever"].format(celsius=value))]
    return []


# A reading alone, no word for it: 37.8, 38.6度, 36.5℃ (one decimal, in the body's range).
_BARE_READING = re.compile(r"\s*(3[4-9]|4[0-2])\.(\d)\s*(?:度|℃|°c?)?\s*")


def bare_temperature(said: Said) -> dict[str, Any] | None:
    """A body temperature written with no word for it, beside another event (睡醒37.8): the baby's reading, unless the
    piece speaks of the mother. The parser asks it of such pieces, and of a line that is only such a reading (a
    baby-log's one-number line: nothing else a newborn's diary writes with one decimal in 34.0–42.9 — a weight in
    kilograms and a bilirubin value are below it, millilitres and minutes are whole); a lone whole number stays a
    note."""
    match = _BARE_READING.fullmatch(said.text)
    if match is None or said.mother:
        return None
    return {"celsius": float(f"{match[1]}.{match[2]}")}


register(EntryKind(
    name="temperature", label="体温", order=60,
    fields=(CELSIUS, Field("site", "choice", options=("axillary", "ear", "forehead", "rectal", "oral"))),
    required=("celsius",),
    keywords=_WORDS, parse=parse_temperature, priority=21,
    summarise=summarise_temperatures, summary_lines=temperature_lines,
    flag_rules=(baby_temperature,),
))
register(EntryKind(
    name="mother_temperature", about=MOTHER, label="产妇体温", order=170,
    fields=(CELSIUS,), required=("celsius",),
    keywords=_WORDS, parse=parse_mother_temperature, priority=20,
    summarise=summarise_mother_temperatures, summary_lines=mother_temperature_lines,
    flag_rules=(mother_fever,),
))
