"""Nappies: wet, stool, the stool's colour and texture."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.kinds import (
    URGENT,
    WATCH,
    Alert,
    EntryKind,
    Field,
    FlagContext,
    Said,
    alert,
    field_parts,
    hours_text,
    register,
    spaced,
)
from bot.diary.reading import affirmed, has
from bot.diary.summary import DaySummary
from bot.diary.words import without_words

if TYPE_CHECKING:
    from bot.models import DiaryEntry

# DIARY.md flag table. No wet nappy for 8 hours is urgent (新生儿访视技术规范; NHS "fewer wet nappies").
WET_GAP = dt.timedelta(hours=8)
WINDOW = dt.timedelta(hours=24)
# Wet nappies a day at least, by day of life (NHS infant-feeding output tables, ELHT / Parent Club): day 1 one,
# day 2 two … day 6 on six.
MIN_WET_BY_DAY = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
MIN_WET = 6
# Black stool: meconium still black after day 4 is watch, black after day 5 urgent (DIARY.md; NHS poo colour guide).
MECONIUM_WATCH_AFTER_DAY = 4
BLACK_STOOL_URGENT_AFTER_DAY = 5
# From day 3 a breastfed baby passes at least 2 stools in 24 hours (NHS infant-feeding output tables, ELHT / Parent
# Club; DIARY.md): fewer is watch. A baby fed only formula in that window is not held to it.
MIN_STOOLS_FROM_DAY = 3
MIN_STOOLS = 2
# Urate crystals (brick-red / orange stains) or dark urine after day 4 is watch: the baby may not be getting enough.
URATES_WATCH_AFTER_DAY = 4
_URATES = ("尿酸盐", "尿酸结晶", "砖红", "橘红色", "橙红色", "橙色", "尿色深", "尿色很深", "尿很黄", "尿黄", "深黄色尿",
           "尿液深黄", "尿液发黄", "浓茶色")

_STOOL_COLOURS = (
    ("white-grey", ("白", "灰", "陶土", "苍白", "浅色")),
    ("red", ("红", "血")),
    ("black", ("黑", "柏油")),
    ("green", ("绿",)),
    ("brown", ("棕", "褐", "咖啡")),
    ("yellow", ("黄",)),
)
_COLOUR_WORDS = "|".join(sorted({w for _c, words in _STOOL_COLOURS for w in words}, key=len, reverse=True))
_NEGATION = r"(?:没有|没|无|不|未见|未|停止|不再)"  # 停止排便: no stool passed
_STOOL_WORDS = r"(?:(?:拉|解|排)?(?:大便|便便|屎|臭臭|粑粑|💩)|排便|解便|拉)"
# Words with a colour character that say nothing of the stool: 白天 (daytime), a red bottom (nappy rash), a formula-fed
# baby's usual 土灰色 (earthy grey-brown: gohaveababy.com, 牛乳餵養的嬰兒大便色淡黃或呈土灰色), which is no pale stool, and
# white curds of milk in a stool (白色奶瓣, 白色颗粒: bohe.cn, 白色钙皂颗粒 … 正常代谢产物), which are no white stool.
_NOT_STOOL_COLOUR = re.compile(
    r"土灰色?|白色?的?小?(?:奶瓣|颗粒)|白天|明白|蛋白|红屁股|红屁屁|(?:小)?(?:屁股|屁屁|臀部|pp|肛门)(?:有点|有些|一点|有一点|很|好|发|都)?(?:红|发红)"
)


def _without_negated(body: str) -> str:
    """``body`` with what is said to be absent taken out: 无血丝, 没有血, 不是黑色, 没有大便, 没拉."""
    body = re.sub(rf"{_NEGATION}(?:有|见|带|是|发)?(?:{_COLOUR_WORDS})(?:色|丝|点|便)?", " ", body)
    body = re.sub(rf"{_NEGATION}(?:有|见)?{_STOOL_WORDS}", " ", body)
    body = re.sub(rf"(?<!尿){_NEGATION}(?:有)?湿过?", "干的", body)  # 尿片都未湿过: a dry nappy (尿不湿 is a nappy)
    return re.sub(rf"{_NEGATION}(?:有|见)?(?:小便|尿)", " ", body)


def _stool_colour(body: str) -> str | None:
    """The stool's colour: blood wins (it must be seen); then the colour next to 大便, then one written as X色."""
    said = _NOT_STOOL_COLOUR.sub(" ", body)
    if "血" in said:
        return "red"
    found = []  # (rank, colour)
    severity = [colour for colour, _words in _STOOL_COLOURS]
    for colour, words in _STOOL_COLOURS:
        for word in words:
            for match in re.finditer(re.escape(word), said):
                before, after = said[:match.start()], said[match.end():]
                adjacent = bool(re.search(rf"{_STOOL_WORDS}[\s:：是呈颜色的为]{{0,3}}$", before)) or after.startswith("便")
                explicit = after.startswith("色")
                found.append((not adjacent, not explicit, severity.index(colour), colour))
    return min(found)[3] if found else None


