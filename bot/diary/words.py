"""Words as words: the diary's segmenter and its reading of Chinese numerals.

A nurse's line is cut into words by jieba with the diary's own dictionary (``data/words.txt``), so that a word is not
read inside another (眼屎 is no stool, 十分疼痛 is no ten minutes), and numerals written in Chinese are turned into
digits by cn2an one word at a time (十点一刻 → 10点一刻, 一百二十毫升 → 120毫升; ``cn2an.transform`` on a whole line
reads 十点一刻 as 10.1刻). The segmenter is a private ``jieba.Tokenizer``, never jieba's global one: built once, on
first use or at start-up (``warm_up``), under a lock, with its cache file in the temporary directory under a name of
this user's own.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
import threading
from pathlib import Path

import cn2an
import jieba
import jieba.posseg

__all__ = ["DICTIONARY", "cache_path", "digits", "has_word", "numeral_value", "read_across", "tagged", "tokens",
           "warm_up", "without_words"]

DICTIONARY = Path(__file__).with_name("data") / "words.txt"

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def cache_path() -> str:
    """The segmenter's dictionary cache: in the temporary directory, named for this user (no collisions)."""
    who = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return os.path.join(tempfile.gettempdir(), f"anxin-jieba-{who}.cache")


def dictionary_words() -> list[tuple[str, int, str]]:
    """The diary's dictionary: (word, frequency, part of speech) a line, ``#`` starts a comment."""
    words = []
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            word, frequency, tag = line.split()
            words.append((word, int(frequency), tag))
    return words


def _segmenter() -> jieba.Tokenizer:
    global _tokenizer
    built = _tokenizer
    if built is not None:
        return built
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.cache_file = cache_path()
            tokenizer.initialize()
            for word, frequency, tag in dictionary_words():
                tokenizer.add_word(word, frequency, tag)
            _tokenizer = tokenizer
        return _tokenizer


def warm_up() -> None:
    """Build the segmenter now (at start-up) rather than on the first line."""
    _segmenter()


@functools.lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    """``text`` cut into words (the dictionary's words whole; no guessing of unknown words)."""
    return tuple(_segmenter().cut(text, HMM=False))


_pos_lock = threading.Lock()
_pos_tokenizer: jieba.posseg.POSTokenizer | None = None


def _pos_segmenter() -> jieba.posseg.POSTokenizer:
    """jieba's part-of-speech tagger over the diary's segmenter (its dictionary and tags), built once."""
    global _pos_tokenizer
    built = _pos_tokenizer
    if built is None:
        with _pos_lock:
            if _pos_tokenizer is None:
                _pos_tokenizer = jieba.posseg.POSTokenizer(_segmenter())
            built = _pos_tokenizer
    return built


@functools.lru_cache(maxsize=2048)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """``text`` cut into (word, part of speech) pairs (jieba's tags: n noun, v verb, a adjective, z state word …).

    Dearer than ``tokens`` (~150 µs a line): only the safety net's reading of notes asks for it."""
    return tuple((pair.word, pair.flag) for pair in _pos_segmenter().cut(text, HMM=False))


def _boundaries(text: str) -> frozenset[int]:
    at, cuts = 0, {0}
    for token in tokens(text):
        at += len(token)
        cuts.add(at)
    return frozenset(cuts)


def has_word(text: str, *words: str) -> bool:
    """Whether one of ``words`` is said in ``text`` as words: beginning and ending where words do (眼屎 holds no 屎)."""
    cuts: frozenset[int] | None = None
    for word in words:
        start = text.find(word)
        while start >= 0:
            if cuts is None:
                cuts = _boundaries(text)
            if start in cuts and start + len(word) in cuts:
                return True
            start = text.find(word, start + 1)
    return False


def read_across(text: str, word: str) -> bool:
    """Whether every time ``word`` occurs in ``text`` it is read across a word boundary: begun inside one word and ended
    inside the next (头发|黑黑的 holds no 发黑). A word inside a longer one (叫不醒 holds 不醒) is not across."""
    start = text.find(word)
    if start < 0:
        return False
    spans, at = [], 0
    for token in tokens(text):
        spans.append((at, at + len(token)))
        at += len(token)
    while start >= 0:
        end = start + len(word)
        if not any(a < start < b < end or start < a < end < b for a, b in spans):
            return False
        start = text.find(word, start + 1)
    return True


def without_words(text: str, *words: str) -> str:
    """``text`` with each of ``words`` said as a word blanked out (same length: offsets still hold)."""
    if not any(word in text for word in words):
        return text
    out, at = [], 0
    for token in tokens(text):
        out.append(" " * len(token) if token in words else token)
        at += len(token)
    return "".join(out)


