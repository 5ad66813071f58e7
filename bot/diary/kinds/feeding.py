"""Feeds, and what comes back up: feeding, burp, spit_up."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.diary import texts
from bot.diary.everyday import EVERYDAY
from bot.diary.kinds import (
    DURATION,
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
from bot.diary.kinds.medication import MEDICINE_WORDS
from bot.diary.lexicon import tells_mothers_sign
from bot.diary.reading import NUM, affirmed, amount_ml, any_of, duration_min, has, side
from bot.diary.summary import DaySummary
from bot.diary.words import has_word

if TYPE_CHECKING:
    from bot.models import DiaryEntry

FEED_GAP = dt.timedelta(hours=4)
WINDOW = dt.timedelta(hours=24)
MIN_FEEDS = 8


# Words that name a feed for sure; 吃了/喝了 and a bare "ml" only do with a number (吃了90毫升, 90ml).
_FEED_WORDS = ("喂奶", "吃奶", "喝奶", "母乳", "亲喂", "配方", "奶粉", "瓶喂", "吸奶", "挤奶", "喂乃", "🍼", "混合喂养", "混喂",
               "喂了", "喂母乳", "直喂", "喂养", "母奶", "奶")
_WATER = re.compile(r"(?:喂|喝|饮)了?(?:点|些|一点|几口)?(?:温|白)?开?水|\d+\s*(?:ml|毫升|cc)?\s*(?:的)?(?:温|白)?开?水(?!温|样)"
                    r"|(?<![血羊流口])水\s*\d+\s*(?:ml|毫升|cc)")
_PUMPING = ("吸奶", "挤奶", "吸完奶", "挤完奶")
# Words with 奶 that are no feed: curds in a stool, milk rash, a dummy, grandma, a blocked duct (Taiwan: 塞奶), the
# protein of cow's milk (牛奶蛋白过敏), a baby at the breast (八斤半的奶娃娃: the baby, not a feed).
_NOT_A_FEED = re.compile(r"奶瓣|奶癣|奶嘴|奶渍|奶垢|奶块|奶香|祖母|塞奶|牛奶蛋白|奶娃")
# The baby latched at the breast (一找到乳头，就自己吸吮起来了; 含住乳头): a feed at the breast, unless the suck is weak
# (吸吮无力: a sign the note kind reads).
_LATCHED = re.compile(rf"(?:{any_of(EVERYDAY.breast.latch).pattern})(?!\s*(?:无力|力|弱|差|不好|困难|费力))")
# Milk expressed by hand or pump, and what it yielded (挤到手快抽筋也只有少少的1ml): the mother's, no feed unless the
# line gives it to the baby.
_EXPRESSED = any_of(EVERYDAY.expressing.verbs)
# Drinks and food that are the mother's, never the baby's feed.
_NOT_MILK = re.compile(r"(?:汤|粥|茶|酒|羹|果汁)\s*[(（:]?\s*\d|\d+\s*(?:ml|毫升|cc)?\s*的?(?:汤|粥|茶|酒|羹|果汁)")
# A number that is no amount: a count (3次), an age (14天), a day (第5天), a clock (8点).
_NOT_AMOUNT = r"(?!\s*(?:次|天|日|周|个月|月|岁|号|点|时|分钟|分|小时|斤|克|g|kg|度|℃|滴|粒|片|袋|勺))"
_DRINK = re.compile(rf"(?:吃|喝)了?\s*(\d+(?:\.\d+)?)\s*(?:多|左右)?{_NOT_AMOUNT}")
# 左右 after an amount, a duration or a clock is "about" (喝奶150毫升左右), not both sides.
_ABOUT = re.compile(r"(?<=[\d升lc钟分点时])\s*左右")
_DRUNK_ML = re.compile(r"(?:吃|喝)了\s*\d+(?:\.\d+)?\s*(?:多|左右)?\s*(?:ml|毫升|cc)")


# Fed until a time (吃到九点, 喝到10点半): a feed whose end is told (the line's time, when it is the only one, is that
# end: read_line files it there). After ``find_time`` took the clock away only 吃到 may be left.
_FED_UNTIL = re.compile(r"(?:吃|喝|喂)(?:奶|母乳)?(?:一直)?到\s*(?:\d{1,2}\s*(?:点|:)|$)")


# A feed told by its verb alone, done (喂完了, 吃了, 吃饱了), last after a name or an aside (补记一下咖啡 喂过).
_FED = re.compile(r"(?:^|(?<=\s))(?:宝宝|宝贝)?(?:刚刚|刚才|刚|已经|才)?(?:喂|吃|喝)(?:[完过饱]了?|了|的)(?:奶)?$")
# Nursing done or timed (哺乳15分钟, 刚哺乳完) is a feed at the breast; 哺乳 alone is mostly the period (哺乳期) or prose.
_NURSED = re.compile(r"哺乳(?:了|完)|哺乳\s*了?\s*\d+(?:\.\d+)?\s*(?:分钟|分|min)")
_FED_VERBS = ("喂完", "喂过", "喂饱", "喂的", "吃的", "吃了", "吃完", "吃过", "吃饱", "喝了", "喝完", "喝过")


def parse_feeding(said: Said) -> dict[str, Any] | None:
    """A feed named as such (喂奶, 母乳, 奶粉, 喂水 …), or told by its verb alone (喂完了)."""
    if not said.mother and _FED_UNTIL.search(said.text.strip(" ，,。；;")) is not None:
        return _feed(said) or {}
    if not said.mother and _FED.search(said.text.strip(" ，,。；;!！~")) is not None:
        return None if has(said.text, *MEDICINE_WORDS) else {}  # 药 吃了: the medicine was taken
    if not said.mother and _DRUNK_ML.search(said.text) is not None and _NOT_MILK.search(said.text) is None:
        return _feed(said)  # 喝了60ml: drunk, by the millilitre, as sure as 喂奶 60ml
    if _NURSED.search(said.text) is not None and not has(said.text, "配方", "奶粉", "奶瓶", "瓶喂"):
        return {"type": "breast", **(_feed(Said(said.text.replace("哺乳", "亲喂"), said.mother)) or {})}
    milk = has(_NOT_A_FEED.sub(" ", said.text), *_FEED_WORDS)
    if not milk and not said.mother and _LATCHED.search(said.text) is not None and affirmed(
            said.text, *EVERYDAY.breast.latch):
        duration = duration_min(said.text)
        return {"type": "breast", **({"duration_min": duration} if duration is not None else {})}
    water = _WATER.search(said.text) is not None
    if said.mother and has(said.text, *_PUMPING) and not has(said.text, "喂", "宝宝", "宝贝", "ml", "毫升"):
        return None  # 宝妈吸完奶了: the mother pumped; no baby was fed
    return _feed(said) if milk or water else None


def feed_by_amount(said: Said) -> dict[str, Any] | None:
    """A line no kind took that gives millilitres, or drinking an amount: a feed (吃了90毫升, 90ml)."""
    if amount_ml(said.text) is None and _DRINK.search(said.text) is None:
        return None
    if said.mother or _NOT_MILK.search(said.text):
        return None  # 生化汤(50ml), 妈妈喝了200ml汤: the mother's food, not a feed
    if _EXPRESSED.search(said.text) is not None and not has(said.text, *EVERYDAY.expressing.given):
        return None  # 挤到手快抽筋也只有1ml: what expressing yielded, given to nobody
    return _feed(said)


def _feed(said: Said) -> dict[str, Any] | None:
    body = said.text
    fields: dict[str, Any] = {}
    milk = has(body, *_FEED_WORDS)
    water = _WATER.search(body) is not None and not has(body, "奶粉", "配方", "母乳", "喂奶", "吃奶", "喝奶")
    amount = amount_ml(body)
    drink = _DRINK.search(body)
    if not milk and not water and amount is None and drink is None:
        return None  # 吃了/喝了 with no amount and no milk named: something else was eaten
    formula = has(body, "配方", "奶粉")
    breast = has(body, "母乳", "母奶", "亲喂", "直喂", "乳喂")
    if (formula and breast) or (has(body, "混合", "混喂") and not formula and not breast):
        # 母乳+奶粉 60ml: one feed of both milks with one measure (each milk with its own measure is its own feed:
        # 母乳20分钟+奶粉30ml is cut into two, parse._PIECES); 混合喂养 母乳10分钟: the milk named is the feed's.
        fields["type"] = "mixed"
    elif formula:
        fields["type"] = "formula"
    elif has(body, "吸出", "挤出", "吸奶", "挤奶", "瓶喂母乳", "母乳瓶喂", "储存奶", "冻奶"):
        fields["type"] = "expressed"
    elif water:
        fields["type"] = "water"
    elif has(body, "亲喂", "直喂", "乳喂"):
        fields["type"] = "breast"
    elif has(body, "母乳", "母奶"):
        # 母乳 (Taiwan: 母奶) with millilitres is a bottle of expressed milk (吃了80ml母乳, 喝了50母乳); timed, it is at
        # the breast.
        fields["type"] = "expressed" if amount is not None or drink is not None else "breast"
    which = side(_ABOUT.sub(" ", body))
    if which:
        fields["side"] = which
    duration = duration_min(body)
    per_side = [float(m[1]) for m in re.finditer(rf"[左右](?:边|侧)?\s*{NUM}\s*(?:分钟|分|mins?\b|')?", body)]
    if len(per_side) > 1 and 0 < sum(per_side) <= 24 * 60 and (duration is not None or fields.get("type") == "breast"):
        duration = round(sum(per_side))  # 左10分钟 右15分钟 / 左10右15分: 25 minutes at the breast
    if amount is None and duration is None:
        if drink is not None and 1 <= float(drink[1]) <= 300:
            amount = round(float(drink[1]))  # 吃了70, 喝了110多奶粉: a bottle in ml
        else:
            bare = _bare_amount(body)
            if bare is not None and fields.get("type") == "breast" and 1 <= bare <= 60:
                duration = round(bare)  # "亲喂 20": a baby at the breast is timed, not measured.
            elif bare is not None and 5 <= bare <= 300:
                amount = round(bare)  # "喂奶 120": a bare number on a bottle feed is millilitres.
    if amount is not None:
        fields["amount_ml"] = amount
    if duration is not None:
        fields["duration_min"] = duration
        if "type" not in fields and which and amount is None and not has(body, "奶瓶", "瓶喂", "吸", "挤"):
            fields["type"] = "breast"  # 左边喂了15分钟: only a breast has sides
    return fields


def _bare_amount(body: str) -> float | None:
    """A number that can be a feed's amount: not a count, an age, a clock or a room (3-4 digits said first)."""
    for match in re.finditer(rf"(?<![\d.第])(\d+(?:\.\d+)?){_NOT_AMOUNT}", body):
        if match.start() == 0 and len(match[1]) >= 3 and body[match.end():match.end() + 1] == " ":
            continue  # "802 周大宝…": a room number first on the line
        return float(match[1])
    return None


