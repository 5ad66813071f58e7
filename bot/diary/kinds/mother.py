"""The mother: meals (月子餐), blood pressure, lochia (恶露), wound, breasts, mood."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.everyday import EVERYDAY
from bot.diary.kinds import (
    MOTHER,
    URGENT,
    WATCH,
    Alert,
    EntryKind,
    Field,
    FlagContext,
    Said,
    alert,
    hours_text,
    invalid,
    register,
    spaced,
)
from bot.diary.lexicon import kind_words, signs_of_kind, symptoms_of, told, without_denied
from bot.diary.reading import BABY_WORDS, affirmed, any_of, fold_writing, has, is_hypothetical, negated

if TYPE_CHECKING:
    from bot.models import DiaryEntry

LOW_MOOD_SPAN = dt.timedelta(days=14)

_MEALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("breakfast", ("早餐", "早饭")), ("lunch", ("午餐", "午饭", "中饭")), ("dinner", ("晚餐", "晚饭")),
    ("night_snack", ("夜宵", "宵夜")), ("snack", ("加餐", "点心", "下午茶")),
)
_MEAL_WORDS = tuple(word for _meal, words in _MEALS for word in words)
_MEAL_TOLD = EVERYDAY.meals
# How much was eaten, the narrower amounts first (吃了一点 before 吃了; 吃完 not when negated: 没吃完).
_EATEN: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (eaten, tuple(_MEAL_TOLD.eaten[eaten])) for eaten in ("little", "most", "half", "all") if eaten in _MEAL_TOLD.eaten)
# A meal named as the time of something else (吃完早饭后我刚准备去卧室, 早餐时): no meal of its own.
_EATEN_OF = {word: eaten for eaten, words in _EATEN for word in words}
_EATEN_ANY = any_of(_EATEN_OF)
_MEAL_AS_TIME = re.compile(rf"(?:吃完|吃过|吃了|用完)?(?:{any_of(_MEAL_WORDS).pattern})"
                           rf"(?:{any_of(_MEAL_TOLD.as_time).pattern})(?!间|段|[:：(（\d])(?=.)")
_EATING = any_of(_MEAL_TOLD.eating)
_SERVING = any_of(_MEAL_TOLD.servings)
_DISH = any_of(_MEAL_TOLD.dishes)
_CLAUSE = re.compile(r"[，,。；;！!？?]")


def _blank(match: re.Match[str]) -> str:
    return " " * len(match[0])


def _meal_fields(text: str) -> dict[str, Any]:
    """Which meal (its name, else the part of the day a story tells) and how much of it was eaten."""
    fields: dict[str, Any] = {}
    for meal, words in _MEALS:
        if has(text, *words):
            fields["meal"] = meal
            break
    else:
        for meal, parts in _MEAL_TOLD.parts_of_day.items():
            if has(text, *parts):
                fields["meal"] = meal
                break
    told = {_EATEN_OF[m[0]] for m in _EATEN_ANY.finditer(text) if affirmed(text, m[0])}
    for eaten, _words in _EATEN:
        if eaten in told:
            fields["eaten"] = eaten
            break
    return fields


def parse_meal(said: Said) -> dict[str, Any] | None:
    text = _MEAL_AS_TIME.sub(_blank, said.text) if said.has(*_MEAL_TOLD.as_time) else said.text
    if not has(text, "月子餐", *_MEAL_WORDS):
        return None  # every meal it names is the time of something else
    fields = _meal_fields(text)
    dishes = re.sub(r"月子餐|早餐|早饭|午餐|午饭|中饭|晚餐|晚饭|夜宵|宵夜|加餐|吃完|光盘|一半|大部分", " ", said.text)
    # Who it was made for and the making are no dish: 给宝妈做早餐.
    dishes = re.sub(r"给?(?:产妇|妈妈|宝妈|母亲|产母)?(?:做了?|准备了?|煮了?)|^给", " ", dishes)
    dishes = " ".join(dishes.split())
    if dishes:
        fields["dishes"] = dishes[:200]  # the whole line stays in the text
    return fields


def meal_told(said: Said) -> dict[str, Any] | None:
    """A meal told as a story (我把一大碗羊肚全部吃掉, 早上…还要吃下一大碗鸡汤面): a verb of eating, not negated, and
    in its clause a serving or a dish; the mother's, so the line names no baby. Weak evidence: asked only once no
    kind took the line (``EntryKind.fallback``)."""
    if _EATING.search(said.text) is None or has(said.text, *BABY_WORDS):
        return None
    text = _MEAL_AS_TIME.sub(_blank, said.text) if said.has(*_MEAL_TOLD.as_time) else said.text
    dishes: list[str] = []
    for clause in _CLAUSE.split(text):
        if not any(not negated(clause, m.start()) for m in _EATING.finditer(clause)):
            continue
        found = [m[0] for m in _DISH.finditer(clause)]
        if found or _SERVING.search(clause) is not None:
            dishes += [dish for dish in found if dish not in dishes]
            break
    else:
        return None
    fields = _meal_fields(text)
    if dishes:
        fields["dishes"] = "、".join(dishes)
    return fields


def parse_blood_pressure(said: Said) -> dict[str, Any] | None:
    match = re.search(r"(\d{2,3})\s*[/\\-]\s*(\d{2,3})", said.text)
    if not match:
        return None
    systolic, diastolic = int(match[1]), int(match[2])
    if diastolic > systolic:  # 85/135 typed the wrong way round: the systolic is always the higher
        systolic, diastolic = diastolic, systolic
    if systolic == diastolic or not (60 <= systolic <= 260 and 30 <= diastolic <= 180):
        return None
    return {"systolic_mmhg": systolic, "diastolic_mmhg": diastolic}


def check_blood_pressure(fields: dict[str, Any]) -> None:
    if fields["diastolic_mmhg"] >= fields["systolic_mmhg"]:
        raise invalid("diastolic_mmhg", "舒张压应低于收缩压")


# ACOG Practice Bulletin 222 (gestational hypertension and preeclampsia) and Committee Opinion 736 (postpartum care);
# AWHONN POST-BIRTH; DIARY.md: ≥ 160/110 is urgent; ≥ 140/90 is watch alone and urgent with a headache, vision
# changes or upper-belly pain (the symptoms are the lexicon's, bot/diary/data/danger_signs.yaml).
BP_SEVERE = (160, 110)
BP_HIGH = (140, 90)


def blood_pressure_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """≥ 160/110 is urgent, ≥ 140/90 with a headache, blurred vision or upper-belly pain urgent, alone watch."""
    sys_, dia = entry.fields.get("systolic_mmhg"), entry.fields.get("diastolic_mmhg")
    if not isinstance(sys_, int) or not isinstance(dia, int):
        return []
    if sys_ >= BP_SEVERE[0] or dia >= BP_SEVERE[1]:
        return [alert(entry, "blood_pressure_urgent", URGENT,
                      texts.FLAG_REASONS["blood_pressure_urgent"].format(bp=f"{sys_}/{dia}"))]
    high = sys_ >= BP_HIGH[0] or dia >= BP_HIGH[1]
    if high and not is_hypothetical(entry.text or "") and affirmed(
            fold_writing((entry.text or "").lower()), *symptoms_of("blood_pressure_symptoms")):
        return [alert(entry, "blood_pressure_symptoms", URGENT,
                      texts.FLAG_REASONS["blood_pressure_symptoms_reading"].format(bp=f"{sys_}/{dia}"))]
    if high:
        return [alert(entry, "blood_pressure_high", WATCH, texts.FLAG_REASONS["blood_pressure_high"].format(bp=f"{sys_}/{dia}"))]
    return []


# Lochia told without the word: bleeding or discharge from the vagina, "below" (下体, 身下, 下腹) or on the pad.
_LOCHIA_PLACES = ("阴道", "下体", "下身", "身下", "产护垫", "卫生巾", "下腹")
_LOCHIA_WHAT = ("血", "分泌物", "液体", "流出", "排出")


def parse_lochia(said: Said) -> dict[str, Any] | None:
    """Lochia named or told by where it comes from; or a line telling a sign the lochia entry measures (the lexicon's
    heavy bleeding: 鲜血顺着大腿流下, 一小时湿透一片卫生巾), whose amount is then much."""
    signs = told(said.text) & signs_of_kind("lochia")
    if not said.has("恶露", *_LOCHIA_PLACES) and not signs:
        return None  # a word of a sign's description alone (一小时, 血块) is no lochia
    if not said.has("恶露") and not said.has(*_LOCHIA_WHAT) and not signs:
        return None  # 下体 or a pad with no blood or discharge said is no lochia
    fields: dict[str, Any] = {}
    if affirmed(said.text, "鲜红", "大红", "鲜血"):
        fields["colour"] = "red"
        fields["bright"] = True
    elif said.has("淡红", "粉", "浅红"):
        fields["colour"] = "pink"
    elif said.has("暗红", "深红", "咖啡红"):
        fields["colour"] = "dark-red"  # lochia rubra's usual colour in the first days: not bright red
    elif said.has("红") or affirmed(said.text, "血块"):
        fields["colour"] = "red"  # clots are red lochia; how bright, only a colour word says (暗红，有血块 is dark)
    elif said.has("褐", "咖啡", "棕"):
        fields["colour"] = "brown"
    elif said.has("白", "黄"):
        fields["colour"] = "white"
    for amount, words in (("much", ("多", "大量")), ("little", ("少", "一点"))):
        if said.has(*words):
            fields["amount"] = amount
            break
    if "heavy_bleeding" in signs:
        fields["amount"] = "much"
    # 无阴道分泌物有异味: the negation opening the clause denies the whole phrase, its 有异味 too
    if affirmed(without_denied(said.text), "臭", "异味", "气味", "味道大", "难闻") or "lochia_smell" in signs:
        fields["smell"] = True
    return fields


def lochia_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """A bad smell; bright red again after day 10."""
    f, found = entry.fields, []
    if f.get("smell"):
        found.append(alert(entry, "lochia_smell", WATCH, texts.FLAG_REASONS["lochia_smell"]))
    day = ctx.day_of_life(entry.occurred_at)
    if f.get("colour") == "red" and f.get("bright") and f.get("amount") == "much" and day is not None and day > 4:
        # Bright red and heavy again once it had lightened (DIARY.md, heavy bleeding; ACOG Committee Opinion 736:
        # secondary postpartum haemorrhage).
        found.append(alert(entry, "heavy_bleeding", URGENT, texts.FLAG_REASONS["heavy_bleeding"]))
    elif f.get("colour") == "red" and f.get("bright") and day is not None and day > 10:
        found.append(alert(entry, "lochia_red", WATCH, texts.FLAG_REASONS["lochia_red"].format(day=day)))
    return found


# A wound red, swollen, hot or oozing pus is urgent (AWHONN POST-BIRTH; DIARY.md); 无红肿 is no sign.
_WOUND_SIGNS = ("红肿", "渗液", "渗出", "流脓", "化脓", "脓", "裂开", "发热", "发烫", "臭", "鼓包", "流水")


_WOUND_WORDS = ("伤口", "侧切", "刀口", "会阴", "切口")


def parse_wound(said: Said) -> dict[str, Any] | None:
    """A wound named, or told by a sign the wound entry measures (the lexicon's wound infection: 裂开…化脓)."""
    signs = told(said.text) & signs_of_kind("wound")
    if not said.has(*_WOUND_WORDS) and not signs:
        return None
    fields: dict[str, Any] = {}
    text = said.text
    if said.has("侧切", "会阴"):
        fields["site"] = "perineum"
    elif said.has("刀口", "剖腹", "剖宫", "刨宫", "切口"):
        fields["site"] = "caesarean"
    if affirmed(text, *_WOUND_SIGNS) or signs:
        fields["condition"] = "infected_signs"
    elif affirmed(text, "疼", "痛"):
        fields["condition"] = "painful"
    elif affirmed(text, "愈合", "正常", "干燥", "好", "无红肿"):
        fields["condition"] = "healing"
    return fields


def wound_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """A wound red, swollen, oozing or with pus is urgent."""
    if entry.fields.get("condition") != "infected_signs":
        return []
    signs = "、".join(w for w in _WOUND_SIGNS if affirmed(entry.text, w)) or "有感染迹象"
    return [alert(entry, "wound_infection", URGENT, texts.FLAG_REASONS["wound_infection"].format(signs=signs))]


_BREAST = EVERYDAY.breast
_NOT_ENGORGED = any_of(_BREAST.not_engorged)


def parse_breast(said: Said) -> dict[str, Any] | None:
    """The breast named (乳房, 堵奶 …), or told by its place in a mother's line with a state of its own (胸部很疼痛,
    右奶的下方有大硬块, 胸部硬到像石块); the nipple named only as where the baby feeds (一找到乳头) is the feed's."""
    text = said.text
    if not said.has(*_BREAST.named) and (has(text, *BABY_WORDS) or not affirmed(text, *_BREAST.states)):
        return None
    sized = _NOT_ENGORGED.sub(_blank, text)  # 涨大的肿块: the lump's size, no engorgement
    conditions = [name for name, words in _BREAST.conditions.items()
                  if affirmed(sized if name == "engorged" else text, *words)]
    if not conditions and said.has(*_BREAST.latch):
        return None
    return {"conditions": conditions} if conditions else {}


# A blocked duct not cleared in 24 hours is watch (DIARY.md; Academy of Breastfeeding Medicine protocol 36, 2022).
BLOCKED_DUCT_HOURS = 24


def blocked_duct(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """A breast entry still telling a blocked duct 24 hours or more after the first one of the same episode (no
    entry between them telling it cleared)."""
    conditions = entry.fields.get("conditions") or []
    if "blocked" not in conditions or "relieved" in conditions:
        return []
    earlier = ctx.timeline("breast", entry.occurred_at - dt.timedelta(days=7), entry.occurred_at)
    first = None
    for past in earlier:
        told = past.fields.get("conditions") or []
        if "relieved" in told:
            first = None
        elif "blocked" in told:
            first = first or past
    if first is None or entry.occurred_at - first.occurred_at < dt.timedelta(hours=BLOCKED_DUCT_HOURS):
        return []
    reason = texts.FLAG_REASONS["blocked_duct_hours"].format(hours=hours_text(entry.occurred_at - first.occurred_at))
    return [Alert(f"blocked_duct:{first.id}", "blocked_duct", WATCH, reason, entry)]


_MOOD = EVERYDAY.mood
_NOT_MOOD = any_of(_MOOD.not_mood)
_DESCRIBED = any_of([*_MOOD.described_low, *_MOOD.described_good])


def parse_mood(said: Said) -> dict[str, Any] | None:
    fields: dict[str, Any] = {}
    text = said.text
    q10 = _EPDS_Q10.search(text)
    if q10 is not None:
        fields["epds_q10"] = int(q10[1])
        text = text[:q10.start()] + " " + text[q10.end():]
    epds = re.search(r"epds[^\d]{0,6}(\d{1,2})(?!\s*题)", text)
    if epds and int(epds[1]) <= 30:
        fields["epds"] = int(epds[1])
    if said.has(*_MOOD.low):
        fields["mood"] = "low"
    elif said.has(*_MOOD.good):
        fields["mood"] = "good"
    return fields


def mood_told(said: Said) -> dict[str, Any] | None:
    """A mood told by what the mother does and feels (哭到睡着，觉得自己是失败的妈妈; 精神状况良好): hers when the line
    names her or the writer (我, 自己) and no baby (宝宝一直哭 is the baby's crying); crying from pain is no mood. Weak
    evidence, asked once no kind took the line (``EntryKind.fallback``)."""
    text = said.text
    if _DESCRIBED.search(text) is None or has(text, *BABY_WORDS, *_MOOD.others) or not (
            said.mother or has(text, *_MOOD.self)):
        return None
    text = _NOT_MOOD.sub(_blank, text)
    if affirmed(text, *_MOOD.described_low):
        return {"mood": "low"}
    if affirmed(text, *_MOOD.described_good):
        return {"mood": "good"}
    return None


# EPDS guidance (NSW Health, "Using the EPDS"; DIARY.md): any score above 0 on question 10 (thoughts of self-harm) is
# urgent whatever the total; a total ≥ 13 is probable depression (tell the family and supervisor), ≥ 10 possible.
EPDS_POSSIBLE = 10
EPDS_PROBABLE = 13
_EPDS_Q10 = re.compile(r"(?:第\s*10\s*题|q\s*10|问题\s*10|10题|第十题)\s*[:=：]?\s*(?:得分|评分)?\s*([0-3])\s*分?")


def epds_score(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    found = []
    q10 = entry.fields.get("epds_q10")
    if isinstance(q10, int) and q10 > 0:
        found.append(alert(entry, "epds_q10", URGENT, texts.FLAG_REASONS["epds_q10"].format(q10=q10)))
    score = entry.fields.get("epds")
    if isinstance(score, int) and score >= EPDS_PROBABLE:
        found.append(alert(entry, "epds", WATCH, texts.FLAG_REASONS["epds_probable"].format(score=score)))
    elif isinstance(score, int) and score >= EPDS_POSSIBLE:
        found.append(alert(entry, "epds", WATCH, texts.FLAG_REASONS["epds"].format(score=score)))
    return found


def low_mood(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Low-mood entries spanning more than 14 days with no good-mood entry between them."""
    if entry.fields.get("mood") != "low":
        return []
    moods = ctx.timeline("mood", entry.occurred_at - dt.timedelta(days=60), entry.occurred_at)
    streak_start = None
    for mood in moods:
        if mood.fields.get("mood") == "low":
            streak_start = streak_start or mood
        elif mood.fields.get("mood") == "good":
            streak_start = None
    if streak_start is None or entry.occurred_at - streak_start.occurred_at <= LOW_MOOD_SPAN:
        return []
    return [Alert(f"low_mood:{streak_start.id}", "low_mood", WATCH, texts.FLAG_REASONS["low_mood"], entry)]


register(EntryKind(
    name="meal", about=MOTHER, label="月子餐", order=160,
    fields=(
        Field("meal", "choice", options=("breakfast", "lunch", "dinner", "night_snack", "snack")),
        Field("dishes", "string", max_len=200),
        Field("eaten", "choice", options=("all", "most", "half", "little")),
    ),
    keywords=("月子餐", "早餐", "午餐", "晚餐", "早饭", "午饭", "晚饭", "夜宵", "宵夜", "加餐", "点心"), parse=parse_meal,
    fallback=meal_told, priority=70,
))
register(EntryKind(
    name="blood_pressure", about=MOTHER, label="血压", order=180,
    fields=(Field("systolic_mmhg", "integer", 50, 260), Field("diastolic_mmhg", "integer", 30, 200)),
    required=("systolic_mmhg", "diastolic_mmhg"), check=check_blood_pressure,
    keywords=("血压",), parse=parse_blood_pressure, priority=10,
    flag_rules=(blood_pressure_signs,),
    describe=lambda f: spaced("血压", [f"{f.get('systolic_mmhg')}/{f.get('diastolic_mmhg')}mmHg"]),
))
register(EntryKind(
    name="lochia", about=MOTHER, label="恶露", order=190,
    fields=(
        Field("colour", "choice", options=("red", "dark-red", "pink", "brown", "white")),
        Field("bright", "boolean"),
        Field("amount", "choice", options=("little", "much")),
        Field("smell", "boolean"),
    ),
    keywords=("恶露", *_LOCHIA_PLACES, *kind_words("lochia")), parse=parse_lochia, priority=30,
    flag_rules=(lochia_signs,),
))
register(EntryKind(
    name="wound", about=MOTHER, label="伤口", order=200,
    fields=(
        Field("site", "choice", options=("perineum", "caesarean")),
        Field("condition", "choice", options=("healing", "painful", "infected_signs")),
    ),
    keywords=(*_WOUND_WORDS, *kind_words("wound")), parse=parse_wound, priority=60,
    flag_rules=(wound_signs,),
))
register(EntryKind(
    name="breast", about=MOTHER, label="乳房", order=210,
    fields=(Field("conditions", "choices", options=("engorged", "blocked", "cracked", "mastitis_signs", "relieved")),),
    keywords=(*_BREAST.named, *_BREAST.places), parse=parse_breast, priority=50,
    flag_rules=(blocked_duct,),
))
register(EntryKind(
    name="mood", about=MOTHER, label="情绪", order=220,
    fields=(Field("mood", "choice", options=("good", "low")), Field("epds", "integer", 0, 30),
            Field("epds_q10", "integer", 0, 3)),
    keywords=tuple(_MOOD.named), parse=parse_mood, fallback=mood_told, priority=40,
    flag_rules=(epds_score, low_mood),
))
