"""Small readers the entry kinds share: Chinese numerals, numbers with units, durations, sides, who is meant.

Every kind module under ``bot/diary/kinds/`` parses its own lines with these; the
time prefix and the dispatch over kinds live in ``bot/diary/parse.py``.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from pathlib import Path

import opencc
import yaml

from bot.diary.words import digits, numeral_value

CN_NUM = "[零〇一二两三四五六七八九十百]+"
NUM = r"(\d+(?:\.\d+)?)"

MOTHER_WORDS = ("产妇", "妈妈", "宝妈", "母亲", "产母",
                # the mother writing of herself: her own temperature, blood pressure, lochia, wound or breast
                "我的体温", "我体温", "我的血压", "我血压", "我的恶露", "我恶露", "我的伤口", "我伤口", "我的乳房", "我乳房")
BABY_WORDS = ("宝宝", "宝贝", "婴儿", "新生儿", "孩子", "baby", "bb")


def cn_to_int(token: str) -> int | None:
    """``十五`` → 15, ``二十`` → 20, ``一百二十`` → 120, ``7`` → 7; None if not a number (cn2an reads the numeral)."""
    return numeral_value(token)


def numbers_with_units(body: str) -> str:
    """Write Chinese numerals before units as digits: 十五分钟 → 15分钟, 一个半小时 → 1.5小时 (十分疼痛 stays)."""
    return digits(halves(body))


def halves(body: str) -> str:
    """Half hours as decimals: 一个半小时 → 1.5小时, 半小时 → 0.5小时 (the parser's lines have their numerals in digits)."""
    if "半" not in body:
        return body
    body = re.sub(rf"({CN_NUM}|\d+)个?半(?=小时|钟头)", lambda m: f"{cn_to_int(m[1]) or 0}.5", body)
    # 1小时半, 一个钟头半: the half after the unit.
    body = re.sub(rf"({CN_NUM}|\d+)个?(小时|钟头)半", lambda m: f"{cn_to_int(m[1]) or 0}.5{m[2]}", body)
    return re.sub(r"半(?:个)?(?=小时|钟头)", "0.5", body)


def has(body: str, *words: str) -> bool:
    # A plain loop: any() over a generator costs twice as much, and every line asks ~80 times.
    for word in words:  # noqa: SIM110
        if word in body:
            return True
    return False


def duration_min(body: str) -> int | None:
    hours = re.search(rf"{NUM}\s*(?:个)?\s*(?:小时|钟头|hours?|hrs?|h(?![a-z]))", body)
    minutes = re.search(rf"{NUM}\s*(?:分钟|分|mins?\b|minutes?|')", body)
    total = 0.0
    if hours:
        total += float(hours[1]) * 60
        if not minutes:  # 1h30, 1小时30: the minutes written straight after the hours
            minutes = re.match(r"\s*(\d{1,2})(?![\d.])(?!\s*(?:ml|毫升|cc|次|度|°|克|g|斤|cm))", body[hours.end():])
    if minutes:
        total += float(minutes[1])
    if not (hours or minutes) or total <= 0 or total > 24 * 60:
        return None
    return round(total)


# Hong Kong's bottles are marked in ounces (安士, 盎司, oz); feeding charts count an ounce as 30 ml (a US fluid ounce is
# 29.6 ml: 4安士 is written 120ml on the same charts).
ML_PER_OUNCE = 30


def amount_ml(body: str) -> int | None:
    match = re.search(rf"{NUM}\s*(?:ml|毫升|cc|m1|亳升)", body)
    if match:
        value = float(match[1])
        return round(value) if 0 < value <= 1000 else None
    match = re.search(rf"{NUM}\s*(?:安士|盎司|oz(?![a-z])|ounces?(?![a-z]))", body)
    if match:
        value = float(match[1]) * ML_PER_OUNCE
        return round(value) if 0 < value <= 1000 else None
    return None


def bare_number(body: str) -> float | None:
    match = re.search(NUM, body)
    return float(match[1]) if match else None


def side(body: str) -> str | None:
    if has(body, "两边", "双侧", "两侧", "左右", "双边") or (has(body, "左") and has(body, "右")):
        return "both"
    if has(body, "左"):
        return "left"
    if has(body, "右"):
        return "right"
    return None


# -- how people really write: traditional characters, voice dictation, negation, advice ---------------

# Traditional and variant forms to simplified, by OpenCC: Taiwan's phrases and forms first (tw2sp: 睡著 → 睡着, 紙尿褲 →
# 纸尿裤), then Hong Kong's variant characters (hk2s: 衞 → 卫). docs/decisions/0015-reading-with-opencc-jieba-cn2an.md.
_CJK = "".join(chr(c) for c in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00)))


class _Simplifier:
    """OpenCC's two converters, built once; hk2s runs only on text holding a character tw2sp leaves to it (衞, 粧 …:
    a handful, found when built by converting every CJK character), saving a conversion on nearly every line."""

    def __init__(self) -> None:
        self.taiwan = opencc.OpenCC("tw2sp")
        self.hong_kong = opencc.OpenCC("hk2s")
        after_taiwan = self.taiwan.convert("\n".join(_CJK)).split("\n")
        after_both = self.hong_kong.convert("\n".join(after_taiwan)).split("\n")
        self.hong_kong_only = frozenset(c for c, a, b in zip(_CJK, after_taiwan, after_both, strict=True) if a != b)

    def convert(self, text: str) -> str:
        text = self.taiwan.convert(text)
        return text if self.hong_kong_only.isdisjoint(text) else self.hong_kong.convert(text)