# Words with 尿 that are the nappy, not what is in it.
_NAPPY = re.compile(r"尿布|尿不湿|尿片|尿裤|尿垫|纸尿")
_KEYWORDS = ("尿布", "尿不湿", "纸尿裤", "尿片", "换尿", "大便", "小便", "便便", "拉了", "臭臭", "粑粑", "尿了", "嘘嘘",
             "💩", "大小便", "拉屎", "拉臭", "屎", "白便", "黑便", "绿便", "黄便", "血便", "稀便", "色便", "陶土便", "尿呈",
             "又尿", "加尿", "排便", "解便", "尿酸盐", "尿色", "尿很黄", "尿黄", "尿液", "粪便", "粪", "样便", "软便", "硬便",
             "尿偏黄", "尿发黄", "拉稀", "拉的", "糊状", "一粒一粒", "拉1次", "拉2次", "拉3次", "拉了1次")
# What a stool looks like, said without naming the stool (金黄色糊状的, 黄色一粒一粒的, 拉稀水样的).
_STOOL_SHAPES = ("糊状", "一粒一粒", "水样", "稀水", "蛋花样")
_DRY = ("干爽", "干的", "是干", "没湿", "没有湿", "干干", "干燥")
# Words that hold a nappy word but are none: eye, nose and ear discharge (眼屎 is no stool), nappy rash.
_NOT_NAPPY = ("眼屎", "鼻屎", "耳屎", "尿布疹")


# A stool told by its colour and hardness alone (干的棕色, 棕色硬的): a dry nappy has no colour.
_HARD_STOOL = re.compile(r"(?:干|硬)(?:的|了)?\s*[^\d\s，,。]{1,3}色的?|[^\d\s，,。]{1,3}色的?\s*(?:干|硬)(?:的|了)?")


def parse_diaper(line: Said) -> dict[str, Any] | None:
    text = without_words(line.text, *_NOT_NAPPY)
    if _HARD_STOOL.fullmatch(text.strip(" ，,。")) is not None and (colour := _stool_colour(text)):
        return {"wet": False, "stool": True, "colour": colour, "texture": "hard"}
    if not has(text, *_KEYWORDS):
        return None  # 眼屎有点多, 尿布疹: no nappy was changed
    said = _without_negated(text)
    if not has(said, *_KEYWORDS) and not has(said, *_DRY):
        return None  # only what did not happen is named (一晚上没尿, 停止排便): no nappy was changed
    stool = has(said.replace("小便", "").replace("顺便", "").replace("方便", ""),
                "大便", "便便", "粪", "拉了", "拉屎", "屎", "臭臭", "粑粑", "💩", "便", "拉臭", "又拉", "在拉", "拉着",
                "拉稀", "拉的", "拉1次", "拉2次", "拉3次", *_STOOL_SHAPES)
    wet = has(said, "小便", "嘘嘘", "都有", "大小便") or "尿" in _NAPPY.sub("", said) or "湿" in _NAPPY.sub("", said)
    if has(said, "都有", "大小便"):
        stool = True
    if not stool and not wet:
        wet = not has(said, *_DRY)  # a change with nothing said is a wet nappy; 干爽 is a dry one
    fields: dict[str, Any] = {"wet": wet, "stool": stool}
    if affirmed(text, *_URATES):
        fields["urates"] = True
    if stool:
        colour = _stool_colour(said)
        if colour:
            fields["colour"] = colour
        for texture, words in (("watery", ("稀", "水样", "蛋花")), ("curdy", ("奶瓣",)), ("mucus", ("粘液", "黏液")),
                               ("hard", ("硬", "干结", "颗粒")), ("soft", ("糊", "软", "正常"))):
            if has(said, *words):
                fields["texture"] = texture
                break
    return fields


