"""What is not a measured event: notes (any line no other kind takes, or one telling a danger sign) and photos."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import EITHER, URGENT, WATCH, Alert, EntryKind, Said, alert, register
from bot.diary.reading import MOTHER_WORDS, affirmed, find_affirmed, fold_writing, has, is_hypothetical, negated

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
    # The mother (AWHONN POST-BIRTH: chest pain or breathlessness, a painful swollen leg, a seizure, thoughts of
    # harming herself or the baby). Chest pain is the mother's in a confinement diary; breathing words and a seizure
    # are hers when the line names her (MOTHER_SIGNS below).
    "chest_pain": (URGENT, ("胸痛", "胸口痛", "胸口疼", "胸疼", "胸闷", "胸口闷", "心口疼", "心口痛")),
    "harm_thoughts": (URGENT, ("想死", "不想活", "轻生", "自杀", "自残", "伤害自己", "伤害宝宝", "伤害孩子", "掐死",
                               "活着没意思", "结束生命", "跳楼", "想伤害")),
    "mother_breathless": (URGENT, ("气短", "气促", "喘不过气", "上不来气")),
}
# A sign said of the mother is her own rule: 产妇呼吸困难 is not the baby's breathing, 妈妈抽搐 not the baby's fit.
MOTHER_SIGNS = {"breathing": "mother_breathless", "convulsions": "mother_seizure", "lethargy": None,
                "poor_feeding": None, "cyanosis": "mother_breathless"}
# A painful swollen calf (deep-vein thrombosis, AWHONN POST-BIRTH): the calf or one leg, swollen and painful; legs a
# little puffy after birth (腿肿, 脚肿) alone are common and no sign.
_CALF = re.compile(r"(?:小腿|腿肚子?|腓肠肌|一侧腿|单侧腿|一条腿|左腿|右腿)[^，,。;；]{0,4}?"
                   r"(?:肿痛|红肿|肿胀|又肿又[疼痛]|肿[^，,。]{0,3}[疼痛]|[疼痛][^，,。]{0,3}肿)")
# Heart rate < 100 or > 160 a minute is urgent (DIARY.md; WHO/IMCI, 新生儿访视技术规范: normal 120–160 awake, ≥ 100 asleep).
HEART_RATE_LOW = 100
HEART_RATE_HIGH = 160
_HEART_RATE = re.compile(r"(?:心率|心跳|脉搏)\D{0,4}?(\d{2,3})")
# Breathing ≥ 60 or < 30 a minute is urgent (DIARY.md; WHO/IMCI fast breathing, 新生儿访视技术规范).
BREATHS_FAST = 60
BREATHS_SLOW = 30
_BREATHS = re.compile(r"呼吸(?:频率|次数)?\D{0,3}?(\d{2,3})\s*(?:次|/分|每分)")
_ALL_SIGN_WORDS = (*(w for _level, words in SIGNS.values() for w in words), "心率", "心跳", "脉搏", "小腿", "腿肚", "腿",
                   "呼吸")


def heart_rate(text: str) -> int | None:
    """The baby's heart rate a line gives (``心率180``, ``心跳 90次/分``), if outside the normal range."""
    match = _HEART_RATE.search(text)
    if match is None or negated(text, match.start()):
        return None
    value = int(match[1])
    return value if 40 <= value < HEART_RATE_LOW or HEART_RATE_HIGH < value <= 300 else None


def danger_signs(text: str) -> list[tuple[str, str]]:
    """The (rule, level) of every danger sign ``text`` tells of (not negated, not advice)."""
    if is_hypothetical(text):
        return []
    mother = has(text, *MOTHER_WORDS)
    found: dict[str, str] = {}
    for rule, (level, words) in SIGNS.items():
        if find_affirmed(text, words) is None:
            continue
        own = MOTHER_SIGNS.get(rule, rule) if mother else rule
        if own is not None:
            found.setdefault(own, level)
    calf = _CALF.search(text)
    if calf is not None and not negated(text, calf.start()) and not affirmed(text[calf.start():], "不痛", "不疼", "不肿"):
        found.setdefault("calf_pain", URGENT)
    if not mother and heart_rate(text) is not None:
        found.setdefault("heart_rate", URGENT)
    breaths = _BREATHS.search(text)
    if (not mother and breaths is not None and not negated(text, breaths.start())
            and not BREATHS_SLOW <= int(breaths[1]) < BREATHS_FAST):
        found.setdefault("breathing", URGENT)
    return list(found.items())


def parse_sign(said: Said) -> dict[str, Any] | None:
    """A line telling a danger sign is a note (its flag comes from the text), whatever else it mentions."""
    return {} if danger_signs(said.text) else None


def sign_flags(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Each danger sign a note tells of, at its level."""
    text = fold_writing(re.sub(r"\s+", " ", (entry.text or "").lower()))
    return [alert(entry, rule, level, texts.FLAG_REASONS[rule].format(bpm=heart_rate(text)))
            for rule, level in danger_signs(text)]


NOTE = register(EntryKind(
    name="note", about=EITHER, label="备注", order=150,
    keywords=_ALL_SIGN_WORDS, parse=parse_sign, priority=5,
    flag_rules=(sign_flags,),
))
# A photo message makes a photo entry (bot.diary.photos); it is never posted as JSON.
register(EntryKind(name="photo", about=EITHER, label="照片", order=230, postable=False))