_SIMPLIFIER: _Simplifier | None = None
_SIMPLIFIER_LOCK = threading.Lock()


def _simplifier() -> _Simplifier:
    global _SIMPLIFIER
    built = _SIMPLIFIER
    if built is None:
        with _SIMPLIFIER_LOCK:
            if _SIMPLIFIER is None:
                _SIMPLIFIER = _Simplifier()
            built = _SIMPLIFIER
    return built


def warm_up() -> None:
    """Build OpenCC's converters now (at start-up) rather than on the first line."""
    _simplifier()


def to_simplified(text: str) -> str:
    """Traditional and variant Chinese as simplified (text already simplified comes back as it was)."""
    return text if text.isascii() else _simplifier().convert(text)


# Words voice dictation (WeChat's speech recognition) writes for what the nurse said.
VOICE_HOMOPHONES = {
    "青喂": "亲喂", "清喂": "亲喂", "亲位": "亲喂", "亲为": "亲喂", "木乳": "母乳", "拍格": "拍嗝", "拍个格": "拍嗝",
    "换尿步": "换尿布", "尿不是": "尿不湿", "黄胆": "黄疸", "体问": "体温", "喂乃": "喂奶", "吐乃": "吐奶",
}


def any_of(words: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``words``, the longest first (拍个格 before 拍格)."""
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


class _Cantonese:
    """Written Cantonese's words as the Mandarin the parser reads (``data/cantonese.yaml``), after OpenCC."""

    def __init__(self, path: Path) -> None:
        table = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.words: dict[str, str] = table["words"]
        self.in_cantonese: dict[str, str] = table["in_cantonese"]
        self.marker = any_of(self.words)
        self.contextual = any_of(self.in_cantonese)
        self.characters = frozenset("".join(self.words))  # a line holding none of these is not Cantonese: no regex

    def to_mandarin(self, text: str) -> str:
        if self.characters.isdisjoint(text) or not self.marker.search(text):
            return text
        text = self.contextual.sub(lambda m: self.in_cantonese[m[0]], text)
        return self.marker.sub(lambda m: self.words[m[0]], text)


CANTONESE = _Cantonese(Path(__file__).parent / "data" / "cantonese.yaml")


def regional_words(path: Path) -> dict[str, str]:
    """Taiwan's and Hong Kong's own words as the Mandarin the parser reads (``data/regional_words.yaml``: 照灯 → 光疗,
    水奶 → 配方奶), with the longer words that hold one and stay as they are (发烧到 holds 烧到)."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    words = {entry["word"]: entry["mandarin"] for region in ("taiwan", "hong_kong") for entry in table[region]}
    return {**words, **{word: word for word in table["kept"]}}


REGIONAL_WORDS = regional_words(Path(__file__).parent / "data" / "regional_words.yaml")
# One longest-first pass on every line for both: a line holding none of the words costs what the homophones cost alone.
_WORDS = {**REGIONAL_WORDS, **VOICE_HOMOPHONES}
_WORDS_RE = any_of(_WORDS)


def fold_writing(text: str) -> str:
    """Traditional characters to simplified, Hong Kong's written Cantonese to Mandarin words (唔肯饮奶 → 不肯喝奶),
    Taiwan's and Hong Kong's own words to the Mandarin ones (水奶 → 配方奶), and the homophones voice dictation
    brings to the words meant."""
    return _WORDS_RE.sub(lambda m: _WORDS[m[0]], CANTONESE.to_mandarin(to_simplified(text)))


# A word that says what follows is absent: 无红肿, 没有发烧, 未见渗液, 一点都不涨, 并无, 不黄.
NEGATION = r"(?:一点都不|一点也不|都没有|没有|没(?!多久)|无(?!法)|未见|未|不是|不(?!断|停|时|住|少|久|已)|并无|否认)"
_CLAUSE_BREAK = re.compile(r"[，,。；;！!？?、\s]|但|而|可是")


# Only an absence word opens a negated list (不 does not: 发烧不退、抽筋 is a fever and a convulsion).
_LIST_NEGATED = re.compile(r"(?:没有|没(?!多久)|无(?!法)|未见|并无|否认)(?:有|见|出现)?"
                           r"(?:[^\s，,。；;！!？?]{1,5}?(?:或者|或|和|、|及|以及|与|也没有|也没))+$")


def negated(text: str, start: int, reach: int = 4) -> bool:
    """Whether the word at ``text[start:]`` is said to be absent: a negation shortly before it, in its clause, or one
    before a list the word ends (无呛咳或呼吸困难, 没有发烧、抽搐: the negation covers every item)."""
    before = text[max(0, start - reach):start]
    cut = [m.end() for m in _CLAUSE_BREAK.finditer(before)]
    if cut:
        before = before[cut[-1]:]
    if before and re.search(NEGATION + r"(?:有|见|发|是|觉得|太|怎么|再)?\S{0,2}$", before) is not None:
        return True
    listed = text[max(0, start - 16):start]
    clause = re.split(r"[，,。；;！!？?\s]", listed)[-1]
    return bool(clause) and _LIST_NEGATED.search(clause) is not None


_NEGATIVE_WORD = re.compile(NEGATION)


def find_affirmed(text: str, words: tuple[str, ...] | list[str]) -> str | None:
    """The first of ``words`` said in ``text`` and not negated (``无红肿`` holds no 红肿).

    A word that is itself negative (不吃奶, 叫不醒) is undone only by a negation right against it (没有不吃奶):
    in 嗜睡不醒不吃奶 the 不 of 不醒 belongs to another sign, not to 不吃奶.
    """
    for word in words:
        negative = _NEGATIVE_WORD.match(word) is not None
        for match in re.finditer(re.escape(word), text):
            if negative:
                if re.search(NEGATION + r"(?:是)?$", text[max(0, match.start() - 4):match.start()]) is None:
                    return word
            elif not negated(text, match.start()):
                return word
    return None


def affirmed(text: str, *words: str) -> bool:
    return find_affirmed(text, words) is not None


# -- general text: what is said of babies or mothers in general, not of this one -------------------------------
# Q&A pages, doctors' explanations and advice quoted in a chat tell no event: 母乳喂养的婴儿大便多呈金黄色糊状便,
# 新生儿惊厥常表现为…, 可能与…有关, 腋窝处为35.9--37.2度之间, 若伴随…需就医. Three scopes:
# - a statement of general fact makes its whole sentence general (a norm, a range, a habit of babies at large, a
#   generic subject: 母乳喂养的婴儿, 许多妈妈, 对于…的宝宝来说);
# - a condition (如果, 若, 一旦, 当…) makes the rest of its sentence general: 宝宝38.5度，如果还不退就去医院 keeps 38.5;
# - advice, a guess or a question of fact makes its clause general (注意观察脐带残端，略有渗液 keeps the oozing); a
#   question about a cause makes the rest of its clause general (宝宝嘴唇发紫是不是缺氧 keeps the lips).
# A parent's question about their own baby (宝宝嘴巴发紫是怎么回事, 新生儿嘴唇发黑什么原因) reports what it asks about.
_GENERAL_SENTENCE = re.compile(
    # habits of babies at large, norms, ranges, definitions
    r"一般来说|一般而言|一般都|一般会|一般在|通常|往往|常常会|常会|则常|常表现|常见|多见|多呈|多介于|多数情况|大多数|大部分"
    # (不属于正常现象, 不是正常的 say the opposite: a report that something is wrong)
    r"|(?<!不)(?<!不属于)(?<!不是)(?:正常现象|生理现象|正常范围|正常体温|正常温度|正常的(?!吗))|(?<!不)(?:属于正常|属正常)|(?<!不)为正常"
    r"|典型|是\S{0,6}的(?:一个)?(?:信号|征兆)|称为|可以诊断|可诊断|可以认为|不一定|未必|最为合适|为宜|会自然|不能超过|不应超过|应低于|应高于|超过就"
    r"|\d\s*(?:度|℃|°c|°|摄氏度)?\s*之间"
    r"|[\d一二两三四五六七八九十]\s*(?:至|到|~|-|—)\s*[\d一二两三四五六七八九十]+\s*(?:周|天|个月)(?:内|左右)"
    # a subject that is no one baby or mother
    r"|^\s*对于|对于\S{0,30}来说|(?:许多|很多|不少|有的|有些|一些|多数|大多)(?:宝宝|妈妈|婴儿|新生儿|孩子|父母|家长|人|产妇)"
    r"|(?:新生儿|婴儿|初生儿)(?:都|也|一般)?(?:会有|会出现|常|多数)|孕妇|哺乳期女性|(?<![我家你他她])的(?:婴儿|新生儿)|的宝宝(?:可|则|会|一般|通常|来说)"
    r"|天大的(?:新生儿|婴儿|时候)|天大时|个月大的时候"
    # someone else's baby (邻居家的孩子, 同事的宝宝, 我姐姐家的宝宝): not this one
    r"|(?:邻居|朋友|同事|亲戚|别人|人家|隔壁|闺蜜|同学|姐姐|妹妹|嫂子|表姐|表妹|堂姐|小姨|姑姑|舅妈|婶婶|网友|群里)"
    r"(?:家的?|的)(?:宝宝|孩子|小孩|婴儿|宝贝|女儿|儿子|bb|小宝宝|新生儿|娃)|(?:邻居|隔壁|别人|人家)(?:宝宝|孩子|小孩|娃)"
    # a definition (是指, 又叫, …是…之一), a patient in
    # general (患儿, 患者), a heading listing signs (徵兆2:), a norm as the subject (正常情况下, 正常恶露), every mother
    r"|是指|指的是|又叫|又称|俗称|是[^，,。；;]{0,20}之一|(?:征兆|症状|表现|信号|迹象)\d*\s*[:：]|正常情况下"
    r"|^\s*正常(?:的)?(?:恶露|大便|便便|小便|尿液|体温|温度)|每[个位](?:哺乳)?(?:妈妈?|宝宝|婴儿|新生儿|孩子|产妇|家长|父母|人)"
    r"|有什么不同|有什么区别|以上(?:需要|就要|就|则|时)|如何|可分为|分为\S{0,4}(?:型|类|种)|严重时|严重者|轻者"
    # what a disease is (乳腺炎是…感染, 黄疸常见于…), a point of note
    r"|^\s*[^\s，,。]{0,4}(?:炎|症|病)(?:的)?(?:初期|早期|后期|晚期)?(?:主要|通常)?(?:是|指|常见于|多见于|几乎是)|值得注意的是"
    # explanations: causes and consequences in general
    r"|多因|多由|多与|常因|常由|多为|多属|与\S{0,40}有关|由\S{0,40}引起|可能由|可能导致|也可能|也可出现|可出现|[:：]\s*可能"
    # a comparison in brackets defines a term (低体温(<35℃)), and ", 如…" lists examples
    r"|[(（][^)）]{0,12}[<>≤≥]|[，,]\s*如(?!果|出现|发现|有|伴|厕|今|此|何|同)"
    # possibilities weighed, mechanisms explained (会导致, 从而), purposes (有助于), thresholds (发烧的温度为)
    r"|(?:一|另一|几|两|多)种可能|可能性|会导致|会引起|会引发|会造成|会使|从而|因而|进而|有助于|有利于|以利于|以便"
    r"|(?:发烧|发热|低烧|高烧|高热|低热)的(?:温度|体温|标准|定义|界限)|诊断标准|判断标准"
    # words talked about, not events told: sayings, a term in quotation marks denied or named (并不是“矫情”)
    r"|一句话|常说|所谓|俗话说|(?:并不是|并非|不是|就是|称作|叫做)\s*[“「『\"]"
    r"|被(?:认为|称为|视为|当作|当成|误认为|误以为|归)|(?:常常|往往|经常|总是)被"
    # a course after birth or surgery as a range (术后4-6周, 产后2~3天): what is typical, not this mother's day
    r"|(?:术后|产后|出生后|生后|分娩后)\s*\d+\s*(?:-|~|至|到|—)\s*\d+\s*(?:周|天|个月|小时)"
    # signs listed or defined (危险征兆为…, 信号包括…), people at large (一般人, 所有的婴儿)
    r"|(?:征兆|信号|讯号|迹象)(?:为|包括|有以下)|一般人|所有的?(?:婴儿|宝宝|新生儿|孩子|妈妈|产妇)"
    # how many in general and what a condition is (发病率, 比例约在, 是一种…障碍, 数据显示)
    r"|发病率|患病率|的比例|是一种|是一類|是一类|数据显示|研究显示|研究表明|调查显示|统计"
    # babies at large and what they may do (婴儿在身体不适时…可能会拒绝喝奶)
    r"|^\s*(?:婴儿|新生儿|婴幼儿|新生宝宝)[^。？?！!]{0,24}?(?:可能会|容易|易于|往往)"
    # a norm counted per day or minute as a range or a bound (每天1~2次, 每分钟40次到45次, 每天至少6-8片, 低于每分钟
    # 30次): what is usual, not this baby's count
    r"|每(?:天|日|分钟|小时)[^，,。；;]{0,10}?(?:\d+(?:\.\d+)?\s*(?:次|块|片)?\s*(?:~|-|－|至|到|—)\s*\d|至少|最少|不少于|不超过|大约|约)"
    r"|(?:低于|高于|少于|多于|不超过|不少于)每(?:分钟|天|日|小时)"
    # what is so in general (一般的…), two groups told apart (差异, 区别在于), what may happen now and then with no one
    # its subject (偶尔会看到…; a nurse's 偶尔吐一次奶 tells), signs as a subject (新生儿…症状), a cause weighed (可能因…)
    r"|^\s*一般(?:的|情况)|差异|区别在于|不同之处|之处是|^\s*偶尔[^，,。；;]{0,6}?会|^\s*(?:新生儿|婴儿)[^，,。]{0,6}症状|可能因(?!为)"
    # another time of another child (是哥哥三个月的时候): not this baby today
    r"|(?:个月|岁)大?的时候"
)
# A story of what happened (发现她浑身滚烫，发烧了; 测了体温后说…; 20天大的婴儿突然全身发紫，家长赶紧送到医院): a report,
# though a guess, an explanation or a norm is said within it (发现没有塞奶也可能是有发炎; 有点低烧是正常的) or the baby is
# named by its age as news name it (出生10天的新生儿). In a sentence telling an event so — a word of the story and a word
# that it happened (了, 被, 当时, 送医 …) — the general words of ``_WEAK_GENERAL`` make only their own clause general and a
# baby named by its age (``_STORY_SUBJECT``) is this story's baby; what is said of others (同事家娃…), a definition or a
# generic subject still makes the whole sentence general.
_STORY = re.compile(r"发现|发觉|结果|突然|当时|送医|送院|送到医院|送去医院|赶紧|赶快|急忙|连忙|慌忙|没想到|竟然|后来|隔天"
                    r"|第二天|那天|那晚|醒来|这时|测了|量了|一测|一量|测出|量出|吓坏|吓得")
_HAPPENED = re.compile(r"(?<!为)了(?!解)|被|昨|当时|那天|那晚|送医|送院|送到医院|送去医院|急诊|救护车|120")
_WEAK_GENERAL = re.compile(
    r"(?<!不)(?<!不属于)(?<!不是)(?:正常现象|正常的(?!吗))|(?<!不)(?:属于正常|属正常)|也可能|可能由|可能导致|也可出现|可出现"
    r"|会导致|会引起|会引发|会造成|从而|因而|进而|与\S{0,40}有关|由\S{0,40}引起|多因|多由|多与|常因|常由|多为|多属")
_STORY_SUBJECT = re.compile(r"(?<![我家你他她])的(?:婴儿|新生儿)|天大的(?:新生儿|婴儿)")
# A story's turn (以为她睡着了，结果…; 本以为…没想到…): what follows it happened, whatever was believed or feared before.
_TURN = re.compile(r"没想到|结果|谁知|哪知|不料|才发现|却发现|后来|竟然")


def _story_clauses(sentence: str) -> list[tuple[int, int]] | None:
    """In a story sentence whose only general words are ``_WEAK_GENERAL``'s or a baby named by its age, the (start,
    end) of the clauses holding the former (within ``sentence``); None when the sentence tells no story or says
    something general besides."""
    if _STORY.search(sentence) is None or _HAPPENED.search(sentence) is None:
        return None
    clauses: list[tuple[int, int]] = []
    at = 0
    for cut in [*_CLAUSE_CUT_ALL.finditer(sentence), None]:
        end = cut.start() if cut is not None else len(sentence)
        if _WEAK_GENERAL.search(sentence, at, end):
            clauses.append((at, end))
        if cut is None:
            break
        at = cut.end()
    rest = list(sentence)
    for start, end in [*clauses, *(m.span() for m in _STORY_SUBJECT.finditer(sentence))]:
        rest[start:end] = " " * (end - start)
    return clauses if _GENERAL_SENTENCE.search("".join(rest)) is None else None


# This baby's own habit, told by a parent or the nurse (宝宝经常抽搐，通常在睡觉的时候; 我家宝宝最近总是吐奶): a report,
# whatever general word follows in the sentence.
_OWN_HABIT = re.compile(r"^\s*(?:我家|我们家|我的)?(?:宝宝|宝贝|孩子|女儿|儿子|bb|小宝|大宝|二宝)"
                        r"(?:最近|这几天|这两天|近来|近几天|经常|总是|老是|一直|常常|时不时)")
_CONDITION = re.compile(
    r"如果|假如|假设|倘若|若是|若(?!干|无其事)|万一|一旦|(?:^|(?<=[，,：:；;\s]))如(?=出现|发现|有|伴)|如出现|如发现"
    r"|(?<![相适应])当(?!我|她|他|宝宝|时|天|日|晚|中|然|做|成|地|班|归|场|面|前|初|年|下|作|心)"
    # a fear or a mistaken belief (怕宝宝抽筋, 生怕着凉, 还以为发烧了): what follows did not happen
    r"|(?<![可哪恐])怕(?!冷|热|光|吵|痒|生|羞|疼|痛)|害怕|生怕|以为|担心会|防止"
    # any case at all (任何伴随拒奶、嗜睡…的情况); not after a negation (没有任何反应: none at all, a finding)
    r"|(?<!没有)(?<!没)(?<!无)任何"
    # a concession, a counterfactual or a supposition (即使…, 哪怕…, 不然…, 否则…, 吃母乳的话…): not what happened
    r"|即使|即便|哪怕|就算|不然|否则|要不然|的话"
)
# A step of a procedure opening its clause (将宝宝直立于肩头): advice to the reader, and a habit's sentence.
_PROCEDURE = r"(?:^|(?<=[:：,，]))\s*将(?:宝宝|孩子|婴儿|新生儿|bb)"
_ADVICE = re.compile(
    # a guess (宝宝可能是饿了), a doubt, a question of fact
    r"也许|有可能|可能(?:是|会|因为|与|由|导致|出现|有|引起|跟|和|变)|会变[为成]|不知道是"
    r"|需要\S{0,10}吗|才需要|多高才|多少才|[了过]几次|多少次|有[^，,。；;？?！!]{0,10}(?<!正常)(?<!要紧)(?<!严重)(?<!紧)(?<!事)(?<!问题)吗"
    # advice
    r"|应该怎么|注意(?!到|力|观察)|预防|避免|以防|以免|建议|必须|一定要|即可|不用担心|可不必|不必|可先|可以先|我们可以"
    r"|小心|家长(?:应|需|要|可|们)|注意观察\S{0,8}?(?:频率|次数|情况|变化|颜色|症状)"
    r"|需(?!要)|需要(?:注意|及时|立即|尽快|马上|就医|看医生)|应(?:立即|及时|尽快|马上|暂停|注意|当|保持|避免|在|给|去)"
    r"|请(?:立即|及时|尽快|马上)|就医|就诊|求医|看医生"
    # a schedule (每两小时喂一次奶)
    r"|每[^，,。；;]{0,3}?(?:小时|钟头)[^，,。；;]{0,4}?[一1]次"
    # the reader addressed (您, 你的…, 请记住) and steps prescribed (及时清洁, 将宝宝直立, 控制在, 尽量, 务必)
    r"|您|你(?:的|可以|要|应该|需要|会|能)|记住|切记|千万|及时|控制在|尽量|务必|最好(?!的)"
    rf"|{_PROCEDURE}|帮助(?:排出|消化|宝宝|孩子)"
    # how to do it (动作要轻, 要少量多次) and what it is good for (可减少反流, 能缓解)
    r"|要(?:轻|慢|小|少|勤|多|注意)|(?:可|能|可以)(?:有效)?(?:减少|减轻|缓解|预防|促进|改善)"
)
# What tells no event though it may describe a sign (read for entries, not for danger signs: ``reported(habits=True)``):
# - a habit or a consequence stated (都会检查…, 就会释放氨气, 还会有发烧, 满了就得换): what happens, not what happened
#   (a parent asking why it happens, 为何宝宝每次吃奶后都会吐奶?, reports it);
# - people counted (两位奶奶问): others, not this family;
# a term or words in quotation marks (捂“尿不湿”, “我好像丢了自己”) are words said, blanked wherever they stand.
_HABIT_SENTENCE = re.compile(
    r"就会|都会|总会|也会|几率|概率|机率|(?:还|也)会有|会出现|就得|就要(?!就医|去医院)|此时|是一件"
    # a frequency (两~三小时就要喝奶一次, 3小时喂一次): a schedule, not a feed
    r"|(?:小时|钟头)[^，,。；;了]{0,6}?[一1](?:次|餐|顿)(?!了)"
    # a procedure (将宝宝直立于肩头…) or a recommendation opening its sentence (建议…, 少量多次喂养): steps to follow
    rf"|{_PROCEDURE}|^\s*建议"
    # an article's own connectives (总之, 事实上, 此外, 首先): the writer is explaining, not reporting
    r"|^\s*(?:总之|总而言之|事实上|此外|首先|其次|总的来看|总的来说|综上所述)"
    r"|[两几三四五一有]位\S{0,3}?(?:奶奶|妈妈|宝妈|网友|家长|爸爸|产妇|老人|医生)"
    # what follows in time (几星期后，肌肤便会…) and a routine prescribed (每天检查尿布…, 记录…)
    r"|便会|则会|^\s*每(?:天|日|次)(?:都要|要|应|需|都)?(?:检查|记录|观察|测量)"
    # a chore and how it feels (挤奶好累): a feeling, not the event
    r"|^\s*\S{1,4}(?:好|太|真)(?:累|辛苦|烦)(?:啊|呀|了)?\s*$"
)
# A title that counts signs or tips (出现4征兆, 3个信号, 五大症状), or a heading in 【】 alone: an article's headline.
_HEADLINE = re.compile(r"^\s*【[^】]{1,30}】\s*$"
                       r"|[\d两三四五六七八九十]\s*(?:个|大|种|项)?\s*(?:征兆|信号|症状|迹象|原因|方法|妙招|误区|要点|注意事项)")
# The register of written advice and explanation (a sentence saying two or more of these, and nothing that tells an
# event happened, tells none): what one should do (可以, 应, 需, 避免, 保持, 采用), who in general (家长, 婴儿, 有的),
# how things go in general (容易, 通常, 会), why (由于, 因此, 导致, 使), the written language of articles (其, 进行, 通过, 等).
_REGISTER = re.compile(
    r"(?P<should>可以|可(?!能|爱|是|怜|惜|乐)|应该|(?<![反适答供对相效])应(?!用)|需要|需|不要|不宜|宜|别|勿|避免|防止|保持|采用|选用|选择|尝试|适当|正确)"
    r"|(?P<who>家长|父母|爸妈|爸爸妈妈|新手|婴儿|新生儿|幼儿|婴幼儿|儿童|产妇|女性|母亲|大人|有的|有些|很多|许多|不少|大家)"
    r"|(?P<how>容易|通常|一般|往往|常见|经常|偶尔|逐渐|随着|[多常可易]发生|会(?!儿))"
    r"|(?P<why>由于|因为|因此|所以|导致|造成|使(?!用)|影响|以免|为了|目的)"
    r"|(?P<written>其(?!实|他|中|它)|进行|通过|等(?:方式|症状|情况|因素|问题)|之间|以下|以上|方法|原则|过程)"
)
# What tells an event happened: a time of today or a clock (今天是边吃边吐: a habit beside it does not hide it); and,
# against the register, a realised action (了, 过), a finding seen (看到, 发现), an amount, the writer herself (a
# question-and-answer asker writes of herself as 患者: no word of the register).
_NOW_TOLD = re.compile(r"刚才|刚刚|今天|今早|今晚|今日|昨天|昨晚|现在|已经|这次|刚才|\d\s*(?:点|:)\s*\d")
_EVENT_TOLD = re.compile(rf"{_NOW_TOLD.pattern}|刚|(?<!为)了(?!解)|看到|看见|发现|摸到|听到|闻到|过了|吃过|喂过|拉过|一直"
                         r"|我(?!们)|\d+\s*(?:ml|毫升|cc)(?!\s*[-~至到])")


def _in_register(sentence: str) -> bool:
    """Whether ``sentence`` is written advice or explanation (two kinds of ``_REGISTER`` words, nothing told)."""
    said = {(m.lastgroup, m[0]) for m in _REGISTER.finditer(sentence)}
    if len(said) < 2 or _EVENT_TOLD.search(sentence) is not None:
        return False
    # two kinds of its words, or two words of what one should do (采用…喂养，避免平躺; 可少量多次喂养，避免…)
    return len({kind for kind, _word in said}) >= 2 or sum(kind == "should" for kind, _word in said) >= 2


# (a quotation a line break cut: from its opening mark to the line's end, or from the line's start to its closing mark)
_QUOTED = re.compile(r"“[^”]{1,60}(?:”|$)|「[^」]{1,60}(?:」|$)|『[^』]{1,60}(?:』|$)|\"[^\"]{1,60}\""
                     r"|^[^“”「」『』]{1,60}[”」』]")
# Speech told as said: a verb of saying, then a colon or the opening mark (说:“…”, 安慰道：「…」, 喊着“…”).
_SPEECH = re.compile(r"(?:说|(?<![知味通难街频])道|问|喊|讲|告诉\S{0,3}|表示|回答)(?:着|了)?\s*[:：]?\s*$")
# An alternative asked (不知道是肚子饿了，还是尿布湿了): the doubt reaches the clause its 还是 opens.
_ALTERNATIVE = re.compile(r"^\s*(?:或者|或)?还是")
# A past event told as over (昨天发烧今天退了, 前两天嘴唇发紫现在好了, 之前拉过血丝便医生说没事): history, not a finding
# today. From the sentence's start to the end of the clause saying it is over, when a past time comes before it and
# nothing says it is back (又, 还, 仍). A sign that has just stopped (刚才抽了一下，现在好了) is no history: it still tells.
_PAST = re.compile(r"昨天|昨晚|昨日|前天|前两天|前几天|前些天|几天前|之前|以前|上周|上个星期|出生时|刚出生|在医院时|住院时"
                   r"|那几天|那时候?")
_RESOLVED = re.compile(r"(?:已经|都|也)?(?:好了|退了|退烧了|没事了?|消了|消退了?|恢复正常|恢复了|正常了|不黄了|痊愈|好转了)"
                       r"|医生(?:看过)?说(?:没事|没问题|正常|不要紧)")
_BACK = re.compile(r"又|还|仍|依然|依旧|再次|反复|复发")
# A question about a cause: what follows it in its clause (宝宝嘴唇发紫是不是缺氧 still tells the lips).
_DOUBT = re.compile(r"是不是|会不会")
_SENTENCE_CUT = re.compile(r"[。！!？?；;\n]+")
_CLAUSE_CUT_ALL = re.compile(r"[。！!？?；;\n，,:：]+")


def general_spans(text: str, *, clauses: bool = True, habits: bool = False) -> list[tuple[int, int]]:
    """Where ``text`` speaks in general rather than of this baby or mother (advice, norms, conditions, questions of
    fact), as (start, end) offsets: whole sentences, the rest of a sentence after a condition, single clauses
    (``clauses=False``: not the single clauses of advice, a guess or a doubt — the surer spans only). ``habits``: also
    habits and consequences stated, written advice by its register, quoted words (``_HABIT_SENTENCE``, ``_in_register``:
    no event, but a sign described so is still read)."""
    spans = _general_spans(text, clauses)
    return [*spans, *_habit_spans(text)] if habits else list(spans)


# A line is asked for its general parts by the parser, the sign reader, the safety net and the reply, several times
# each: once is enough (it depends on the text alone).
@functools.lru_cache(maxsize=4096)
def _general_spans(text: str, clauses: bool) -> tuple[tuple[int, int], ...]:
    if _HEADLINE.search(text):
        return ((0, len(text)),)
    if not (_GENERAL_SENTENCE.search(text) or _CONDITION.search(text) or _ADVICE.search(text)
            or _DOUBT.search(text) or _RESOLVED.search(text)):
        return ()
    spans: list[tuple[int, int]] = _history(text)
    start = 0
    for cut in [*_SENTENCE_CUT.finditer(text), None]:
        end = cut.start() if cut is not None else len(text)
        sentence = text[start:end]
        story = _story_clauses(sentence) if _GENERAL_SENTENCE.search(sentence) else None
        if story is not None:
            spans += [(start + a, start + b) for a, b in story]
        elif _GENERAL_SENTENCE.search(sentence) and not _OWN_HABIT.match(sentence):
            spans.append((start, end))
        else:
            condition = _CONDITION.search(sentence)
            stop = end
            if condition is not None:  # from the start of the condition's clause (但如果…) to the sentence's end
                before = [m.end() for m in _CLAUSE_CUT_ALL.finditer(sentence, 0, condition.start())]
                stop = start + (before[-1] if before else 0)
                # …or to a story's turn (以为她睡着了，结果发现…): the clause it opens tells what happened
                turn = _TURN.search(sentence, condition.end())
                until = end
                if turn is not None:
                    cuts = [m.end() for m in _CLAUSE_CUT_ALL.finditer(sentence, condition.end(), turn.start())]
                    until = start + (cuts[-1] if cuts else turn.start())
                spans.append((stop, until))
            at = start
            doubting = False  # a doubt or a guess before: an alternative (还是…) is doubted too
            for clause_cut in [*_CLAUSE_CUT_ALL.finditer(text, start, stop), None] if clauses else ():
                clause_end = clause_cut.start() if clause_cut is not None else stop
                if _ADVICE.search(text, at, clause_end) or (doubting and _ALTERNATIVE.match(text[at:clause_end])):
                    spans.append((at, clause_end))
                    doubting = True
                else:
                    doubt = _DOUBT.search(text, at, clause_end)
                    if doubt is not None:
                        spans.append((doubt.start(), clause_end))
                    doubting = doubt is not None
                if clause_cut is None:
                    break
                at = clause_cut.end()
        if cut is None:
            break
        start = cut.end()
    return tuple(spans)


_QUOTE_MARKS = frozenset("“”「」『』\"")


@functools.lru_cache(maxsize=4096)
def _habit_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Quoted words and the sentences that state a habit or are written advice (``general_spans(habits=True)``)."""
    quoted = not _QUOTE_MARKS.isdisjoint(text)
    if not (quoted or _HABIT_SENTENCE.search(text) or _REGISTER.search(text) or _ASKS_ADVICE.search(text)):
        return ()
    spans: list[tuple[int, int]] = []
    if quoted and _TELLS_NOTHING.fullmatch(_QUOTED.sub("", text)) is None:
        # words quoted in a line that says more (a line all quoted is its writer's: 「醫師,寶寶…吐了幾口奶!」), unless
        # they are what someone said, told as said (护士测了体温后说:“37度5…”): speech reports what it tells
        spans += [m.span() for m in _QUOTED.finditer(text) if _SPEECH.search(text, 0, m.start()) is None]
    start = 0
    for cut in [*_SENTENCE_CUT.finditer(text), None]:
        end = cut.start() if cut is not None else len(text)
        sentence = text[start:end]
        if (_ASKS_ADVICE.search(sentence) and _READING.search(sentence) is None
                and _EVENT_TOLD.search(sentence) is None):
            spans.append((start, end))  # advice asked (酒精擦身退烧好吗, 上一次…是什么时候)
        elif not _asked(text, sentence, end) and (
                (_HABIT_SENTENCE.search(_QUOTED.sub("", sentence) if quoted else sentence)
                 and _NOW_TOLD.search(sentence) is None)
                or _in_register(sentence)):
            spans.append((start, end))
        if cut is None:
            break
        start = cut.end()
    return tuple(spans)