def describe_feed(fields: Mapping[str, Any]) -> str:
    """``母乳 左侧 15分钟``, ``配方奶 90ml``, ``喂奶 100ml`` (no type said): the type stands for the label."""
    label = texts.VALUE_LABELS["type"].get(str(fields.get("type")), FEEDING.label)
    return spaced(label, field_parts(FEEDING, fields, skip=("type",)))


def summarise_feeds(summary: DaySummary, entries: Sequence[DiaryEntry]) -> None:
    for entry in entries:
        f = entry.fields
        if f.get("type") == "water":  # water is not milk
            continue
        summary.feeds += 1
        summary.feed_ml += int(f.get("amount_ml") or 0)
        if f.get("type") in ("breast", "mixed"):
            summary.breast_min += int(f.get("duration_min") or 0)


def feed_lines(summary: DaySummary) -> list[str]:
    if not summary.feeds:
        return []
    return [texts.SUMMARY_FEEDS.format(
        count=summary.feeds,
        ml=texts.SUMMARY_FEEDS_ML.format(ml=summary.feed_ml) if summary.feed_ml else "",
        minutes=texts.SUMMARY_FEEDS_MIN.format(minutes=summary.breast_min) if summary.breast_min else "",
    )]


def feed_rhythm(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """More than 4 hours between feeds (start to start), fewer than 8 feeds in 24 hours (feeds at one moment, breast
    and a top-up, are one); water not counted."""
    if entry.fields.get("type") == "water":
        return []
    found: list[Alert] = []
    around = ctx.timeline("feeding", entry.occurred_at - WINDOW, entry.occurred_at + WINDOW)
    around = [e for e in around if e.fields.get("type") != "water"]
    ids = [e.id for e in around]
    if entry.id not in ids:
        return found
    i = ids.index(entry.id)
    prev = around[i - 1] if i > 0 else None
    nxt = around[i + 1] if i + 1 < len(around) else None
    for a, b in ((prev, entry), (entry, nxt)):
        if a is not None and b is not None and b.occurred_at - a.occurred_at > FEED_GAP:
            found.append(Alert(f"feed_gap:{a.id}:{b.id}", "feed_gap", WATCH,
                               texts.FLAG_REASONS["feed_gap"].format(hours=hours_text(b.occurred_at - a.occurred_at)), b))
    if prev is not None and nxt is not None:
        ctx.clear([f"feed_gap:{prev.id}:{nxt.id}"])  # the gap is filled in
    starts = ctx.diary_starts()
    window_start = entry.occurred_at - WINDOW
    if starts is not None and starts <= window_start:
        # Feeds at one moment are one feed of the day's eight (母乳20分钟+奶粉30ml: the breast, then its top-up).
        count = len({e.occurred_at for e in around if window_start < e.occurred_at <= entry.occurred_at})
        day = entry.occurred_at.astimezone(ctx.tz).date().isoformat()
        if count < MIN_FEEDS:
            found.append(Alert(f"few_feeds:{day}", "few_feeds", WATCH,
                               texts.FLAG_REASONS["few_feeds"].format(count=count), entry))
        else:
            ctx.clear([f"few_feeds:{day}"])  # a feed written late made the count
    return found


_BURP_WORDS = ("拍嗝", "打嗝", "拍奶嗝", "嗝")


def parse_burp(said: Said) -> dict[str, Any] | None:
    """A burp, unless it is said not to have come (还没打嗝, 没拍出嗝)."""
    return {} if affirmed(said.text, *_BURP_WORDS) else None


_BILIOUS = ("黄绿", "绿色", "绿水", "吐绿", "墨绿", "胆汁", "绿绿")


_SPIT_WORDS = ("吐奶", "溢奶", "漾奶", "呛奶", "吐了", "呕吐", "吐出", "喷射", "吐绿", "吐黄")
# 吐 and 奶 said apart (偶尔吐一次奶, 吐了一口奶): milk that came back up, not a feed.
_SPIT_APART = re.compile(r"吐[^，,。；;奶]{0,4}奶")


_NOT_MUCH = re.compile(r"(?:不|没|没有)(?:是)?(?:很|太|那么)?多")


def parse_spit_up(said: Said) -> dict[str, Any] | None:
    """Milk that came back up; not when it is said not to have (没吐奶), nor 吐 inside another word."""
    words = [w for w in _SPIT_WORDS if w in said.text]
    apart = _SPIT_APART.search(said.text)
    if apart is not None and has_word(said.text, "吐"):
        words.append(apart[0])
    if not words or not affirmed(said.text, *words):
        return None
    if tells_mothers_sign(said.text):
        return None  # 血压持续偏高,因此出现头胀疼、呕吐: the mother's vomiting, no baby's spit-up
    fields: dict[str, Any] = {}
    if _NOT_MUCH.search(said.text) is not None:
        fields["amount"] = "little"  # 量不多, 不是很多
    elif said.has("大量", "很多", "好多", "一大口", "多", "全部", "全都"):
        fields["amount"] = "much"
    elif said.has("少量", "一点", "一口", "几口", "少"):
        fields["amount"] = "little"
    if affirmed(said.text, "喷射", "喷出"):
        fields["projectile"] = True
    if affirmed(said.text, *_BILIOUS):
        fields["bilious"] = True
    return fields


def vomit_signs(ctx: FlagContext, entry: DiaryEntry) -> list[Alert]:
    """Green (bilious) vomit and projectile vomiting are urgent (WHO/IMCI danger signs; DIARY.md)."""
    found = []
    if entry.fields.get("bilious"):
        found.append(alert(entry, "bilious_vomit", URGENT, texts.FLAG_REASONS["bilious_vomit"]))
    if entry.fields.get("projectile"):
        found.append(alert(entry, "projectile_vomit", URGENT, texts.FLAG_REASONS["projectile_vomit"]))
    return found


FEEDING = register(EntryKind(
    name="feeding", label="喂奶", order=10,
    fields=(
        Field("type", "choice", options=("breast", "formula", "mixed", "expressed", "water")),
        Field("side", "choice", options=("left", "right", "both")),
        Field("amount_ml", "integer", 0, 1000),
        DURATION,
    ),
    keywords=(*_FEED_WORDS, *_FED_VERBS, *EVERYDAY.breast.latch, "哺乳", "水", "吃到", "喝到", "喂到"),
    parse=parse_feeding, fallback=feed_by_amount, priority=190, takes_range=True,
    summarise=summarise_feeds, summary_lines=feed_lines,
    flag_rules=(feed_rhythm,), describe=describe_feed,
))
register(EntryKind(
    name="burp", label="拍嗝", order=20,
    keywords=_BURP_WORDS, parse=parse_burp, priority=130,
))
register(EntryKind(
    name="spit_up", label="吐奶", order=30,
    fields=(Field("amount", "choice", options=("little", "much")), Field("projectile", "boolean"),
            Field("bilious", "boolean")),
    keywords=(*_SPIT_WORDS, "吐"), parse=parse_spit_up, priority=120,
    flag_rules=(vomit_signs,),
))
