"""The danger-sign lexicon: every sign of DIARY.md told in words, as data (``bot/diary/data/danger_signs.yaml``).

Each concept names its flag rule (``key``), level, whose sign it is (the baby's or the mother's), the body part, its
medical words (``named``: any one, not negated, tells the sign) and the ways parents and nurses describe it
(``described``: patterns of word groups that must all occur, each not negated, within one sentence), words that
mean something may be wrong (``alarm``: the safety net), the day-of-life range it holds in, and two or more public
examples with their sources. The file is read once and checked at import: a mistake stops the start with the
concept and field named. Adding a description is a change to the file, not to the code.

Text is always read after ``fold_writing`` (traditional script and dictation slips to simplified), and advice or a
condition (``is_hypothetical``: 如果…就要就医) tells no sign.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.diary import texts
from bot.diary.datafile import read_checked
from bot.diary.reading import (
    BABY_WORDS,
    MOTHER_WORDS,
    NEGATION,
    any_of,
    find_affirmed,
    fold_writing,
    has,
    is_hypothetical,
    negated,
    reported,
)
from bot.diary.words import read_across, tagged

__all__ = ["LEXICON", "Findings", "Lexicon", "LexiconError", "Sign", "alarm_words", "baby_words", "described_finding",
           "kind_words", "load", "mother_words", "sign_words", "signs_in", "signs_of_kind", "tells_mothers_sign", "told"]

PATH = Path(__file__).with_name("data") / "danger_signs.yaml"

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]  # a flag rule (DiaryFlag.rule)
Group = Annotated[list[Word], Field(min_length=1)]
Groups = Annotated[list[Group], Field(min_length=1)]


class ClausePattern(BaseModel):
    """Groups that must meet within one clause (cut at commas too), not only one sentence."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    clause: Groups


Pattern = Groups | ClausePattern
# Sentences: a described sign's words must meet within one (commas do not part them: 眼睛上翻，手脚抖动).
_SENTENCE = re.compile(r"[。！!？?；;\n]+")
_CLAUSE = re.compile(r"[。！!？?；;\n，,、]+|而|但")
_BLANK = "\u3000"  # what a masked character becomes: an ideographic space, no word and no negation


class LexiconError(ValueError):
    """The lexicon file is not as bot/diary/data/README.md describes it."""


class Example(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, StringConstraints(min_length=2, max_length=200)]
    source: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class Sign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: Key
    level: Literal["urgent", "watch"]
    whose: Literal["baby", "mother"]
    body_part: Word
    # The flag reason (texts.FLAG_REASONS) when the words tell the sign; default: the key's own.
    reason: Key | None = None
    # A baby's sign said of the mother (妈妈抽搐): her own rule, or None for no sign.
    said_of_mother: Key | None = None
    # A mother's sign said of the baby (宝宝喘不过气: a line naming the baby and not the mother): the baby's rule.
    said_of_baby: Key | None = None
    # The entry kind that measures the sign (a line telling it is left to that kind; the words still flag it).
    kind: Key | None = None
    named: list[Word] = []
    described: list[Pattern] = []
    alarm: list[Word] = []
    # Words whose presence in the entry's text, beside a reading (blood_pressure 150/95), makes the sign.
    symptoms: list[Word] = []
    supersedes: list[Key] = []
    from_day: Annotated[int, Field(ge=1, le=400)] | None = None
    to_day: Annotated[int, Field(ge=1, le=400)] | None = None
    examples: Annotated[list[Example], Field(min_length=2)]
    quiet: list[Example] = []  # real lines that look like the sign and must raise nothing

    @field_validator("reason", "said_of_mother", "said_of_baby", "key")
    @classmethod
    def _known_reason(cls, value: str | None) -> str | None:
        if value is not None and value not in texts.FLAG_REASONS:
            raise ValueError(f"{value!r} has no reason in bot/diary/texts.py FLAG_REASONS")
        return value

    @model_validator(mode="after")
    def _tells_something(self) -> Sign:
        if not self.named and not self.described:
            raise ValueError("a sign needs named words or described patterns")
        try:
            texts.FLAG_REASONS[self.reason_key].format()
        except (KeyError, IndexError) as exc:
            raise ValueError(f"reason {self.reason_key!r} needs values the words cannot give ({exc})") from exc
        return self

    @property
    def reason_key(self) -> str:
        return self.reason or self.key


