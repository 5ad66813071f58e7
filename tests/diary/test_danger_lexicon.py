"""Issue 34, items 2 and 3: danger signs as data (bot/diary/data/danger_signs.yaml), described as well as named, and
the safety net (needs_review) for a line that mentions something alarming no sign names.

The lexicon's own examples are public sentences, each with its source in the file; this test reads every one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.entries import record_entries
from bot.diary.lexicon import LEXICON, LexiconError, load, signs_in
from bot.diary.parse import parse_lines
from bot.diary.reading import is_hypothetical
from bot.models import DiaryFlag, Engagement, Notification
from tests.diary.test_danger_signs import NURSE as SIGNS_NURSE
from tests.diary.test_danger_signs import diary as diary
from tests.diary.test_danger_signs import flags_of as flags_raised
from tests.support.agency import supervisor_code
from tests.support.chat import MOM, NURSE, TZ, Chat, Family

EXAMPLES = [(s.key, e.text, e.source) for s in LEXICON.signs for e in s.examples]
QUIET = [(s.key, e.text, e.source) for s in LEXICON.signs for e in s.quiet]


# -- the file ---------------------------------------------------------------------------------------------------

def test_every_sign_has_two_public_examples_with_their_source() -> None:
    for sign in LEXICON.signs:
        assert len(sign.examples) >= 2, sign.key
        assert all(e.source.startswith(("http://", "https://")) for e in sign.examples), sign.key


@pytest.mark.parametrize(("key", "text", "source"), EXAMPLES, ids=[f"{k}:{t[:12]}" for k, t, _ in EXAMPLES])
def test_every_example_tells_its_sign(key: str, text: str, source: str) -> None:
    """Its words describe the sign; and an example that reports (not advice such as 若…应立即就诊) raises it."""
    told = {rule for rule, _level, _reason in signs_in(text, reports_only=False)}
    assert key in told, f"{text!r} ({source}) does not tell {key}: {told}"
    if not is_hypothetical(text):
        assert key in {rule for rule, _level, _reason in signs_in(text)}, f"{text!r} ({source}) is read as no report"


@pytest.mark.parametrize(("key", "text", "source"), QUIET, ids=[f"{k}:{t[:12]}" for k, t, _ in QUIET])
def test_the_quiet_examples_tell_nothing_of_their_sign(key: str, text: str, source: str) -> None:
    assert key not in {rule for rule, _level, _reason in signs_in(text)}, source


def test_a_broken_file_is_refused_with_the_concept_and_field_named(tmp_path: Path) -> None:
    broken = tmp_path / "danger_signs.yaml"
    broken.write_text(
        "version: 1\nsigns:\n  - key: convulsions\n    level: urgent\n    whose: baby\n    body_part: 四肢\n"
        "    named: [抽搐]\n    examples:\n      - text: 宝宝抽搐\n        source: https://example.org/a\n",
        encoding="utf-8")
    with pytest.raises(LexiconError, match=r"signs\.0\.examples"):
        load(broken)
    broken.write_text(
        "version: 1\nsigns:\n  - key: no_such_rule\n    level: urgent\n    whose: baby\n    body_part: 四肢\n"
        "    named: [抽搐]\n    examples:\n      - {text: 宝宝抽搐, source: 'https://example.org/a'}\n"
        "      - {text: 宝宝抽筋, source: 'https://example.org/b'}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="no_such_rule"):
        load(broken)


# -- how the words are read -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "rule"), [
    ("宝宝眼睛上翻，手脚一抽一抽的", "convulsions"),
    ("四肢抖动，叫他也没反应", "convulsions"),
    ("吸气时肋骨下面往下陷", "breathing"),
    ("宝宝鼻翼一扇一扇的", "breathing"),
    ("宝宝嘴唇发乌", "cyanosis"),
    ("宝宝嘴唇暗紫", "cyanosis"),
    ("宝宝一晚上没尿", "no_wet"),
    ("大便像果酱", "red_stool"),
    ("便便里有血丝", "red_stool"),
    ("宝宝全身黄", "spreading_jaundice"),
    ("手心脚心都黄", "spreading_jaundice"),
    ("乳房红肿发烫 打寒战", "mastitis"),
    ("恶露有臭味", "lochia_smell"),
    ("宝妈一小时湿透一片卫生巾", "heavy_bleeding"),
    ("产妇血块比鸡蛋还大", "heavy_bleeding"),
    ("产妇血压高 头痛 看东西模糊", "blood_pressure_symptoms"),
    ("宝宝眼睛流脓", "eye_discharge"),
    ("宝宝吐奶 肚子鼓鼓的很硬", "vomit_swollen_belly"),
    ("妈妈抽搐", "mother_seizure"),
    # issue 34, the outside scorers' descriptions: chest drawn in, dark lips, pale or lighter stool, a wound that
    # opened and festers, breathlessness told of the mother or by her, a feed refused or dwindling
    ("宝宝吸气时胸口一吸一吸的", "breathing"),
    ("宝宝嘴唇乌乌的", "cyanosis"),
    ("宝宝大便颜色变得很淡", "pale_stool"),
    ("宝宝大便灰色", "pale_stool"),
    ("不幸裂开出现一个小洞,引发化脓感染", "wound_infection"),
    ("刀口发红，有黄色的液体流出来", "wound_infection"),
    ("生完孩子后我总是胸闷气短", "mother_breathless"),
    ("剖腹产后第二天我突然喘不上气", "mother_breathless"),
    ("胸闷、呼吸困难", "mother_breathless"),
    ("宝宝今天不肯吃，喂不进去", "poor_feeding"),
    ("宝宝吃奶越来越少", "poor_feeding"),
    ("护垫一会儿就湿透了", "heavy_bleeding"),
    ("宝宝睡觉时有时候不呼吸", "breathing"),
])
def test_described_signs_are_read(line: str, rule: str) -> None:
    assert rule in {r for r, _level, _reason in signs_in(line)}


@pytest.mark.parametrize(("line", "rule", "not_rule"), [
    ("产后第5天，呼吸急促，心慌", "mother_breathless", "breathing"),  # the birth told names the mother
    ("我一直以来身体都很好,怎么会突然变得呼吸困难呢?", "mother_breathless", "breathing"),  # the writer herself
    ("我发现呼吸很急", "breathing", "mother_breathless"),  # the nurse seeing: the baby's
    ("产后第3天，宝宝嘴唇发紫", "cyanosis", "mother_breathless"),  # the baby named nearest
])
def test_whose_breath_it_is(line: str, rule: str, not_rule: str) -> None:
    told = {r for r, _level, _reason in signs_in(line)}
    assert rule in told and not_rule not in told, told


def test_a_lochia_or_wound_sign_told_without_the_word_makes_that_entry() -> None:
    [bleeding] = parse_lines("鲜血顺着大腿流下。", dt.datetime.now(TZ), TZ)
    assert (bleeding.kind, bleeding.fields) == ("lochia", {"colour": "red", "bright": True, "amount": "much"})
    [wound] = parse_lines("没想到因为太急于恢复生活不幸裂开出现一个1公分的小洞,引发化脓感染", dt.datetime.now(TZ), TZ)
    assert (wound.kind, wound.fields) == ("wound", {"condition": "infected_signs"})
    [feed] = parse_lines("喂奶半小时", dt.datetime.now(TZ), TZ)  # a word of a description alone (半小时) is no lochia
    assert feed.kind == "feeding"


def test_jaundice_all_over_the_body_is_stored_with_its_extent() -> None:
    # All over the body takes in the palms and soles (Kramer's zone 5), the deepest extent DIARY.md names.
    [entry] = parse_lines("宝宝全身发黄", dt.datetime.now(TZ), TZ)
    assert (entry.kind, entry.fields) == ("jaundice", {"extent": "soles"})


def test_a_sign_with_an_age_condition_holds_only_then() -> None:
    # Black stool is urgent after day 5 (DIARY.md); before it, it is meconium (the diaper kind's watch rule).
    assert signs_in("宝宝拉黑色便便", day=3) == []
    assert [r for r, _level, _reason in signs_in("宝宝拉黑色便便", day=9)] == ["black_stool"]


@pytest.mark.parametrize("line", [
    "没有抽搐", "宝宝没有抽搐 呼吸平稳", "伤口无红肿", "尿布干爽", "手心脚心不黄", "恶露没有异味", "嘴唇红润",
    "如果抽搐就要就医", "如果嘴唇发紫要马上去医院", "奶黄色大便", "黄疸值正常", "没有发烧", "体温正常",
    "眼睛没有上翻，手脚也没有抖", "吐奶，大便绿色", "配方奶宝宝大便土灰色", "宝宝大便有白色奶瓣", "大便黄色，有少量白色颗粒",
    "伤口愈合良好，无红肿无渗液", "宝宝吃奶很好，奶量没有减少",
])
def test_negations_normal_lines_and_advice_tell_nothing(line: str) -> None:
    assert signs_in(line) == []


# -- recorded, flagged and answered -----------------------------------------------------------------------------

def flags_of(diary: tuple[Session, Engagement], text: str, at: dt.datetime | None = None) -> list[tuple[str, str]]:
    """The flags the line raises when the nurse writes it, in order of rule."""
    return sorted(flags_raised(diary, text, at))


@pytest.mark.parametrize(("line", "expected"), [
    ("宝宝眼睛上翻 手脚一抽一抽的", [("convulsions", "urgent")]),
    ("宝宝嘴唇发乌", [("cyanosis", "urgent")]),
    ("宝宝一晚上没尿", [("no_wet", "urgent")]),
    ("换尿布 大便像果酱", [("red_stool", "urgent")]),
    ("宝宝全身黄", [("spreading_jaundice", "urgent")]),
    ("宝宝眼屎很多 黄色浓稠", [("eye_discharge", "watch")]),
    ("宝宝脸上长了几个小脓包", [("skin_pustules", "watch")]),
    ("宝宝吐奶 肚子胀得硬邦邦", [("vomit_swollen_belly", "urgent")]),
    ("宝妈乳房红肿 发冷打寒战", [("mastitis", "urgent")]),
    ("产妇一小时湿透一片卫生巾", [("heavy_bleeding", "urgent")]),
    ("恶露 鲜红 量很多", [("heavy_bleeding", "urgent")]),  # day 9 after birth: bright red and heavy again
    ("产妇血压高 头痛", [("blood_pressure_symptoms", "urgent")]),
    ("血压150/95 产妇说头痛", [("blood_pressure_symptoms", "urgent")]),
    ("喂奶90ml，宝宝嘴唇发紫", [("cyanosis", "urgent")]),  # a sign told beside a feed is not lost
])
def test_each_described_sign_is_flagged_at_its_level(diary: tuple[Session, Engagement], line: str,
                                                     expected: list[tuple[str, str]]) -> None:
    assert flags_of(diary, line) == expected


@pytest.mark.parametrize("line", ["奶黄色大便", "黄疸值正常", "没有发烧", "体温正常", "换尿布 尿布干爽", "伤口无红肿",
                                  "血压135/85", "血压150/95"])
def test_lines_that_look_alarming_raise_no_false_flag(diary: tuple[Session, Engagement], line: str) -> None:
    found = flags_of(diary, line)
    assert ("needs_review", "watch") not in found
    assert all(level == "watch" for _rule, level in found)  # 150/95 alone stays the watch it was


def test_a_described_sign_beside_a_feed_keeps_the_feed_and_flags_the_sign(diary: tuple[Session, Engagement]) -> None:
    session, engagement = diary
    sent = dt.datetime.now(TZ) - dt.timedelta(minutes=1)
    rows = record_entries(session, engagement, SIGNS_NURSE, parse_lines("喂奶90ml，宝宝嘴唇发乌", sent, TZ), sent, TZ)
    assert [(r.kind, r.fields.get("amount_ml")) for r in rows] == [("feeding", 90)]
    flags = session.scalars(select(DiaryFlag).where(DiaryFlag.entry_id == rows[0].id)).all()
    assert [(f.rule, f.severity) for f in flags] == [("cyanosis", "urgent")]


def test_a_blocked_duct_not_cleared_in_24_hours_is_watched(diary: tuple[Session, Engagement]) -> None:
    now = dt.datetime.now(TZ) - dt.timedelta(minutes=1)
    assert flags_of(diary, "乳房 堵奶", now - dt.timedelta(hours=26)) == []
    assert flags_of(diary, "乳房 堵奶 热敷", now - dt.timedelta(hours=10)) == []  # 16 hours: not yet
    assert flags_of(diary, "乳房 还是堵奶", now) == [("blocked_duct", "watch")]


def test_a_duct_cleared_in_between_starts_again(diary: tuple[Session, Engagement]) -> None:
    now = dt.datetime.now(TZ) - dt.timedelta(minutes=1)
    flags_of(diary, "乳房 堵奶", now - dt.timedelta(hours=30))
    flags_of(diary, "乳房 堵奶 已疏通", now - dt.timedelta(hours=20))
    assert flags_of(diary, "乳房 堵奶", now) == []


def test_weight_still_falling_after_day_four_is_watched(diary: tuple[Session, Engagement]) -> None:
    now = dt.datetime.now(TZ) - dt.timedelta(minutes=1)
    assert flags_of(diary, "体重 3300g", now - dt.timedelta(days=1)) == []  # 2.9 % below 3400 g
    assert flags_of(diary, "体重 3250g", now) == [("weight_still_falling", "watch")]
    assert flags_of(diary, "体重 3300g", now + dt.timedelta(seconds=30)) == []  # gaining again


# -- the safety net and the nurse's reply ----------------------------------------------------------------------

@pytest.fixture
def watched_family(app: Flask, client: FlaskClient, family: Family, chat: Chat) -> Family:
    """The shared family, with the agency's supervisor bound in chat."""
    assert "绑定成功" in chat.say("o-boss-lexicon", f"绑定 {supervisor_code(client, family.key)}")
    return family


