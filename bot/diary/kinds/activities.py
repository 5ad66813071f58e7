"""Care activities timed in minutes: bath, massage (抚触), exercise (被动操), tummy time."""

from __future__ import annotations

from typing import Any

from bot.diary.kinds import DURATION, EntryKind, Said, register
from bot.diary.reading import duration_min


def parse_activity(said: Said) -> dict[str, Any]:
    duration = duration_min(said.text)
    return {"duration_min": duration} if duration is not None else {}


def parse_tummy_time(said: Said) -> dict[str, Any] | None:
    """Tummy time; lifting the head (抬头) is its exercise when timed (抬头5分钟, 练抬头), not a milestone (会抬头了)."""
    if not said.has("趴趴", "俯卧", "趴着", "趴了", "tummy") and duration_min(said.text) is None and not said.has("练"):
        return None
    return parse_activity(said)


for _name, _label, _order, _priority, _keywords, _parse in (
    ("bath", "洗澡", 110, 150, ("洗澡", "沐浴", "洗头", "擦身", "🛁", "泡澡"), parse_activity),
    ("massage", "抚触", 120, 160, ("抚触", "按摩"), parse_activity),
    ("exercise", "被动操", 130, 170, ("被动操", "婴儿操", "做操", "宝宝操"), parse_activity),
    ("tummy_time", "趴趴", 140, 180, ("趴趴", "俯卧", "趴着", "趴了", "tummy", "抬头"), parse_tummy_time),
):
    register(EntryKind(
        name=_name, label=_label, order=_order, fields=(DURATION,),
        keywords=_keywords, parse=_parse, priority=_priority, takes_range=True,
    ))