class Findings(BaseModel):
    """How a finding is said when no sign's words are: a part of the body, then a state of it that is not well, in one
    clause (the safety net's structural reading: ``described_finding``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    body_parts: Annotated[list[Word], Field(min_length=1)]
    # Words of a state that is not well (发凉, 凹进去, 怪怪的), read as words after the body part.
    states: Annotated[list[Word], Field(min_length=1)]
    # Characters of a colour, touch or shape that is not well: a state word made of them (冰冰的, 紫紫的, 硬邦邦) after
    # the body part is a finding.
    state_characters: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    # Movements told as a repeated beat, 一X一X (一鼓一鼓, 一吸一吸, 一抽一抽): a body part moving so is a finding.
    beats: Annotated[list[Word], Field(min_length=1)]
    # How strong a state is (胀得厉害, 肿得吓人): any state of a body part said so is a finding.
    degrees: Annotated[list[Word], Field(min_length=1)]
    examples: Annotated[list[Example], Field(min_length=2)]
    quiet: list[Example] = []


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: Literal[1]
    calm: list[Word] = []
    # Advice to see a doctor under a condition: in a sentence with a word of each, alarm words are advice (the safety
    # net only).
    advice: list[Word] = []
    condition: list[Word] = []
    # In a sentence with one of these the writer says what it tells is normal (属于正常生理现象): it tells no sign.
    normal: list[Word] = []
    alarm_only: list[Word] = []
    # Alarm words that say something is getting worse (no kind measures it): read on every entry's line.
    worsening: list[Word] = []
    # Phrases that hold a sign's or an alarm's word and tell neither (挤到手快抽筋): blanked before reading.
    not_signs: list[Word] = []
    # Words that begin like a negation and negate nothing (不停抽搐): their first character is blanked before reading.
    not_negations: list[Word] = []
    # Words negative in themselves besides the lexicon's own (没力气): a negation that stops at their end.
    self_negative: list[Word] = []
    # Who a line may be about when it is the mother's, besides reading.MOTHER_WORDS (王女士胸闷).
    mother: list[Word] = []
    # Who else a line may be about when it is the baby's, besides reading.BABY_WORDS (a news story's 男婴, 女婴, 幼子).
    baby: list[Word] = []
    # The writer herself (我): in a line naming nobody else, a sign told after it in its sentence is the mother's
    # (我突然喘不上气), unless a word of ``seeing`` stands between (我发现呼吸很急: the nurse telling of the baby).
    self_words: list[Word] = []
    seeing: list[Word] = []
    # Verbs of finding a sign on someone (妈妈发现她嘴唇发紫): the mother named before one of them is the one who
    # looks, and the sign after it is the baby's, unless she finds it on herself (自己).
    observing: list[Word] = []
    findings: Findings | None = None
    signs: Annotated[list[Sign], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> Lexicon:
        keys = [s.key for s in self.signs]
        if len(keys) != len(set(keys)):
            raise ValueError("a concept key is listed twice")
        return self

    def by_key(self, key: str) -> Sign:
        return next(s for s in self.signs if s.key == key)


def load(path: Path = PATH) -> Lexicon:
    """Read and check the lexicon file; ``LexiconError`` names what is wrong and where."""
    return read_checked(path, Lexicon, LexiconError)


LEXICON = load()


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def _says_well(sentence: str, words: list[str]) -> bool:
    """Whether ``sentence`` says all is well in one of ``words`` (not negated: 不正常; not asked: 正常吗, 正常吧, 是否正常 —
    a question asks whether all is well, it does not say so)."""
    return (has(sentence, *words) and find_affirmed(sentence, words) is not None
            and not has(sentence, "吗", "嘛", "吧", "是否", "是不是"))


_SELF_NEGATIVE: dict[int, tuple[Lexicon, re.Pattern[str] | None]] = {}  # the lexicon is held: its id is not reused


def _self_negative(lexicon: Lexicon) -> re.Pattern[str] | None:
    """The lexicon's words that are negative in themselves (不吃奶, 没精神, 没力气): their negation is theirs alone."""
    held = _SELF_NEGATIVE.get(id(lexicon))
    if held is None:
        words = {w for s in lexicon.signs for w in (*s.named, *s.alarm,
                                                    *(w for p in s.described for g in _groups(p) for w in g))}
        words |= {*lexicon.alarm_only, *lexicon.worsening, *lexicon.calm, *lexicon.self_negative}
        negative = sorted((w for w in words if re.match(NEGATION, w)), key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(w) for w in negative)) if negative else None
        held = _SELF_NEGATIVE[id(lexicon)] = (lexicon, pattern)
    return held[1]


