"""Issue 34: everyday records told in ordinary, narrative writing (mothers' blogs, Q&A pages, news features).

The words are data (bot/diary/data/everyday.yaml); its examples are public sentences, each with its source in the
file, and this test reads every one through the real parser: a meal told as a story, a mood told by what the mother
does and feels, a breast told by its place and state, milk expressed that no baby drank, the writer's own sleep. The
weights below are public sentences too, cited beside them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.diary.everyday import EVERYDAY, EverydayError, Example, load
from bot.diary.parse import ParsedEntry, parse_lines

TZ = ZoneInfo("Asia/Shanghai")
SENT = dt.datetime(2026, 8, 22, 15, 0, tzinfo=TZ)


def read(text: str) -> list[ParsedEntry]:
    return parse_lines(text, SENT, TZ)


def kinds(text: str) -> list[str]:
    return [entry.kind for entry in read(text)]


def _ids(examples: list[Example]) -> list[str]:
    return [e.text[:14] for e in examples]


def _only(kind: str, example: Example) -> ParsedEntry:
    entries = [e for e in read(example.text) if e.kind == kind]
    assert len(entries) == 1, f"{example.text!r} ({example.source}) gives {[e.kind for e in read(example.text)]}"
    return entries[0]


@pytest.mark.parametrize("example", EVERYDAY.meals.examples, ids=_ids(EVERYDAY.meals.examples))
def test_a_meal_told_as_a_story_is_the_mothers_meal(example: Example) -> None:
    meal = _only("meal", example)
    for name in ("meal", "eaten"):
        if getattr(example, name) is not None:
            assert meal.fields.get(name) == getattr(example, name), (example.text, meal.fields)


@pytest.mark.parametrize("example", EVERYDAY.meals.quiet, ids=_ids(EVERYDAY.meals.quiet))
def test_a_meal_not_eaten_or_someone_elses_is_no_meal(example: Example) -> None:
    assert "meal" not in kinds(example.text), example.source


def test_the_diarys_own_meal_words_still_read_and_not_eaten_up_is_not_all() -> None:
    # DIARY.md's chat example (月子餐 午餐 小米粥 吃完); 没吃完 is not all of it.
    assert [(e.kind, e.fields.get("meal"), e.fields.get("eaten")) for e in read("月子餐 午餐 小米粥 吃完")] == [
        ("meal", "lunch", "all")]
    assert read("月子餐 午餐 小米粥 没吃完")[0].fields.get("eaten") != "all"


@pytest.mark.parametrize("example", EVERYDAY.mood.examples, ids=_ids(EVERYDAY.mood.examples))
def test_a_mood_told_by_what_she_does_and_feels(example: Example) -> None:
    assert _only("mood", example).fields.get("mood") == example.mood


@pytest.mark.parametrize("example", EVERYDAY.mood.quiet, ids=_ids(EVERYDAY.mood.quiet))
def test_crying_from_pain_or_someone_elses_crying_is_no_mood(example: Example) -> None:
    assert "mood" not in kinds(example.text), example.source


@pytest.mark.parametrize("example", EVERYDAY.breast.examples, ids=_ids(EVERYDAY.breast.examples))
def test_a_breast_told_by_its_place_and_state(example: Example) -> None:
    breast = _only("breast", example)
    assert breast.fields.get("conditions", []) == example.conditions, (example.text, breast.fields)
    assert "sleep" not in kinds(example.text)  # 痛醒 is the mother waking, no baby's sleep


@pytest.mark.parametrize("example", EVERYDAY.breast.quiet, ids=_ids(EVERYDAY.breast.quiet))
def test_the_baby_latched_is_a_feed_not_a_breast_record(example: Example) -> None:
    assert kinds(example.text) == ["feeding"], example.source
    assert read(example.text)[0].fields.get("type") == "breast"


def test_a_weak_suck_stays_a_sign_not_a_feed() -> None:
    # 吸吮无力 (WHO/IMCI: not feeding well) is read by the danger lexicon; the latch words must not make it a feed.
    assert "feeding" not in kinds("吸吮无力")


@pytest.mark.parametrize("example", EVERYDAY.expressing.examples, ids=_ids(EVERYDAY.expressing.examples))
def test_milk_expressed_and_given_to_nobody_is_no_feed(example: Example) -> None:
    assert "feeding" not in kinds(example.text), example.source


@pytest.mark.parametrize("example", EVERYDAY.sleep.examples, ids=_ids(EVERYDAY.sleep.examples))
def test_the_writers_own_sleep_is_no_babys_sleep(example: Example) -> None:
    assert "sleep" not in kinds(example.text), example.source


def test_a_baby_put_to_sleep_by_the_writer_is_still_the_babys_sleep() -> None:
    assert kinds("我哄宝宝睡着了") == ["sleep"]
    assert kinds("宝宝起来了") == ["sleep"]
    assert "sleep" not in kinds("宝宝哭起来了")  # starting to cry is no getting up


@pytest.mark.parametrize(("text", "grams", "source"), [
    ("宝宝出生的时候是7.8斤,满月之后是8.5斤", 4250, "http://m.pcbaby.com.cn/a/225/2253525.html"),
    ("第二天去防疫站打了疫苗,还称了体重,才7斤", 3500, "https://wsa.jianshu.io/p/d8f1c586cbde"),
    ("宝宝现在三个月,体重11斤", 5500, "https://alhadithi.com/wenda/144500186.htm"),
])
def test_a_weight_in_jin_is_todays_weight(text: str, grams: int, source: str) -> None:
    weights = [e.fields["grams"] for e in read(text) if e.kind == "weight"]
    assert weights == [grams], source


def test_a_weight_at_birth_alone_is_no_weighing() -> None:
    # https://wsa.jianshu.io/p/d8f1c586cbde: the birth weight told beside today's, in the next sentence
    assert "weight" not in kinds("人家出生的时候可是有6斤2两呢")


def test_liang_written_as_a_chinese_numeral() -> None:
    # 1 斤 = 500 g, 1 两 = 50 g; cn2an leaves the numeral before 两 (三两 may be "two" 两), the weight reads it.
    assert [e.fields for e in read("体重六斤八两")] == [{"grams": 3400}]
    assert [e.fields for e in read("体重6斤0两")] == [{"grams": 3000}]


def test_a_broken_file_is_refused_with_the_section_and_field_named(tmp_path: Path) -> None:
    broken = tmp_path / "everyday.yaml"
    text = (Path(__file__).parents[2] / "bot/diary/data/everyday.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("  eating: [", "  eatin: [", 1), encoding="utf-8")
    with pytest.raises(EverydayError, match=r"meals\.eating"):
        load(broken)


def test_every_section_cites_public_sources() -> None:
    for section in (EVERYDAY.meals, EVERYDAY.mood, EVERYDAY.breast):
        assert len(section.examples) >= 2
    for example in [*EVERYDAY.meals.examples, *EVERYDAY.mood.examples, *EVERYDAY.breast.examples,
                    *EVERYDAY.expressing.examples, *EVERYDAY.sleep.examples]:
        assert example.source.startswith(("http://", "https://")), example.text
