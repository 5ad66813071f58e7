"""What is not a measured event: notes (any line no other kind takes, or one telling a danger sign) and photos."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import EITHER, URGENT, WATCH, Alert, EntryKind, Said, alert, register, register_line_rule
from bot.diary.lexicon import LEXICON, alarm_words, described_finding, mother_words, sign_words, signs_in
from bot.diary.reading import BABY_WORDS, affirmed, fold_writing, has, is_hypothetical, negated

if TYPE_CHECKING:
    from bot.diary.kinds import FlagContext
    from bot.models import DiaryEntry

# Danger signs told in words are data: bot/diary/data/danger_signs.yaml (bot.diary.lexicon), each concept with its
# level, its medical words and the ways parents and nurses describe it. A sign no kind measures makes the line a
# note; every entry's line is read for signs (``line_signs``), so a sign told beside a feed is not lost.
_CLAIMED = tuple(s for s in LEXICON.signs if s.kind is None)  # signs no entry kind measures: the line is a note
# A painful swollen calf (deep-vein thrombosis, AWHONN POST-BIRTH; NICE NG89: the calf, the thigh or the groin,
# swelling with pain, or one leg bigger than the other): a leg swollen and painful, or one leg thicker than the other;
# legs a little puffy after birth (腿肿, 脚肿) alone are common and no sign.
# Both legs swollen alike (双腿对称性肿胀) is common after birth: a leg word that is not one leg needs the pain too.
_PAINFUL_SWELLING = r"(?:肿痛|又肿又[疼痛]|肿[^，,。]{0,3}[疼痛]|[疼痛][^，,。]{0,3}肿)"
_CALF = re.compile(r"(?:小腿|腿肚子?|腓肠肌|一侧腿|单侧腿|一条腿|左腿|右腿)[^，,。;；]{0,4}?"
                   rf"(?:红肿|肿胀|{_PAINFUL_SWELLING})"
                   rf"|(?:大腿根?|两条腿|双腿|腹股沟)[^，,。;；]{{0,4}}?{_PAINFUL_SWELLING}"
                   r"|[左右]腿比[左右]腿[^，,。;；]{0,4}?(?:粗|胖|肿|大)")
# Heart rate < 100 or > 160 a minute is urgent (DIARY.md; WHO/IMCI, 新生儿访视技术规范: normal 120–160 awake, ≥ 100 asleep).
HEART_RATE_LOW = 100
HEART_RATE_HIGH = 160
_HEART_RATE = re.compile(r"(?:心率|心跳|脉搏)\D{0,4}?(\d{2,3})")
# Breathing ≥ 60 or < 30 a minute is urgent (DIARY.md; WHO/IMCI fast breathing, 新生儿访视技术规范).
BREATHS_FAST = 60
BREATHS_SLOW = 30
_BREATHS = re.compile(r"呼吸(?:频率|次数)?\D{0,6}?(\d{2,3})\s*(?:次|/分|每分)")  # 呼吸每分钟超过60次
_ALL_SIGN_WORDS = (*sign_words(_CLAIMED), "心率", "心跳", "脉搏", "小腿", "腿肚", "腿", "呼吸")


def heart_rate(text: str) -> int | None:
    """The baby's heart rate a line gives (``心率180``, ``心跳 90次/分``), if outside the normal range."""
    match = _HEART_RATE.search(text)
    if match is None or negated(text, match.start()):
        return None
    value = int(match[1])
    return value if 40 <= value < HEART_RATE_LOW or HEART_RATE_HIGH < value <= 300 else None


def danger_signs(text: str, day: int | None = None) -> list[tuple[str, str]]:
    """The (rule, level) of every danger sign ``text`` tells of (not negated, not advice), on day ``day`` of life."""
    return [(rule, level) for rule, level, _reason in _signs(text, day)]


# A line is read for signs by the parser, each of its entries' rules, the safety net and the reply: once is enough
# (it depends on the text and the day of life alone; the lexicon is loaded once).
@functools.lru_cache(maxsize=4096)
def _signs(text: str, day: int | None = None) -> tuple[tuple[str, str, str], ...]:
    text = fold_writing(text)
    if is_hypothetical(text):
        return ()
    found = {rule: (level, reason) for rule, level, reason in signs_in(text, day)}
    # A reading is the baby's unless the line is about the mother alone (产后第3天，宝宝呼吸70次 is the baby's).
    mother = has(text, *mother_words()) and not has(text, *BABY_WORDS)
    calf = _CALF.search(text)
    if calf is not None and not negated(text, calf.start()) and not affirmed(text[calf.start():], "不痛", "不疼", "不肿"):
        found.setdefault("calf_pain", (URGENT, "calf_pain"))
    if not mother and heart_rate(text) is not None:
        found.setdefault("heart_rate", (URGENT, "heart_rate"))
    breaths = _BREATHS.search(text)
    if (not mother and breaths is not None and not negated(text, breaths.start())
            and not BREATHS_SLOW <= int(breaths[1]) < BREATHS_FAST):
        found.setdefault("breathing", (URGENT, "breathing"))
    return tuple((rule, level, reason) for rule, (level, reason) in found.items())