def _groups(pattern: Pattern) -> list[list[str]]:
    return pattern.clause if isinstance(pattern, ClausePattern) else pattern


def _unmasked(text: str, lexicon: Lexicon) -> str:
    """``text`` with every ``not_signs`` phrase blanked, the negation-like first character of every
    ``not_negations`` word blanked, and a blank after every word negative in itself (宝宝没精神嘴唇发紫: the 没 of
    没精神 does not deny 嘴唇发紫)."""
    for phrase in lexicon.not_signs:
        if phrase in text:
            text = text.replace(phrase, _BLANK * len(phrase))
    for word in lexicon.not_negations:
        if word in text:
            text = text.replace(word, _BLANK + word[1:])
    negative = _self_negative(lexicon)
    if negative is not None:
        text = negative.sub(lambda m: m[0] + _BLANK, text)
    return without_denied(text, negative)


def without_denied(text: str, negative: re.Pattern[str] | None = None) -> str:
    """``text`` with every clause a written negation opens blanked (``_DENIED_CLAUSE``), except one opening with a
    word ``negative`` in itself."""
    if not _DENIED_HEAD.search(text):
        return text
    return _DENIED_CLAUSE.sub(lambda m: m[0] if negative is not None and negative.match(m[0], 1)
                              else _BLANK * len(m[0]), text)


# A clause that opens with a written negation (无, 并无, 未见, 否认) denies the whole phrase it opens, however it goes on:
# 无阴道分泌物有异味 tells no smell (the 有 inside is the phrase's, not a finding). Not when something happens in it
# (无明显诱因出现抽搐: 出现 tells the seizure) or it opens with a word negative in itself (无精打采).
_DENIED_HEAD = re.compile(r"(?:^|[，,。；;！!？?、\s])(?:无|并无|未见|否认)")
_DENIED_CLAUSE = re.compile(r"(?:(?<=^)|(?<=[，,。；;！!？?、\s]))(?:无|并无|未见|否认)(?!法|明显诱因)"
                            r"(?:(?!出现|发生|伴|后|但|却|又|时|而|突然)[^，,。；;！!？?、\s])*")


def mother_words(lexicon: Lexicon = LEXICON) -> tuple[str, ...]:
    return (*MOTHER_WORDS, *lexicon.mother)


def baby_words(lexicon: Lexicon = LEXICON) -> tuple[str, ...]:
    return (*BABY_WORDS, *lexicon.baby)


_TRIGGERS: dict[int, tuple[Lexicon, list[tuple[Sign, re.Pattern[str], re.Pattern[str] | None]]]] = {}


