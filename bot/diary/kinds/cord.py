"""Cord care: the stump's condition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import WATCH, Alert, EntryKind, Field, FlagContext, Said, alert, register

if TYPE_CHECKING:
    from bot.models import DiaryEntry


def parse_cord(said: Said) -> dict[str, Any]:
    for condition, words in (("fallen_off", ("脱落", "掉了")), ("smelly", ("臭", "异味")), ("red", ("红",)),
                             ("wet", ("湿", "渗", "分泌物", "流水")), ("dry", ("干", "正常", "好"))):
        if said.has(*words):
            return {"condition": condition}
    return {}


def cord_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """A cord red, wet or smelly is watch."""
    condition = entry.fields.get("condition")
    if condition not in texts.CORD_CONDITIONS:
        return []
    return [alert(entry, "cord", WATCH, texts.FLAG_REASONS["cord"].format(condition=texts.CORD_CONDITIONS[condition]))]


register(EntryKind(
    name="cord_care", label="脐带护理", order=100,
    fields=(Field("condition", "choice", options=("dry", "wet", "red", "smelly", "fallen_off")),),
    keywords=("脐带", "肚脐", "脐部"), parse=parse_cord, priority=90,
    flag_rules=(cord_signs,),
))
