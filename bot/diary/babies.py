"""Which baby a line is about, in an engagement with several (twins, triplets).

A line names its baby (../shared/DIARY.md, "Babies") by nickname, 大宝/小宝, 老大/老二, 哥哥/姐姐/弟弟/妹妹 (by sex
and birth order) or A/B; a line about all of them (两个宝宝各喂90ml, 双胞胎都换了尿布, 大宝小宝都…) is one entry
per baby. A name holds for the events after it in the line until another is said ("小豆苗喝了130毫升配方奶，顺便
换了一片尿布，小豆芽喝了110毫升配方奶": the nappy is 小豆苗's); a line that names a baby only at its end
("喂奶90ml 大宝") means that baby for all of it. A line naming none is asked about, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

__all__ = ["BabyRef", "Mention", "label_of", "labelled", "mentions", "which_babies"]


@dataclass(frozen=True, slots=True)
class BabyRef:
    """A baby as the diary reads it (the ``Baby`` row is for writing): the parser names it, the flags read its age,
    gestation and birth weight, the day views and replies show its ``label``.

    Read with its engagement's other babies (``bot.diary.refs``), which is what its ``label`` depends on."""

    id: int
    position: int  # birth order, 1 = first-born
    nickname: str | None = None
    sex: str | None = None  # female | male
    born_at: dt.datetime | None = None  # the hour of birth, when the agency gave it
    born_on: dt.date | None = None
    gestation_weeks: int | None = None
    birth_weight_g: int | None = None
    label: str = ""  # the nickname, or 大宝/小宝 (label_of among its engagement's babies)


@dataclass(frozen=True)
class Mention:
    """Babies named at ``start`` of a line's body (several: "both", or 大宝和小宝)."""

    start: int
    end: int
    ids: frozenset[int]


_ORDINALS = {"大宝": 1, "老大": 1, "小宝": 2, "二宝": 2, "老二": 2, "三宝": 3, "老三": 3}
# 小宝宝 / 大宝宝 are "the little baby", not a name; 大宝贝 neither.
_ORDINAL_RE = re.compile(r"(大宝|小宝|二宝|三宝)(?!宝|贝)|(老大|老二|老三)")
_SIBLING_RE = re.compile(r"哥哥|姐姐|弟弟|妹妹")
# A / B / C (lower-cased by normalise): a letter alone, or beside 宝/宝宝 (A宝, 宝宝B), never inside a word (b超).
_LETTER_RE = re.compile(r"(?:(?<=宝)|(?<![a-z0-9]))([abc])(?=宝|\s|[,，:：、]|$|(?![a-z0-9]))(?!超)")
# All of them: 两个宝宝, 双胞胎, 俩宝, 两宝, 三胞胎; 都/各 after a list of names (大宝小宝都…).
_ALL_RE = re.compile(r"两个宝宝?|两个孩子|两宝|俩宝|宝宝们|双胞胎|龙凤胎|三胞胎|三个宝宝?|俩孩子|两孩|他们俩|她们俩")
_GENERIC = frozenset({"宝宝", "宝贝", "baby", "bb"})  # a nickname every line says names no one
_JOIN = re.compile(r"\s*(?:和|跟|与|及|、|,|，|&|\+)?\s*")


def _sibling(word: str, babies: Sequence[BabyRef]) -> frozenset[int]:
    """哥哥/姐姐 is the elder of its sex, 弟弟/妹妹 the younger (with sexes unknown, by birth order alone)."""
    sex = "male" if word in ("哥哥", "弟弟") else "female"
    ordered = sorted(babies, key=lambda b: b.position)
    if any(b.sex for b in ordered):
        ordered = [b for b in ordered if b.sex == sex]
        if not ordered:
            return frozenset()
        if len(ordered) == 1:
            only = ordered[0]
            # A lone boy is 哥哥 only if he is older than a sister, 弟弟 only if younger.
            others = [b for b in babies if b.id != only.id]
            elder = all(only.position < b.position for b in others)
            younger = all(only.position > b.position for b in others)
            fits = elder if word in ("哥哥", "姐姐") else younger
            return frozenset({only.id}) if fits else frozenset()
    pick = ordered[0] if word in ("哥哥", "姐姐") else ordered[-1]
    return frozenset({pick.id})


def _raw_mentions(body: str, babies: Sequence[BabyRef]) -> list[Mention]:
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, ids: frozenset[int]) -> None:
        if ids and not any(s < end and start < e for s, e in taken):
            taken.append((start, end))
            found.append(Mention(start, end, ids))

    everyone = frozenset(b.id for b in babies)
    for match in _ALL_RE.finditer(body):
        add(match.start(), match.end(), everyone)
    # Nicknames first, longest first (小豆苗 before a shorter one it contains).
    named = (b for b in babies if b.nickname and b.nickname not in _GENERIC)
    for baby in sorted(named, key=lambda b: -len(b.nickname or "")):
        name = (baby.nickname or "").lower()
        for match in re.finditer(re.escape(name), body):
            add(match.start(), match.end(), frozenset({baby.id}))
    by_position = {b.position: b.id for b in babies}
    for match in _ORDINAL_RE.finditer(body):
        position = _ORDINALS[match[0]]
        if position in by_position:
            add(match.start(), match.end(), frozenset({by_position[position]}))
    for match in _SIBLING_RE.finditer(body):
        add(match.start(), match.end(), _sibling(match[0], babies))
    for match in _LETTER_RE.finditer(body):
        position = "abc".index(match[1]) + 1
        if position in by_position:
            add(match.start(1), match.end(1), frozenset({by_position[position]}))
    return sorted(found, key=lambda m: m.start)


def mentions(body: str, babies: Sequence[BabyRef]) -> list[Mention]:
    """The babies a line's body names, in order; names joined by 和/、 (大宝和小宝) or followed by 都/各 are one
    mention of them all."""
    raw = _raw_mentions(body, babies)
    merged: list[Mention] = []
    for mention in raw:
        if merged and _JOIN.fullmatch(body[merged[-1].end:mention.start]):
            last = merged[-1]
            merged[-1] = Mention(last.start, mention.end, last.ids | mention.ids)
        else:
            merged.append(mention)
    return merged


def which_babies(at: int, found: Sequence[Mention]) -> frozenset[int]:
    """The babies an event starting at ``at`` is about: the last mention before it, else the line's first one."""
    before = [m for m in found if m.start <= at]
    if before:
        return before[-1].ids
    return found[0].ids if found else frozenset()


def label_of(baby: BabyRef, count: int = 2) -> str:
    """How a baby is shown beside its entries: the nickname, else 大宝/小宝 (twins) or 大宝/二宝/三宝 by birth order."""
    if baby.nickname:
        return baby.nickname
    if baby.position == 1:
        return "大宝"
    if count == 2 and baby.position == 2:
        return "小宝"
    return {2: "二宝", 3: "三宝"}.get(baby.position, f"{baby.position}宝")


def labelled(babies: Sequence[BabyRef]) -> tuple[BabyRef, ...]:
    """An engagement's babies, in birth order, each with its label among them."""
    return tuple(replace(b, label=label_of(b, len(babies))) for b in babies)