def _triggers(lexicon: Lexicon) -> list[tuple[Sign, re.Pattern[str], re.Pattern[str] | None]]:
    """Each sign with a pattern of the words a line must hold to be worth reading for it (its named words and every
    described pattern's first words), and of its named words alone: one search in C instead of a loop per word."""
    held = _TRIGGERS.get(id(lexicon))
    if held is None:
        rows: list[tuple[Sign, re.Pattern[str], re.Pattern[str] | None]] = []
        for sign in lexicon.signs:
            every = sign_words([sign])
            assert every  # a sign has named words or described patterns (Sign._tells_something)
            rows.append((sign, any_of(every), any_of(sign.named) if sign.named else None))
        held = _TRIGGERS[id(lexicon)] = (lexicon, rows)
    return held[1]


def _told(sign: Sign, text: str, sentences: list[str], described: bool = True) -> int | None:
    """Where in ``text`` the sign is told (the offset of its word), or None when it is not."""
    # ``has`` (a plain substring loop) first: most lines hold none of a sign's words, and negation is dearer.
    if sign.named and has(text, *sign.named):
        word = find_affirmed(text, sign.named)
        if word is not None:
            return text.find(word)
    for pattern in sign.described if described else ():
        groups = pattern.clause if isinstance(pattern, ClausePattern) else pattern
        if not all(has(text, *group) for group in groups):
            continue
        parts = _CLAUSE.split(text) if isinstance(pattern, ClausePattern) else sentences
        for part in parts:
            if all(find_affirmed(part, group) is not None for group in groups):
                first = find_affirmed(part, groups[0])
                return max(text.find(part), 0) + (part.find(first) if first is not None else 0)
    return None


def _subject(text: str, at: int, lexicon: Lexicon, observed: bool = False) -> str | None:
    """Whose finding the words at ``at`` tell: the person named nearest before them in their sentence (妈妈发现宝宝嘴唇
    发紫: the baby's), else the first named after them in it (抽搐的是妈妈); None when the sentence names nobody."""
    start = 0
    for cut in _SENTENCE.finditer(text, 0, at):
        start = cut.end()
    after = _SENTENCE.search(text, at)
    end = after.start() if after is not None else len(text)
    before: tuple[int, str | None] = (-1, None)
    following: tuple[int, str | None] = (len(text) + 1, None)
    for words, who in ((mother_words(lexicon), "mother"), (baby_words(lexicon), "baby")):
        for word in words:
            i = text.rfind(word, start, at)
            if i >= 0 and i + len(word) > before[0]:
                before = (i + len(word), who)
            j = text.find(word, at, end)
            if 0 <= j < following[0]:
                following = (j, who)
    if observed and before[1] == "mother":
        between = text[before[0]:at]
        if has(between, *lexicon.observing) and "自己" not in between:
            return "baby"  # 妈妈发现她嘴唇发紫: the mother looks, the baby has it
    return before[1] or following[1]


def _said_of_self(text: str, at: int, lexicon: Lexicon) -> bool:
    """Whether the writer tells the words at ``at`` of herself: a self word before them in their sentence, with no
    word of seeing between (我突然喘不上气; not 我发现呼吸很急)."""
    start = 0
    for cut in _SENTENCE.finditer(text, 0, at):
        start = cut.end()
    before = text[start:at]
    where = max((before.rfind(w) for w in lexicon.self_words), default=-1)
    return where >= 0 and not has(before[where:], *lexicon.seeing)


_SELF_SUBJECT: dict[tuple[int, str], tuple[Lexicon, re.Pattern[str]]] = {}
# What may stand between the writer and what she tells of herself (我也昏迷, 我突然晕倒, 我一下子昏迷了).
_SELF_ADVERBS = r"(?:也|都|又|就|已经|已|突然|一下子|竟然|差点|几乎|一度)?"
_AGENTIVE = re.compile(r"不醒|叫不起来|不应|才|逗")