def test_an_alarming_line_no_rule_reads_goes_to_the_supervisor_quoted(chat: Chat, watched_family: Family,
                                                                      session: Session) -> None:
    reply = chat.say(NURSE, "宝宝手有点抖")
    assert "需人工确认" in reply and "“宝宝手有点抖”" in reply
    assert "换个说法重发" not in reply
    flag = session.scalars(select(DiaryFlag).where(DiaryFlag.engagement_id == watched_family.engagement_id)).one()
    assert (flag.rule, flag.severity) == ("needs_review", "watch")
    told = {n.openid for n in session.scalars(select(Notification).where(Notification.key.like(f"flag:{flag.id}:%")))}
    assert told == {"o-boss-lexicon"}  # the supervisor, not the family's urgent channel
    assert MOM not in told


def test_a_flagged_line_is_not_also_asked_to_be_rephrased(chat: Chat, watched_family: Family) -> None:
    reply = chat.say(NURSE, "宝宝哭闹厉害 不肯吃奶")
    assert "宝宝不吃奶或吸吮无力" in reply
    assert "换个说法重发" not in reply and "没有识别出具体事项" not in reply


def test_a_plain_note_still_asks_to_be_rephrased(chat: Chat, watched_family: Family) -> None:
    reply = chat.say(NURSE, "宝宝今天很乖")
    assert "换个说法重发" in reply and "需人工确认" not in reply


