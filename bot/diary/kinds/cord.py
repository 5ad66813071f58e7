"""Cord care: the stump's condition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import URGENT, WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register
from bot.diary.reading import affirmed

if TYPE_CHECKING:
    from bot.models import DiaryEntry


def parse_cord(said: Said) -> dict[str, Any]:
    text = said.text
    fields: dict[str, Any] = {}
    for condition, words in (("fallen_off", ("脱落", "掉了", "不见了")), ("smelly", ("臭", "异味", "气味")), ("red", ("红",)),
                             ("wet", ("湿", "渗", "分泌物", "流水", "血水")), ("dry", ("干", "正常", "好"))):
        if affirmed(text, *words):
            fields["condition"] = condition
            break
    # The cord signs DIARY.md calls urgent: pus, bleeding, redness spreading to the skin around it.
    if affirmed(text, "脓"):
        fields["pus"] = True
    if affirmed(text, "出血", "流血", "血水", "渗血", "血丝", "血块", "带血"):
        fields["bleeding"] = True
    if affirmed(text, "红肿", "周围红", "周边红", "周围发红", "周边发红", "蔓延"):
        fields["spreading"] = True
    return fields


def cord_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Pus, bleeding or spreading redness is urgent; a cord red, wet or smelly is watch."""
    urgent = [texts.CORD_URGENT[name] for name in texts.CORD_URGENT if entry.fields.get(name)]
    if urgent:
        return [alert(entry, "cord", URGENT, texts.CORD_URGENT_REASON.format(signs="、".join(urgent)))]
    condition = entry.fields.get("condition")
    if condition not in texts.CORD_CONDITIONS:
        return []
    return [alert(entry, "cord", WATCH, texts.FLAG_REASONS["cord"].format(condition=texts.CORD_CONDITIONS[condition]))]


register(EntryKind(
    name="cord_care", label="脐带护理", order=100,
    fields=(Field("condition", "choice", options=("dry", "wet", "red", "smelly", "fallen_off")),
            Field("pus", "boolean"), Field("bleeding", "boolean"), Field("spreading", "boolean")),
    keywords=("脐带", "肚脐", "脐部", "脐窝", "脐周"), parse=parse_cord, priority=90,
    flag_rules=(cord_signs,),
))