def _self_subject(text: str, sign: Sign, lexicon: Lexicon) -> bool:
    """Whether the writer names herself as the subject of one of the sign's own words (说我昏迷了好久, 我突然抽搐):
    the sign is hers whatever it is — not the baby's, though a baby has it too (a nurse writes 宝宝 for the baby)."""
    held = _SELF_SUBJECT.get((id(lexicon), sign.key))
    if held is None:
        # not a word that tells what was done to the baby (我拍不醒, 我叫她才动: the writer is its agent, not its subject)
        own = [w for w in sign.named if _AGENTIVE.search(w) is None]
        pattern = re.compile(f"(?:{'|'.join(map(re.escape, lexicon.self_words))}){_SELF_ADVERBS}(?:{any_of(own).pattern})"
                             if own and lexicon.self_words else r"(?!)")
        held = _SELF_SUBJECT[(id(lexicon), sign.key)] = (lexicon, pattern)
    return held[1].search(text) is not None


@cache
def _by_rule() -> dict[str, Sign]:
    return {s.key: s for s in LEXICON.signs}


def signs_in(text: str, day: int | None = None, lexicon: Lexicon = LEXICON,
             described: bool = True, *, reports_only: bool = True,
             unruled: bool = False) -> list[tuple[str, str, str]]:
    """The (rule, level, reason key) of every sign ``text`` tells of, on day ``day`` of life (None: not known);
    ``described=False``: by their named words only. ``reports_only=False`` reads advice and general text too (what
    the words describe, for checking the lexicon's examples: many are taken from advice pages). ``unruled``: also a
    baby's sign said of the mother that she has no rule for (说我昏迷了), under the baby's rule — what the line tells,
    for keeping it a note that the safety net reads, never a flag."""
    text = _unmasked(fold_writing(text.lower()), lexicon)
    if reports_only:
        if is_hypothetical(text):
            return []
        # General sentences, conditions, fears and history tell no sign (宝宝38.5度，怕抽筋; 若出现喷射性呕吐…需就医);
        # a guess or advice beside a finding does not hide it (a miss costs more than a call).
        text = reported(text, clauses=False)
    sentences = _sentences(text)
    if lexicon.normal and has(text, *lexicon.normal):  # 不属于正常, 是正常现象吗 are not normal
        sentences = [s for s in sentences if not _says_well(s, lexicon.normal)]
        text = "。".join(sentences)
    line_mother = has(text, *mother_words(lexicon))
    names_baby = has(text, *baby_words(lexicon))
    line_baby = not line_mother and names_baby
    line_self = not line_mother and not names_baby and has(text, *lexicon.self_words)
    found: dict[str, tuple[str, str]] = {}
    for sign, every, named in _triggers(lexicon):
        trigger = every if described else named
        if trigger is None or trigger.search(text) is None:
            continue
        if day is not None and ((sign.from_day and day < sign.from_day) or (sign.to_day and day > sign.to_day)):
            continue
        at = _told(sign, text, sentences, described)
        if at is None:
            continue
        # a line naming no mother: the line's rule
        who = _subject(text, at, lexicon, sign.whose == "baby") if line_mother else None
        if line_self and (sign.whose == "mother" or sign.said_of_mother is not None) and _said_of_self(text, at, lexicon):
            who = "mother"  # a baby's sign no mother has (嗜睡) stays the baby's: 我 may be the nurse's
        elif not names_baby and _self_subject(text, sign, lexicon):
            who = "mother"  # …unless the writer is its subject (我昏迷了): hers, and a person looks (the safety net)
        mother = who == "mother" if who is not None else line_mother
        baby = who == "baby" if who is not None else line_baby
        if sign.whose == "baby" and mother:
            if sign.said_of_mother is not None:
                found.setdefault(sign.said_of_mother, (sign.level, sign.said_of_mother))
            elif unruled:
                found.setdefault(sign.key, (sign.level, sign.reason_key))
            continue
        if sign.whose == "mother" and baby and sign.said_of_baby is not None:
            found.setdefault(sign.said_of_baby, (sign.level, sign.said_of_baby))
            continue
        found.setdefault(sign.key, (sign.level, sign.reason_key))
    if not line_mother and not names_baby:
        _as_mothers(found, lexicon)
    for sign in lexicon.signs:
        if sign.key in found:
            for other in sign.supersedes:
                found.pop(other, None)
    return [(rule, level, reason) for rule, (level, reason) in found.items()]


