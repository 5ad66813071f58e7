"""Issue 34, fourth round: reading that generalises beyond the lexicon's word lists.

- the safety net's structural reading (``bot.diary.lexicon.described_finding``): a body part and a state of it that is
  not well, in words no sign lists, reaches a person (needs_review, agency only);
- the person a sign is told of is the one named nearest it (妈妈发现宝宝嘴唇发紫 is the baby's);
- what tells nothing of this baby or mother: someone else's baby, a fear, a past event told as over, what may happen;
- last round's leftovers: two feeds for one baby on one line, fed until a time, the mother's own reading, a neurotoxicity
  risk factor (G6PD) told in a line.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from bot.diary.lexicon import LEXICON, alarm_words, described_finding, signs_in
from bot.diary.parse import parse_lines
from bot.diary.reading import is_hypothetical, reported
from bot.diary.words import tagged
from bot.models import Engagement
from tests.diary.test_danger_signs import diary as diary
from tests.diary.test_danger_signs import flags_of as flags_raised
from tests.support.chat import TZ

assert LEXICON.findings is not None
FINDING_EXAMPLES = [(e.text, e.source) for e in LEXICON.findings.examples]
FINDING_QUIET = [(e.text, e.source) for e in LEXICON.findings.quiet]


def flags_of(diary: tuple[Session, Engagement], text: str) -> list[tuple[str, str]]:
    return sorted(flags_raised(diary, text))


def rules(text: str) -> set[str]:
    return {rule for rule, _level, _reason in signs_in(text, day=9)}


# -- the structural reading -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "source"), FINDING_EXAMPLES)
def test_the_findings_examples_are_read_as_findings(text: str, source: str) -> None:
    assert described_finding(text) is not None, source


@pytest.mark.parametrize(("text", "source"), FINDING_QUIET)
def test_the_findings_quiet_examples_are_not(text: str, source: str) -> None:
    assert described_finding(text) is None, source


@pytest.mark.parametrize(("line", "finding"), [
    ("宝宝肚子一鼓一鼓的", "肚子 一鼓一鼓"),       # a repeated beat
    ("宝宝鼻子一扇一扇的", "鼻子 一扇一扇"),
    ("宝宝嘴巴周围青青的", "嘴巴 青青"),           # a state word made of a colour
    ("宝宝肚子硬硬的", "肚子 硬硬"),
    ("宝宝肚子胀得厉害", "肚子 胀得"),            # any state said strongly
    ("宝宝呼吸好像停了几秒", "呼吸 停了"),         # a state word of the list, across jieba's words
    ("寶寶的肚子有明顯脹大的情形", "肚子 胀大"),   # traditional script, folded first
])
def test_a_body_part_in_a_state_that_is_not_well_is_a_finding(line: str, finding: str) -> None:
    assert described_finding(line) == finding


@pytest.mark.parametrize("line", [
    "头发黑黑的",               # 头发 is a word of its own: no 头 in it
    "宝宝眼睛亮亮的", "小脸红红的很可爱", "吃完奶小肚子鼓鼓的", "宝宝腿一蹬一蹬的",  # states that are well
    "宝宝肚子不硬", "宝宝呼吸不急", "宝宝手不抖了",                                     # negated
    "如果宝宝肚子一鼓一鼓的就去医院",                                                   # a condition
    "宝宝睡觉时肚子波动大一般是正常的",                                                  # said to be normal
])
def test_well_negated_or_hypothetical_states_are_no_finding(line: str) -> None:
    assert described_finding(line) is None


def test_body_parts_are_read_with_their_part_of_speech() -> None:
    """jieba's tags through the diary's own dictionary: a body part is a noun, a state follows it."""
    words = dict(tagged("宝宝手脚冰冰的"))
    assert words["手脚"] == "n"
    assert words["冰冰"] == "z"


def test_a_finding_no_sign_names_reaches_a_person(diary: tuple[Session, Engagement]) -> None:
    assert flags_of(diary, "宝宝肚子一鼓一鼓的") == [("needs_review", "watch")]
    assert flags_of(diary, "宝宝肚子一鼓一鼓的，呼吸很急") == [("breathing", "urgent")]  # a sign the lexicon names
    assert flags_of(diary, "宝宝肚子硬邦邦的") == [("needs_review", "watch")]
    # Lips or face 青青的 is a description the lexicon now names (issue 34): the family hears of it too.
    assert flags_of(diary, "宝宝嘴巴周围青青的") == [("cyanosis", "urgent")]
    assert flags_of(diary, "宝宝头发黑黑的") == []
    assert flags_of(diary, "吃完奶小肚子鼓鼓的") == []


# -- whose sign ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "rule"), [
    ("妈妈发现宝宝嘴唇发紫", "cyanosis"),
    ("宝妈说宝宝一直抽搐", "convulsions"),
    ("宝宝抽搐，妈妈很着急", "convulsions"),
    ("妈妈说宝宝叫不醒", "lethargy"),
    ("妈妈抽搐了", "mother_seizure"),
    ("宝宝很好，妈妈喘不过气", "mother_breathless"),
])
def test_a_sign_is_the_person_named_nearest_it(line: str, rule: str) -> None:
    assert rules(line) == {rule}


# -- what tells nothing of this baby or mother -----------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "邻居家的孩子嘴唇发紫", "同事的宝宝抽搐住院了", "我姐姐家的宝宝黄到脚心",   # someone else's baby
    "怕宝宝抽筋", "生怕宝宝呼吸急促",                                          # a fear
    "前两天嘴唇发紫，现在好了", "之前拉过一次血丝便，医生说没事",               # history told as over
    "一分鐘育兒小知識:如何一眼就看出孩子在喘或呼吸困難",                         # a how-to
])
def test_lines_that_tell_nothing_of_this_baby_raise_no_sign(line: str) -> None:
    assert rules(line) == set()


def test_a_past_fever_told_as_over_is_no_alarm_and_one_back_again_is() -> None:
    assert alarm_words("昨天发烧今天退了") == []
    assert is_hypothetical("昨天发烧今天退了")
    assert "cyanosis" in rules("昨天嘴唇发紫，今天又紫了，嘴唇发紫")  # 又: it is back
    assert reported("昨天发烧今天退了，喂奶90ml").strip(" ，") == "喂奶90ml"


def test_a_sign_just_over_or_beside_a_guess_still_tells() -> None:
    assert rules("宝宝嘴唇发紫，可能是缺氧") == {"cyanosis"}
    assert rules("宝宝嘴唇发紫，可能会缺氧") == {"cyanosis"}
    assert rules("宝宝没有发烧、抽搐") == set() and rules("发烧不退、抽筋") == {"convulsions"}
    assert rules("宝宝体温38.5，怕抽筋") == set()  # the fear, not the fever (the reading is the temperature kind's)


# -- last round's leftovers ------------------------------------------------------------------------------------

def _read(line: str) -> list[tuple[str, dict[str, object]]]:
    sent = dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ)
    return [(e.kind, e.fields) for e in parse_lines(line, sent, TZ)]


def test_two_feeds_of_one_baby_on_one_line_are_two_feeds() -> None:
    assert _read("喂奶 90ml 喂奶 80ml") == [("feeding", {"amount_ml": 90}), ("feeding", {"amount_ml": 80})]
    assert _read("喂奶 90ml") == [("feeding", {"amount_ml": 90})]
    assert [k for k, _f in _read("喂奶 拍嗝 喂奶 80ml")] == ["feeding", "burp", "feeding"]


def test_fed_until_a_time_is_a_feed() -> None:
    sent = dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ)
    [entry] = parse_lines("吃到九点", sent, TZ)
    assert entry.kind == "feeding" and entry.time_given
    assert entry.occurred_at.astimezone(TZ).hour == 9
    assert [k for k, _f in _read("昨晚八点多拉一次，吃到九点。")] == ["diaper", "feeding"]
    assert _read("宝宝吃到奶了")[0][0] == "feeding"


def test_the_mothers_own_reading_is_hers(diary: tuple[Session, Engagement]) -> None:
    assert _read("我的体温 38.5") == [("mother_temperature", {"celsius": 38.5})]
    assert _read("孩子体温38.5，我的体温36.5。") == [("temperature", {"celsius": 38.5}),
                                                   ("mother_temperature", {"celsius": 36.5})]
    assert flags_of(diary, "我的体温 38.5") == [("mother_fever", "urgent")]


def test_a_neurotoxicity_risk_factor_told_goes_to_a_person(diary: tuple[Session, Engagement]) -> None:
    assert flags_of(diary, "宝宝G6PD不足") == [("needs_review", "watch")]
    assert flags_of(diary, "护士说宝宝是蚕豆病") == [("needs_review", "watch")]
    assert flags_of(diary, "宝宝足跟血筛查G6PD正常") == []
    # the reading beside it is kept, and the 6 of G6PD is no bilirubin
    assert _read("宝宝G6PD缺乏，黄疸12") == [("jaundice", {"bilirubin": 12.0, "bilirubin_unit": "mg/dL"})]
    assert ("needs_review", "watch") in flags_of(diary, "宝宝G6PD缺乏，黄疸12")
    assert _read("黄疸值达到10mg/dL以上需要进行蓝光治疗。") == [("note", {})]