def parse_sign(said: Said) -> dict[str, Any] | None:
    """A line naming a danger sign no kind measures is a note (its flag comes from the text): 不肯吃奶 is no feed.

    Only the sign's named words claim the line: a described sign beside an event (喂奶90ml，宝宝嘴唇发乌) leaves
    the event to its kind, and ``line_signs`` flags the sign on it."""
    text = fold_writing(said.text)
    if is_hypothetical(text):
        return None
    # (a baby's sign said of the mother with no rule of hers, 说我昏迷了, is a note too: the safety net reads it)
    named = {rule for rule, _level, _reason in signs_in(text, described=False, unruled=True)}
    if named & _CLAIMED_RULES:
        return {}
    return {} if any(rule in _NUMBER_RULES for rule, _level in danger_signs(text)) else None


# The rules whose line is a note: signs no kind measures (and what they are when said of the mother), and the
# signs read from numbers here.
_CLAIMED_RULES = frozenset({s.key for s in _CLAIMED} | {s.said_of_mother for s in _CLAIMED if s.said_of_mother})
_NUMBER_RULES = frozenset({"calf_pain", "heart_rate", "breathing"})
# Line keys: a sign told on a line that gives several entries (喂奶90ml，宝宝抽搐) is one finding, not one per entry.
LINE_KEY_CHARS = 12


def line_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Each danger sign an entry's line tells of, at its level (whatever kind the entry is)."""
    text = re.sub(r"\s+", " ", (entry.text or "").lower())
    if not text.strip():
        return []
    day = ctx.day_of_life(entry.occurred_at)
    moment = entry.occurred_at.astimezone(dt.UTC).isoformat()
    line = hashlib.sha1(f"{entry.engagement_id}:{moment}:{text}".encode()).hexdigest()[:LINE_KEY_CHARS]
    return [Alert(f"{rule}:line:{line}", rule, level, texts.FLAG_REASONS[reason].format(bpm=heart_rate(fold_writing(text))),
                  entry)
            for rule, level, reason in _signs(text, day)]


# The safety net (issue 34): a note that mentions something alarming (抽, 发紫, 脓, 血, 黄, 烧 …: the lexicon's alarm
# words) but tells no sign the lexicon names is never a quiet note: a person at the agency looks at it.
REVIEW_QUOTE_CHARS = 60


def _quoted(entry: DiaryEntry) -> str:
    quoted = (entry.text or "").strip()
    if len(quoted) > REVIEW_QUOTE_CHARS:
        quoted = quoted[:REVIEW_QUOTE_CHARS] + "…"
    return texts.FLAG_REASONS["needs_review"].format(line=quoted)


def needs_review(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """A note that says an alarm word, or describes a part of the body in a state that is not well in words no sign
    lists (``described_finding``: 肚子一鼓一鼓的, 嘴巴周围青青的), and tells no sign: a person looks at it."""
    text = re.sub(r"\s+", " ", (entry.text or "").lower())
    if not text.strip() or _signs(text, ctx.day_of_life(entry.occurred_at)):
        return []
    if not alarm_words(text) and described_finding(text) is None:
        return []
    return [alert(entry, "needs_review", WATCH, _quoted(entry))]


def worsening_review(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """The safety net on a measured entry's line: it says something is getting worse (呕吐一天比一天频繁, a spit-up
    entry), which no kind measures, and tells no sign. Notes are ``needs_review``'s."""
    text = re.sub(r"\s+", " ", (entry.text or "").lower())
    if (entry.kind == "note" or not text.strip() or not alarm_words(text, worsening=True)
            or _signs(text, ctx.day_of_life(entry.occurred_at))):
        return []
    moment = entry.occurred_at.astimezone(dt.UTC).isoformat()
    line = hashlib.sha1(f"{entry.engagement_id}:{moment}:{text}".encode()).hexdigest()[:LINE_KEY_CHARS]
    return [Alert(f"needs_review:line:{line}", "needs_review", WATCH, _quoted(entry), entry)]


register_line_rule(line_signs)
register_line_rule(worsening_review)
NOTE = register(EntryKind(
    name="note", about=EITHER, label="备注", order=150,
    keywords=_ALL_SIGN_WORDS, parse=parse_sign, priority=5,
    flag_rules=(needs_review,),
))
# A photo message makes a photo entry (bot.diary.photos); it is never posted as JSON.
register(EntryKind(name="photo", about=EITHER, label="照片", order=230, postable=False))
