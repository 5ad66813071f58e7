"""Whatever a nurse types, the parser's fields are ones the entry's kind accepts (or the message is refused)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diary.kinds import KIND_FIELDS
from bot.diary.parse import parse_lines
from bot.diary.schemas import read_fields
from tests.support.fuzz import examples

TZ = ZoneInfo("Asia/Shanghai")
SENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)

_WORDS = ["喂奶", "亲喂", "母乳", "配方奶", "左", "右", "体温", "妈妈", "宝宝", "产妇", "血压", "黄疸", "体重", "身长",
          "大便", "没有", "无", "黄色", "红", "白天", "血丝", "睡了", "洗澡", "水温", "月子餐", "午餐", "恶露", "EPDS",
          "乳房", "伤口", "脐带", "吐奶", "奶奶", "下午", "夜里", "晚上", "凌晨", "点", "半", "度", "斤", "两", "ml", "分钟",
          "小时", "h", "/", ".", " ", "g", "kg", "cm", "mg", "umol", "十五", "一百二十"]
_PIECES = st.one_of(st.sampled_from(_WORDS), st.integers(0, 99999).map(str),
                    st.decimals(0, 500, places=1).map(str))


@settings(max_examples=examples(1500), deadline=None)  # scaled as the fuzzers' budgets are (ANXIN_FUZZ_EXAMPLES)
@given(st.lists(_PIECES, min_size=1, max_size=8).map("".join))
def test_parsed_fields_are_always_storable(line: str) -> None:
    for entry in parse_lines(line, SENT, TZ):
        read_fields(entry.kind, entry.fields)
        assert set(entry.fields) <= {f.name for f in KIND_FIELDS[entry.kind]}, (entry.kind, entry.fields)
        assert entry.text == line.strip()


@pytest.mark.parametrize(("line", "kind", "fields"), [
    ("黄疸 2026", "jaundice", {}),  # no bilirubin reads 2026: the number stays in the text only
    ("血压 85/135", "blood_pressure", {"systolic_mmhg": 135, "diastolic_mmhg": 85}),  # typed the wrong way round
    ("血压 90/90", "note", {}),
    ("月子餐 午餐 " + "鲫鱼汤" * 80, "meal", {"meal": "lunch", "dishes": ("鲫鱼汤" * 80)[:200]}),
])
def test_out_of_range_values_never_refuse_the_message(line: str, kind: str, fields: dict[str, object]) -> None:
    [entry] = parse_lines(line, SENT, TZ)
    assert (entry.kind, entry.fields) == (kind, fields)
    read_fields(entry.kind, entry.fields)
    assert entry.text == line


# Lines tried as a nurse types them, several events with a space between (issue 34, "in chat, tried as a nurse would";
# written here, not quoted from a source): each event at its own time, and a range's end never a new event.
_AT_15 = dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ)


@pytest.mark.parametrize(("line", "expected"), [
    ("10点喂奶90ml 11点喂奶80ml", [("feeding", {"amount_ml": 90}, "10:00"), ("feeding", {"amount_ml": 80}, "11:00")]),
    ("10点 喂奶 90ml 11点 换尿布", [("feeding", {"amount_ml": 90}, "10:00"),
                                 ("diaper", {"wet": True, "stool": False}, "11:00")]),
    ("下午 3点喂奶", [("feeding", {}, "15:00")]),
    ("14:00 至 15:30 睡觉", [("sleep", {"duration_min": 90}, "14:00")]),
    ("11点半 睡到 12点40", [("sleep", {"duration_min": 70}, "11:30")]),
    ("晚上 9点 睡到 凌晨 2点", [("sleep", {"duration_min": 300}, "21:00")]),
])
def test_events_a_space_apart_each_keep_their_own_time(line: str, expected: list[tuple[str, dict[str, object], str]]) -> None:
    got = [(e.kind, e.fields, e.occurred_at.astimezone(TZ).strftime("%H:%M")) for e in parse_lines(line, _AT_15, TZ)]
    assert got == expected


@pytest.mark.parametrize(("line", "event"), [
    ("餵奶 60cc 吸吮無力", ("feeding", {"amount_ml": 60})),
    ("换尿布 宝宝嘴唇发紫", ("diaper", {"wet": True, "stool": False})),
])
def test_an_event_told_beside_a_sign_in_one_clause_is_kept_beside_its_note(line: str,
                                                                          event: tuple[str, dict[str, object]]) -> None:
    assert [(e.kind, e.fields) for e in parse_lines(line, _AT_15, TZ)] == [event, ("note", {})]


@pytest.mark.parametrize(("line", "fields"), [
    ("恶露颜色暗红，有血块", {"colour": "dark-red"}),  # clots do not make dark lochia bright red
    ("宝妈恶露量多，颜色暗红，有血块", {"colour": "dark-red", "amount": "much"}),
    ("恶露有血块", {"colour": "red"}),
    ("恶露鲜红，有血块", {"colour": "red", "bright": True}),
])
def test_lochia_colour_is_the_colour_said(line: str, fields: dict[str, object]) -> None:
    [entry] = parse_lines(line, SENT, TZ)
    assert (entry.kind, entry.fields) == ("lochia", fields)
