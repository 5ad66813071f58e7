"""Jaundice: how far it reaches, a bilirubin reading with its unit, and whether it has gone."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import URGENT, WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register
from bot.diary.reading import NUM, has

if TYPE_CHECKING:
    from bot.models import DiaryEntry


def parse_jaundice(said: Said) -> dict[str, Any]:
    body = said.text
    fields: dict[str, Any] = {}
    for extent, words in (("soles", ("脚心", "脚底", "手心", "手脚心")), ("legs", ("腿", "四肢", "脚")),
                          ("belly", ("肚", "腹")), ("chest", ("胸", "躯干")), ("face", ("脸", "面", "头", "眼"))):
        if has(body, *words):
            fields["extent"] = extent
            break
    value = re.search(NUM, body)
    if value and 0 < float(value[1]) <= 1000:  # beyond any bilirubin reading: a date or a typo, kept in the text
        number = float(value[1])
        if has(body, "umol", "μmol", "µmol", "微摩尔"):
            unit = "umol/L"
        elif has(body, "mg"):
            unit = "mg/dL"
        else:
            unit = "umol/L" if number > 35 else "mg/dL"  # no unit: the size of the number tells
        fields["bilirubin"] = number
        fields["bilirubin_unit"] = unit
    if has(body, "退了", "消退", "没有了", "已退"):
        fields["resolved"] = True
    return fields


def jaundice_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Jaundice on day 1 or reaching legs/soles is urgent; still there on day 14 is watch."""
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
    if day is not None and day >= 14:
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
    keywords=("黄疸", "黄胆", "胆红素", "经皮"), parse=parse_jaundice, priority=80,
    flag_rules=(jaundice_signs,),
))
