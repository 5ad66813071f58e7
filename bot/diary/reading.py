"""Small readers the entry kinds share: Chinese numerals, numbers with units, durations, sides, who is meant.

Every kind module under ``bot/diary/kinds/`` parses its own lines with these; the
time prefix and the dispatch over kinds live in ``bot/diary/parse.py``.
"""

from __future__ import annotations

import re
import threading

import opencc

from bot.diary.words import digits, numeral_value

CN_NUM = "[零〇一二两三四五六七八九十百]+"
NUM = r"(\d+(?:\.\d+)?)"

MOTHER_WORDS = ("产妇", "妈妈", "宝妈", "母亲", "产母")
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


def amount_ml(body: str) -> int | None:
    match = re.search(rf"{NUM}\s*(?:ml|毫升|cc|m1|亳升)", body)
    if match:
        value = float(match[1])
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
_HOMOPHONE_RE = re.compile("|".join(sorted(map(re.escape, VOICE_HOMOPHONES), key=len, reverse=True)))


def fold_writing(text: str) -> str:
    """Traditional characters to simplified, and the homophones voice dictation brings to the words meant."""
    return _HOMOPHONE_RE.sub(lambda m: VOICE_HOMOPHONES[m[0]], to_simplified(text))


# A word that says what follows is absent: 无红肿, 没有发烧, 未见渗液, 一点都不涨, 并无, 不黄.
NEGATION = r"(?:一点都不|一点也不|都没有|没有|没(?!多久)|无(?!法)|未见|未|不是|不(?!断|停|时|住|少|久|已)|并无|否认)"
_CLAUSE_BREAK = re.compile(r"[，,。；;！!？?、\s]|但|而|可是")


def negated(text: str, start: int, reach: int = 4) -> bool:
    """Whether the word at ``text[start:]`` is said to be absent: a negation shortly before it, in its clause."""
    before = text[max(0, start - reach):start]
    cut = [m.end() for m in _CLAUSE_BREAK.finditer(before)]
    if cut:
        before = before[cut[-1]:]
    return re.search(NEGATION + r"(?:有|见|发|是|觉得|太|怎么|再)?\S{0,2}$", before) is not None and bool(before)


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


# Advice, conditions and generalities describe no event: 如果…, 可能…, 一般…, 正常的恶露…, 嗜睡的宝宝则….
_HYPOTHETICAL = re.compile(
    r"如果|假如|假设|若是|万一|也许|可能是|可能会|可能因为|可能变|会变[为成]|一般来说|一般会|通常|往往|正常的|的宝宝(?:可|则|会|一般|通常)|"
    r"应该怎么|要注意|需要注意|注意观察|预防|避免|以防"
)


def is_hypothetical(text: str) -> bool:
    """The line gives advice or a condition rather than telling what happened."""
    return _HYPOTHETICAL.search(text) is not None
