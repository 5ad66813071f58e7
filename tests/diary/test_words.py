"""The diary's segmenter and numerals (bot/diary/words.py): a private jieba Tokenizer with the diary's dictionary,
its cache file this user's own, cn2an on numeral words only."""

from __future__ import annotations

import os
import tempfile
import threading

import jieba
import pytest

from bot.diary import words


def test_the_diary_dictionary_keeps_its_words_whole() -> None:
    assert words.tokens("眼屎有点多") == ("眼屎", "有点", "多")
    assert words.tokens("乳头十分疼痛") == ("乳头", "十分", "疼痛")
    assert "混合喂养" in words.tokens("今天混合喂养")
    assert all(word for word, _frequency, _tag in words.dictionary_words())


def test_the_segmenter_is_private_and_its_cache_is_this_users() -> None:
    words.warm_up()
    # jieba's global tokenizer never learns the diary's words (another user of jieba in the process is unaffected).
    assert "混合喂养" not in jieba.lcut("今天混合喂养", HMM=False)
    assert "混合喂养" not in jieba.dt.FREQ
    cache = words.cache_path()
    assert os.path.dirname(cache) == tempfile.gettempdir() and str(os.getuid()) in os.path.basename(cache)


def test_one_segmenter_is_built_whatever_the_threads() -> None:
    seen: list[tuple[str, ...]] = []
    threads = [threading.Thread(target=lambda: seen.append(words.tokens("宝宝吐奶后拍嗝"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and len(seen) == 8


def test_a_word_is_found_only_as_a_word() -> None:
    assert not words.has_word("眼屎有点多", "屎")
    assert words.has_word("拉屎了", "拉屎")
    assert words.without_words("眼屎多 拉屎了", "眼屎") == "  多 拉屎了"  # same length: offsets kept
    assert len(words.without_words("眼屎多", "眼屎")) == 3 and "屎" not in words.without_words("眼屎多", "眼屎")


@pytest.mark.parametrize(("text", "expected"), [
    ("十点一刻", "10点一刻"),  # cn2an.transform on the whole would say 10.1刻
    ("一百二十毫升", "120毫升"), ("喂了十五分钟", "喂了15分钟"), ("两点喂奶", "2点喂奶"), ("下午一点喂奶", "下午1点喂奶"),
    ("三十七度八", "37度8"), ("8点二十", "8点20"), ("12点十分", "12点10分"),
    ("有一点黄", "有一点黄"), ("十分疼痛", "十分疼痛"), ("吃了一点点", "吃了一点点"), ("看了一下", "看了一下"),
])
def test_numerals_of_amounts_and_times_become_digits(text: str, expected: str) -> None:
    assert words.digits(text) == expected


def test_numeral_values() -> None:
    assert [words.numeral_value(t) for t in ("十五", "两百", "7", "一百二十", "刻", "")] == [15, 200, 7, 120, None, None]
