"""Temperatures: the baby's (with the thermometer's site) and the mother's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import CELSIUS, URGENT, WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register
from bot.diary.reading import BABY_WORDS, MOTHER_WORDS, has
from bot.diary.summary import DaySummary

if TYPE_CHECKING:
    from bot.models import DiaryEntry

_WORDS = ("体温", "体问", "温度", "发烧", "腋温", "耳温", "额温")


def _body_temperature(body: str) -> str:
    """The line without the bath water's or the milk's temperature: 水温38度 is a bath, not a fever."""
    return re.sub(r"(?:洗澡水|水温度?|奶温度?|室温度?|温度计)[\s:是]*(?:\d+(?:\.\d+)?\s*(?:度|°c|°)?)?", " ", body)


def _celsius(body: str) -> float | None:
    body = re.sub(r"(?<![\d.])(\d{2})\s*度\s*(\d)(?![\d.])", r"\1.\2", body)  # 37度8 → 37.8
    match = re.search(r"(\d{2,3}(?:\.\d{1,2})?)", body)
    if not match:
        return None
    value = float(match[1])
    if 340 <= value <= 430 and "." not in match[1]:  # 368 typed for 36.8
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
        # 宝宝体温36.5 妈妈体温37.8: one line is one entry, so the baby's reading is kept as the entry
        # and the mother's stays in the text (a known limitation: it raises no mother_fever flag).
        return _baby_reading(body)
    return _reading(body)


def second_reading(body: str) -> str | None:
    """A baby's and a mother's temperature on one line: only the baby's becomes the entry."""
    two = has(body, *MOTHER_WORDS) and has(body, *BABY_WORDS) and len(re.findall(r"3\d(?:\.\d)?", body)) >= 2
    return texts.SECOND_READING if two else None


def summarise_temperatures(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    summary.temperatures_celsius += [float(e.fields["celsius"]) for e in entries if e.fields.get("celsius") is not None]


def summarise_mother_temperatures(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    summary.mother_temperatures_celsius += [
        float(e.fields["celsius"]) for e in entries if e.fields.get("celsius") is not None
    ]


def _temps(values: list[float]) -> str:
    return "、".join(f"{c:g}℃" for c in values)


def temperature_lines(summary: DaySummary) -> list[str]:
    return [texts.SUMMARY_TEMPS.format(temps=_temps(summary.temperatures_celsius))] if summary.temperatures_celsius else []


def mother_temperature_lines(summary: DaySummary) -> list[str]:
    if not summary.mother_temperatures_celsius:
        return []
    return [texts.SUMMARY_MOTHER_TEMPS.format(temps=_temps(summary.mother_temperatures_celsius))]


def baby_temperature(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """≥ 38.0 °C or below 36.0 °C is urgent; 37.5–37.9 °C is watch."""
    value = entry.fields.get("celsius")
    if not isinstance(value, int | float):
        return []
    c = float(value)
    if c >= 38.0:
        return [alert(entry, "fever", URGENT, texts.FLAG_REASONS["fever"].format(celsius=c))]
    if c < 36.0:
        return [alert(entry, "low_temperature", URGENT, texts.FLAG_REASONS["low_temperature"].format(celsius=c))]
    if c >= 37.5:
        return [alert(entry, "raised_temperature", WATCH, texts.FLAG_REASONS["raised_temperature"].format(celsius=c))]
    return []


def mother_fever(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    value = entry.fields.get("celsius")
    if isinstance(value, int | float) and value >= 38.0:
        return [alert(entry, "mother_fever", URGENT, texts.FLAG_REASONS["mother_fever"].format(celsius=value))]
    return []


register(EntryKind(
    name="temperature", label="体温", order=60,
    fields=(CELSIUS, Field("site", "choice", options=("axillary", "ear", "forehead"))), required=("celsius",),
    keywords=_WORDS, parse=parse_temperature, priority=21, hint=second_reading,
    summarise=summarise_temperatures, summary_lines=temperature_lines,
    flag_rules=(baby_temperature,),
))
register(EntryKind(
    name="mother_temperature", label="产妇体温", order=170,
    fields=(CELSIUS,), required=("celsius",),
    keywords=_WORDS, parse=parse_mother_temperature, priority=20,
    summarise=summarise_mother_temperatures, summary_lines=mother_temperature_lines,
    flag_rules=(mother_fever,),
))