# A question asking whether a way is good or allowed (…好吗, 可以用酒精擦身体吗), when something was (…是什么时候) or
# how one gets an illness (…是怎么得的): advice asked, no event told; a reading or an event beside it is still told.
# A question asking what to do about a finding (伤口红肿怎么办) reports the finding, as one asking why (…怎么回事) does.
_ASKS_ADVICE = re.compile(r"好吗|好不好|可以[^，,。；;？?]{0,12}吗|能否|行吗|是什么时候|怎么得的|怎么引起")
_READING = re.compile(r"\d\s*(?:度|℃|°|ml|毫升|cc|次|分钟|小时|点)|\d+\.\d")
_QUESTION = re.compile(r"吗|呢|为何|为什么|怎么|是否|(?<!不是)(?<!没)什么|多少")


def _asked(text: str, sentence: str, end: int) -> bool:
    """Whether the sentence ending at ``end`` of ``text`` is a question."""
    return text.startswith(("?", "？"), end) or _QUESTION.search(sentence) is not None


def _history(text: str) -> list[tuple[int, int]]:
    """Past events told as over (``_RESOLVED`` after a ``_PAST`` time in one sentence, nothing saying it is back)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*_SENTENCE_CUT.finditer(text), None]:
        end = cut.start() if cut is not None else len(text)
        said_over = list(_RESOLVED.finditer(text, start, end))
        resolved = said_over[-1] if said_over else None  # the last statement that it is over
        if resolved is not None:
            past = _PAST.search(text, start, resolved.start())
            if past is not None and _BACK.search(text, past.end(), end) is None:
                after = _CLAUSE_CUT_ALL.search(text, resolved.end(), end)
                spans.append((start, after.start() if after is not None else end))
        if cut is None:
            break
        start = cut.end()
    return spans


def reported(text: str, *, clauses: bool = True, habits: bool = False) -> str:
    """``text`` with its general parts (``general_spans``) blanked out: what it tells of this baby or mother, at the
    same offsets. ``clauses=False`` keeps the clauses of advice, a guess or a doubt (what danger signs are read in:
    宝宝嘴唇发紫，可能是缺氧 — a guess beside a finding is no reason to miss it) and blanks only general sentences,
    conditions, fears and history."""
    spans = general_spans(text, clauses=clauses, habits=habits)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


_TELLS_NOTHING = re.compile(r"[\s，,。！!？?；;:：、.\d()（）\[\]「」『』“”\"'-]*")


def is_hypothetical(text: str, *, habits: bool = False) -> bool:
    """The line tells nothing of this baby or mother: it is all advice, conditions or general statements
    (``reported`` keeps the parts of a mixed line that do tell something); ``habits``: or habits and the like."""
    return (bool(general_spans(text, habits=habits))
            and _TELLS_NOTHING.fullmatch(reported(text, habits=habits)) is not None)