def _as_mothers(found: dict[str, tuple[str, str]], lexicon: Lexicon) -> None:
    """A line naming nobody that tells a sign only a mother has (胸闷, 血压高) is hers: the baby's signs told beside it
    are hers too (胸闷、呼吸困难 is her breathlessness, 血压高，抽搐 her seizure)."""
    if not _mothers_own(lexicon) & found.keys():
        return
    for sign in lexicon.signs:
        if sign.whose == "baby" and sign.key in found:
            level, _reason = found.pop(sign.key)
            if sign.said_of_mother is not None:
                found.setdefault(sign.said_of_mother, (level, sign.said_of_mother))


@lru_cache(maxsize=4096)
def told(text: str) -> frozenset[str]:
    """The rules of the signs ``text`` reports, its day of life not known (read once per text: the kinds that measure
    a sign ask it of the same line)."""
    return frozenset(rule for rule, _level, _reason in signs_in(text))


def _mothers_own(lexicon: Lexicon = LEXICON) -> frozenset[str]:
    """The signs only a mother has (a baby told of them is no reading of hers: ``said_of_baby`` is none)."""
    return frozenset(s.key for s in lexicon.signs if s.whose == "mother" and s.said_of_baby is None)


def tells_mothers_sign(text: str) -> bool:
    """Whether ``text`` names no baby and reports a sign only a mother has (血压高…头痛、呕吐): what else it tells, a
    vomit or a headache, is hers too."""
    return not has(fold_writing(text.lower()), *baby_words()) and bool(told(text) & _mothers_own())


@cache
def signs_of_kind(kind: str) -> frozenset[str]:
    """The signs an entry kind measures (``kind`` in the lexicon): a line telling one is that kind's entry."""
    return frozenset(s.key for s in LEXICON.signs if s.kind == kind)


def sign_words(signs: Iterable[Sign]) -> tuple[str, ...]:
    """The words that make a line worth reading for these signs: their named words and the first words of their
    descriptions, each once."""
    signs = list(signs)
    return tuple(dict.fromkeys([*(w for s in signs for w in s.named),
                                *(w for s in signs for p in s.described for w in first_group(p))]))


def kind_words(kind: str) -> tuple[str, ...]:
    """The words that make a line worth offering to ``kind`` for the signs it measures."""
    return sign_words(s for s in LEXICON.signs if s.kind == kind)


_ALARM: dict[int, tuple[Lexicon, tuple[str, ...]]] = {}  # the lexicon is held: its id is not reused


def _alarm(lexicon: Lexicon) -> tuple[str, ...]:
    """Every alarm word of the lexicon, gathered once."""
    held = _ALARM.get(id(lexicon))
    if held is None:
        words = tuple(dict.fromkeys([*(w for s in lexicon.signs for w in s.alarm), *lexicon.alarm_only,
                                     *lexicon.worsening]))
        held = _ALARM[id(lexicon)] = (lexicon, words)
    return held[1]


def alarm_words(text: str, lexicon: Lexicon = LEXICON, *, worsening: bool = False) -> list[str]:
    """The alarm words ``text`` says (not negated, not in a sentence that says all is well, not advice);
    ``worsening``: only those that say something is getting worse."""
    text = _unmasked(fold_writing(text.lower()), lexicon)
    if is_hypothetical(text, habits=True):
        return []
    text = reported(text, habits=True)
    words = tuple(lexicon.worsening) if worsening else _alarm(lexicon)
    if not has(text, *words):
        return []
    said: list[str] = []
    for sentence in _sentences(text):
        if has(sentence, *lexicon.advice) and has(sentence, *lexicon.condition):
            continue
        if _says_well(sentence, [*lexicon.calm, *lexicon.normal]):
            continue
        # Words, not characters: 头发黑黑的 holds no 发黑 (read across the segmenter's words).
        word = find_affirmed(sentence, [w for w in words if w in sentence and not read_across(sentence, w)])
        if word is not None:
            said.append(word)
    return said


