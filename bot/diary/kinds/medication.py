"""Medication (用药): what was given, how much, to whom — ``用药 维生素D 1粒``, ``妈妈 吃药 布洛芬 1片``.

The kind added to prove that a kind is one file: its fields, chat words, summary line
and (none yet: DIARY.md names no medication threshold) flag rules all live here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import EITHER, EntryKind, Field, Said, SummaryKey, field_parts, invalid, register, spaced
from bot.diary.reading import BABY_WORDS, CN_NUM, MOTHER_WORDS, cn_to_int
from bot.diary.summary import DaySummary

if TYPE_CHECKING:
    from bot.models import DiaryEntry

LABEL = "用药"
SUMMARY_LINE = "用药 {count} 次：{items}"
NO_NAME = "（未写药名）"
DOSE_NEEDS_UNIT = "填写剂量时需要单位"
MAX_NAME = 50

# unit → what the nurse writes (the first is how it is shown)
UNITS: dict[str, tuple[str, ...]] = {
    "drop": ("滴",), "capsule": ("粒", "颗"), "tablet": ("片",), "sachet": ("袋", "包"),
    "ml": ("ml", "毫升"), "mg": ("mg", "毫克"), "iu": ("iu", "单位"),
}
_UNIT_OF = {word: unit for unit, words in UNITS.items() for word in words}
_DOSE = re.compile(
    rf"(\d+(?:\.\d+)?|{CN_NUM}|半)\s*({'|'.join(sorted(_UNIT_OF, key=len, reverse=True))})(?!剂)"
)
_GIVING = r"用药|吃药|服药|喂药|上药|给药|吃了|喝了|滴了|服用|喂了?|给|营养补剂|补剂|补充"
# Spoons and scoops are how much, not what: 一勺益生菌 is 益生菌.
_MEASURE_WORDS = rf"(?:\d+|{CN_NUM}|半)?\s*(?:勺|小勺|量勺|滴管)"
_KEYWORDS = ("用药", "吃药", "服药", "喂药", "上药", "给药", "退烧药", "维生素", "伊可新", "星鲨", "滴剂", "益生菌",
             "鱼肝油", "布洛芬", "美林", "泰诺林", "对乙酰氨基酚", "药")
# What names a medicine: its words take 吃了/喂了 from the feeds (药 吃了, 美林 吃了: taken, not fed).
MEDICINE_WORDS = _KEYWORDS
# Medicine named only as such (药 吃了, 吃了药): taken, its name not said.
_NO_NAME = frozenset({"药", "药物", "西药", "中药"})


def _dose(text: str) -> tuple[re.Match[str] | None, float | None]:
    match = _DOSE.search(text)
    if match is None:
        return None, None
    number = 0.5 if match[1] == "半" else cn_to_int(match[1]) if not match[1][0].isdigit() else float(match[1])
    return match, (float(number) if number is not None else None)


def parse_medication(said: Said) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    text = said.text
    match, dose = _dose(text)
    if match is not None:
        if dose is not None and 0 < dose <= 1000:
            fields["dose"] = int(dose) if dose.is_integer() else dose
            fields["unit"] = _UNIT_OF[match[2]]
        text = text[:match.start()] + " " + text[match.end():]
    if said.mother:
        fields["patient"] = "mother"
    elif any(w in said.text for w in BABY_WORDS):
        fields["patient"] = "baby"
    for word in (*MOTHER_WORDS, *BABY_WORDS):
        text = text.replace(word, " ")
    name = re.sub(_MEASURE_WORDS, " ", re.sub(_GIVING, " ", text))
    name = " ".join(re.sub(r"[,，、;；:：.。!！~]+", " ", name).split())
    if name and name not in _NO_NAME:
        fields["name"] = re.sub(r"[a-z]+", lambda m: m[0].upper(), name)[:MAX_NAME]  # 维生素d → 维生素D
    return fields


def check_medication(fields: dict[str, Any]) -> None:
    if "dose" in fields and "unit" not in fields:
        raise invalid("unit", DOSE_NEEDS_UNIT)


def summarise_medication(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    summary.more["medications"] += [
        {name: entry.fields[name] for name in ("name", "dose", "unit", "patient") if name in entry.fields}
        for entry in entries
    ]


def _given(item: dict[str, Any]) -> str:
    dose = f" {item['dose']:g}{UNITS[item['unit']][0]}" if "dose" in item and "unit" in item else ""
    return (item.get("name") or NO_NAME) + dose


def medication_lines(summary: DaySummary) -> list[str]:
    given: list[dict[str, Any]] = summary.more.get("medications", [])
    if not given:
        return []
    return [SUMMARY_LINE.format(count=len(given), items="、".join(_given(item) for item in given))]


def describe_medication(fields: Mapping[str, Any]) -> str:
    """``用药 维生素D 1粒 宝宝``: the dose in the unit as nurses write it."""
    parts = field_parts(MEDICATION, fields, skip=("dose", "unit"))
    dose = fields.get("dose")
    if isinstance(dose, int | float):
        unit = texts.VALUE_LABELS["unit"].get(str(fields.get("unit")), "")
        parts.insert(1 if fields.get("name") else 0, f"{dose:g}{unit}")
    return spaced(LABEL, parts)


MEDICATION = register(EntryKind(
    name="medication", about=EITHER, label=LABEL, order=240,
    fields=(
        Field("name", "string", max_len=MAX_NAME),
        Field("dose", "number", 0, 1000),
        Field("unit", "choice", options=tuple(UNITS)),
        Field("patient", "choice", options=("baby", "mother")),
    ),
    check=check_medication,
    # Asked last, so a line that names a feed, a nappy, a temperature ... stays what it was.
    keywords=_KEYWORDS, parse=parse_medication, priority=900,
    summary_keys=(SummaryKey("medications", list, {
        "type": "array",
        "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "dose": {"type": "number"}, "unit": {"type": "string", "enum": list(UNITS)},
            "patient": {"type": "string", "enum": ["baby", "mother"]},
        }},
    }),),
    summarise=summarise_medication, summary_lines=medication_lines, describe=describe_medication,
))