CN_NUMERAL = "零〇一二两三四五六七八九十百千"
_HAS_NUMERAL = re.compile(f"[{CN_NUMERAL}]")
# A numeral that may count or tell the time: before a unit's first character, or after 点/度 (only such lines are
# segmented).
_MAY_COUNT = re.compile(f"[{CN_NUMERAL}]+个?半?(?:[小钟分毫克公斤次天周月点度℃]|cm|ml|cc|g)|[点度][{CN_NUMERAL}]")
_NUMERAL_HEAD = re.compile(f"([{CN_NUMERAL}]+)(.*)", re.S)
# What may follow a numeral that is an amount or a time (a bare 分 may not: 十分 is "very").
_UNIT = re.compile(r"(?:个?小时|个?钟头|分钟|毫升|ml|cc|克|g|公斤|斤|次|天|周|个月|cm|厘米|度|℃"
                   rf"|点(?:半|钟|整|[{CN_NUMERAL}\d]|$))")
_PERIOD_WORDS = frozenset({"上午", "早上", "早晨", "清晨", "中午", "午后", "下午", "傍晚", "晚上", "夜里", "夜间", "半夜", "深夜",
                           "凌晨", "早", "晚", "刚才", "刚刚", "今天", "昨天", "昨晚", "今早", "今晚"})


def numeral_value(token: str) -> int | None:
    """A numeral written in Chinese or in digits as a whole number (``十五`` → 15, ``两百`` → 200); None if it is none."""
    if token.isdigit():
        return int(token)
    if not token or _HAS_NUMERAL.fullmatch(token[0]) is None:
        return None
    try:
        value = cn2an.cn2an(token, "smart")
    except (ValueError, KeyError):
        return None
    return int(value) if float(value).is_integer() else None


# A number with 点 as its decimal point (三十七点八, 37点8, 黄疸十二点五): not a clock when it is no hour (over 24),
# when a unit of a measure follows, or when a measure is named just before it.
_DECIMAL = re.compile(rf"(?<![\d.{CN_NUMERAL}])([{CN_NUMERAL}]+|\d{{1,3}})点([零〇一二三四五六七八九]+|\d+)(?![\d{CN_NUMERAL}])"
                      r"(?=\s*(度|℃|°|摄氏度|mg|umol|μmol|µmol|斤|公斤|kg|cm|厘米|公分)?)")
_MEASURE_BEFORE = re.compile(r"(?:体温|温度|腋温|耳温|额温|肛温|口温|黄疸值?|胆红素|经皮|血清|测|量|值|体重|身长|身高)\S{0,2}$")
_CN_DIGIT = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0"}


def _decimals(text: str) -> str:
    """Numbers written with 点 as their decimal point, in digits: 三十八点五度 → 38.5度, 体温37点8 → 37.8."""
    def read(match: re.Match[str]) -> str:
        whole = numeral_value(match[1])
        if whole is None:
            return match[0]
        if not (whole > 24 or match[3] or _MEASURE_BEFORE.search(text, 0, match.start())):
            return match[0]
        fraction = "".join(_CN_DIGIT.get(c, c) for c in match[2])
        return f"{whole}.{fraction}"
    return _DECIMAL.sub(read, text) if "点" in text else text


def digits(text: str) -> str:
    """``text`` with each Chinese numeral that counts an amount or tells the time written in digits.

    Only a numeral read as a word of its own, followed by a unit or 点: 喂了十五分钟 → 15分钟, 十点一刻 → 10点一刻,
    下午一点 → 下午1点; 有一点黄 ("a little yellow"), 十分疼痛 ("very painful"), 一下 stay as they are. A number with
    点 as its decimal point is a decimal: 三十八点五度 → 38.5度, 体温37点8 → 37.8.
    """
    text = _decimals(text)
    if _MAY_COUNT.search(text) is None:
        return text
    words = tokens(text)
    out = []
    for i, word in enumerate(words):
        head = _NUMERAL_HEAD.fullmatch(word)
        if head is None:
            out.append(word)
            continue
        numeral, rest = head[1], head[2]
        after = rest if rest not in ("", "个") else rest + (words[i + 1] if i + 1 < len(words) else "")
        # 十五分 is minutes, and so is 十分 straight after 点; 十分 elsewhere is "very".
        minutes = rest == "分" and (numeral != "十" or (i > 0 and words[i - 1].endswith("点")))
        # A numeral straight after 度 or 点 is its decimal or its minutes: 三十七度八 → 37度8, 8点二十 → 8点20.
        tail = rest == "" and i > 0 and words[i - 1].endswith(("度", "点"))
        if _UNIT.match(after) is None and not minutes and not tail:
            out.append(word)
            continue
        if word == "一点" and not (i == 0 or words[i - 1] in _PERIOD_WORDS):
            out.append(word)  # 有一点 / 吃了一点: "a little"; 下午一点 and a line that starts with it: one o'clock
            continue
        value = numeral_value(numeral)
        out.append(word if value is None else f"{value}{rest}")
    return "".join(out)