def first_group(pattern: Pattern) -> list[str]:
    """A described pattern's first words (what a line must hold to be worth reading for it)."""
    return (pattern.clause if isinstance(pattern, ClausePattern) else pattern)[0]


def symptoms_of(key: str) -> tuple[str, ...]:
    """The words a concept lists as ``symptoms`` (e.g. the headache that makes a high reading urgent)."""
    sign = _by_rule().get(key)
    return tuple(sign.symptoms) if sign is not None else ()


def kind_of(key: str) -> str | None:
    sign = _by_rule().get(key)
    return sign.kind if sign is not None else None


# -- the structural reading: a body part and a state of it that is not well -------------------------------------------
_FINDING_CLAUSE = re.compile(r"[。！!？?；;\n，,、：:]+|而|但|可是")
_BEAT_LEN = 4  # 一 X 一 X


def described_finding(text: str, lexicon: Lexicon = LEXICON) -> str | None:
    """The finding ``text`` tells of in its own words, as ``body part + state`` (e.g. ``肚子 一鼓一鼓``), when no sign's
    words tell it: a part of the body (``findings.body_parts``) followed in its clause by a state that is not well — a
    state word (``states``), a state word made of ``state_characters`` (冰冰的, 紫紫的: jieba's state-word tag ``z``
    or an adjective), a repeated beat (一吸一吸), or any state said strongly (胀得厉害). Not negated, not in advice or
    a sentence saying all is well. None when there is none. The segmenter's parts of speech tell the words apart:
    a body part is a noun (or a place word: 胸口), a state follows it."""
    findings = lexicon.findings
    if findings is None:
        return None
    text = _unmasked(fold_writing(text.lower()), lexicon)
    if is_hypothetical(text, habits=True) or not has(text, *findings.body_parts):
        return None
    text = reported(text, habits=True)
    for sentence in _sentences(text):
        if _says_well(sentence, [*lexicon.calm, *lexicon.normal]):
            continue
        for clause in _FINDING_CLAUSE.split(sentence):
            if has(clause, *findings.body_parts):
                found = _finding_in(clause, findings)
                if found is not None:
                    return found
    return None


def _body_part(word: str, tag: str, findings: Findings) -> bool:
    if tag.startswith(("v", "d", "m")) and word not in findings.body_parts:
        return False
    return word in findings.body_parts or (len(word) > 1 and word[0] in "小两双" and word[1:] in findings.body_parts)


def _finding_in(clause: str, findings: Findings) -> str | None:
    words = tagged(clause)
    starts, at = [], 0
    for word, _tag in words:
        starts.append(at)
        at += len(word)
    beat = re.compile("一([" + re.escape("".join(findings.beats)) + "])一\\1")
    for i, (word, tag) in enumerate(words):
        if not _body_part(word, tag, findings):
            continue
        for j in range(i + 1, min(i + 8, len(words))):
            state, state_tag = words[j]
            if _body_part(state, state_tag, findings):
                break  # another part of the body: its own finding
            rest = clause[starts[j]:]
            told = next((w for w in findings.states if rest.startswith(w)), None)
            if told is None and len(state) > 1 and state[0] in findings.state_characters and (
                    state[1] == state[0] or (state_tag in ("z", "a", "an") and state[1] in findings.state_characters + "邦乎")):
                told = state  # 青青的, 硬硬的, 硬邦邦 (jieba: a state word)
            if told is None:
                beaten = beat.match(rest)
                told = beaten[0] if beaten is not None else None
            if told is None and (state.endswith("得") or rest[len(state):].startswith("得")) and any(
                    w in findings.degrees for w, _t in words[j + 1:j + 4]):
                told = state + "得"  # 胀得厉害: any state said so strongly
            if told is not None:
                if negated(clause, starts[j]) or negated(clause, starts[i]):
                    break
                return f"{word} {told}"
    return None
