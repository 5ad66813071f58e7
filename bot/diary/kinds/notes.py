"""What is not a measured event: notes (any line no other kind takes, or one telling a danger sign) and photos."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import EITHER, URGENT, WATCH, Alert, EntryKind, Said, alert, register
from bot.diary.reading import find_affirmed, is_hypothetical

if TYPE_CHECKING:
    from bot.diary.kinds import FlagContext
    from bot.models import DiaryEntry

# Danger signs no kind measures, told in words (DIARY.md flag table: WHO/IMCI newborn danger signs, China's
# 新生儿访视技术规范 referral list; AWHONN POST-BIRTH for the mother). rule → (level, words). Said negated
# (没有抽搐, 无呼吸急促) they are no sign.
SIGNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "convulsions": (URGENT, ("抽搐", "抽筋", "两眼上翻", "眼睛上翻", "翻白眼", "惊厥", "抽风")),
    "lethargy": (URGENT, ("叫不醒", "唤不醒", "嗜睡", "反应差", "难以唤醒", "无法唤醒", "很难叫醒", "没有反应", "蔫")),
    "poor_feeding": (URGENT, ("不吃奶", "拒奶", "吸吮无力", "吃奶无力", "不肯吃奶", "吃不进", "不会吸")),
    "breathing": (URGENT, ("呼吸急促", "呼吸困难", "呼吸快", "喘不上气", "吸凹", "三凹", "鼻翼扇动", "呻吟", "呼吸暂停")),
    "cyanosis": (URGENT, ("嘴唇发青", "嘴唇发紫", "口唇发绀", "面色发灰", "脸色发青", "发绀", "青紫")),
    "blood_pressure_reported": (WATCH, ("血压高", "高血压", "血压偏高", "血压升高")),
}
_ALL_SIGN_WORDS = tuple(w for _level, words in SIGNS.values() for w in words)


def danger_signs(text: str) -> list[tuple[str, str]]:
    """The (rule, level) of every danger sign ``text`` tells of (not negated, not advice)."""
    if is_hypothetical(text):
        return []
    return [(rule, level) for rule, (level, words) in SIGNS.items() if find_affirmed(text, words) is not None]


def parse_sign(said: Said) -> dict[str, Any] | None:
    """A line telling a danger sign is a note (its flag comes from the text), whatever else it mentions."""
    return {} if danger_signs(said.text) else None


def sign_flags(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Each danger sign a note tells of, at its level."""
    text = re.sub(r"\s+", " ", entry.text or "")
    return [alert(entry, rule, level, texts.FLAG_REASONS[rule]) for rule, level in danger_signs(text)]


NOTE = register(EntryKind(
    name="note", about=EITHER, label="备注", order=150,
    keywords=_ALL_SIGN_WORDS, parse=parse_sign, priority=5,
    flag_rules=(sign_flags,),
))
# A photo message makes a photo entry (bot.diary.photos); it is never posted as JSON.
register(EntryKind(name="photo", about=EITHER, label="照片", order=230, postable=False))