def test_a_sign_told_beside_a_reading_is_not_asked_to_be_rephrased(chat: Chat, watched_family: Family) -> None:
    """The sign (蔫: lethargy) is flagged on the line's first entry, the reading; its note is understood all the same."""
    reply = chat.say(NURSE, "9点 体温38.6 宝宝有点蔫")
    assert "宝宝体温 38.6℃" in reply and "宝宝叫不醒、嗜睡或反应差" in reply, reply
    assert "换个说法重发" not in reply and "没有识别出具体事项" not in reply, reply


@pytest.mark.parametrize(("text", "key", "told"), [
    # a clause opened by a written negation denies its whole phrase (a clinic note: no discharge with a smell)
    ("今日诉恶露偶有，无阴道分泌物有异味，故就诊。", "lochia_smell", False),
    ("无发热，恶露有异味", "lochia_smell", True),  # the negation's clause ends at the comma
    ("无明显诱因出现抽搐", "convulsions", True),  # something happens in it: 出现 tells the seizure
    # a jerking that goes on is a seizure; one startle is not (discovery.ettoday.net/news/1278888)
    ("看著兒子不停的抽動", "convulsions", True),
    ("送往醫院的路上持續高燒,然後不間斷的抖動。", "convulsions", True),
    ("宝宝睡觉时手脚抖动了一下", "convulsions", False),
    ("宝宝一直哭个不停", "convulsions", False),
    # fever with a red swollen breast, told by the mother herself
    ("我发热并且乳房红肿。", "mastitis", True),
])
def test_negation_scope_and_continuing_movements(text: str, key: str, told: bool) -> None:
    assert (key in {rule for rule, _level, _reason in signs_in(text)}) is told