def summarise_nappies(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    for entry in entries:
        summary.nappies += 1
        summary.wet += 1 if entry.fields.get("wet") else 0
        summary.dirty += 1 if entry.fields.get("stool") else 0


def nappy_lines(summary: DaySummary) -> list[str]:
    if not summary.nappies:
        return []
    return [texts.SUMMARY_DIAPERS.format(count=summary.nappies, wet=summary.wet, dirty=summary.dirty)]


def stool_colour(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """White-grey or red stool at any age; black after day 5."""
    if not entry.fields.get("stool"):
        return []
    colour = entry.fields.get("colour")
    if colour == "white-grey":
        return [alert(entry, "pale_stool", URGENT, texts.FLAG_REASONS["pale_stool"])]
    if colour == "red":
        return [alert(entry, "red_stool", URGENT, texts.FLAG_REASONS["red_stool"])]
    day = ctx.day_of_life(entry.occurred_at)
    if colour == "black" and day is not None and day > BLACK_STOOL_URGENT_AFTER_DAY:
        return [alert(entry, "black_stool", URGENT, texts.FLAG_REASONS["black_stool"])]
    if colour == "black" and day is not None and day > MECONIUM_WATCH_AFTER_DAY:
        return [alert(entry, "meconium", WATCH, texts.FLAG_REASONS["meconium"].format(day=day))]
    return []


def wet_nappies(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Fewer wet nappies in 24 hours than the day of life asks for, or more than 8 hours between two."""
    day = ctx.day_of_life(entry.occurred_at)
    if day is None or day < 1:
        return []
    minimum = MIN_WET_BY_DAY.get(day, MIN_WET)
    found: list[Alert] = []
    # One question of the day on each side: the nappies before this one, and those written later that follow it.
    both_sides = ctx.timeline("diaper", entry.occurred_at - WINDOW, entry.occurred_at + WINDOW)
    wet = [e for e in both_sides if e.fields.get("wet") and e.occurred_at <= entry.occurred_at]
    if entry.fields.get("wet"):
        earlier = [e for e in wet if e.occurred_at < entry.occurred_at]
        later = [e for e in both_sides if e.fields.get("wet") and e.occurred_at > entry.occurred_at]
        if earlier and later:
            ctx.clear([f"no_wet:{earlier[-1].id}:{later[0].id}"])  # a nappy written late fills the gap
        if earlier and entry.occurred_at - earlier[-1].occurred_at > WET_GAP:
            gap = entry.occurred_at - earlier[-1].occurred_at
            found.append(Alert(f"no_wet:{earlier[-1].id}:{entry.id}", "no_wet", URGENT,
                               texts.FLAG_REASONS["no_wet"].format(hours=hours_text(gap)), entry))
    starts = ctx.diary_starts()
    window_start = entry.occurred_at - WINDOW
    if starts is not None and starts <= window_start:
        count = sum(1 for e in wet if e.occurred_at > window_start)
        local_day = entry.occurred_at.astimezone(ctx.tz).date().isoformat()
        if count >= minimum:
            ctx.clear([f"few_wet:{local_day}"])
        else:
            found.append(Alert(f"few_wet:{local_day}", "few_wet", WATCH,
                               texts.FLAG_REASONS["few_wet"].format(count=count, day=day, minimum=minimum), entry))
    return found


def urates(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Urate crystals or dark urine after day 4."""
    day = ctx.day_of_life(entry.occurred_at)
    if not entry.fields.get("urates") or day is None or day <= URATES_WATCH_AFTER_DAY:
        return []
    if entry.fields.get("colour") == "white-grey":
        return []  # dark urine beside a pale stool is bile (cholestasis), told by the urgent pale stool, not thirst
    return [alert(entry, "urates", WATCH, texts.FLAG_REASONS["urates"].format(day=day))]


def few_stools(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """From day 3, fewer than 2 stools in the 24 hours up to this nappy (a breastfed baby; 24 hours of diary needed)."""
    day = ctx.day_of_life(entry.occurred_at)
    starts = ctx.diary_starts()
    window_start = entry.occurred_at - WINDOW
    if day is None or day < MIN_STOOLS_FROM_DAY or starts is None or starts > window_start:
        return []
    feeds = ctx.timeline("feeding", window_start, entry.occurred_at)
    if feeds and all(f.fields.get("type") == "formula" for f in feeds):
        return []
    around = ctx.timeline("diaper", window_start, entry.occurred_at)
    count = sum(1 for e in around if e.fields.get("stool") and e.occurred_at > window_start)
    if count >= MIN_STOOLS:
        return []
    local_day = entry.occurred_at.astimezone(ctx.tz).date().isoformat()
    return [Alert(f"few_stools:{local_day}", "few_stools", WATCH,
                  texts.FLAG_REASONS["few_stools"].format(count=count, day=day), entry)]


def describe_nappy(fields: Mapping[str, Any]) -> str:
    """``换尿布 小便 大便 黄色 糊状``; a nappy with neither is ``换尿布 干爽``."""
    parts = field_parts(NAPPY, fields)
    if not fields.get("wet") and not fields.get("stool"):
        parts.insert(0, texts.DRY_NAPPY)
    return spaced(NAPPY.label, parts)


NAPPY = register(EntryKind(
    name="diaper", label="换尿布", order=40,
    fields=(
        Field("wet", "boolean"),
        Field("stool", "boolean"),
        Field("colour", "choice", options=("yellow", "green", "brown", "black", "white-grey", "red")),
        Field("texture", "choice", options=("watery", "curdy", "mucus", "hard", "soft")),
        Field("urates", "boolean"),
    ),
    keywords=(*_KEYWORDS, "干", "硬"),
    parse=parse_diaper, priority=140,
    summarise=summarise_nappies, summary_lines=nappy_lines,
    flag_rules=(stool_colour, wet_nappies, few_stools, urates), describe=describe_nappy,
))
