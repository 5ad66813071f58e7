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

TZ = ZoneInfo("Asia/Shanghai")
SENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)

_WORDS = ["喂奶", "亲喂", "母乳", "配方奶", "左", "右", "体温", "妈妈", "宝宝", "产妇", "血压", "黄疸", "体重", "身长",
          "大便", "没有", "无", "黄色", "红", "白天", "血丝", "睡了", "洗澡", "水温", "月子餐", "午餐", "恶露", "EPDS",
          "乳房", "伤口", "脐带", "吐奶", "奶奶", "下午", "夜里", "晚上", "凌晨", "点", "半", "度", "斤", "两", "ml", "分钟",
          "小时", "h", "/", ".", " ", "g", "kg", "cm", "mg", "umol", "十五", "一百二十"]
_PIECES = st.one_of(st.sampled_from(_WORDS), st.integers(0, 99999).map(str),
                    st.decimals(0, 500, places=1).map(str))


@settings(max_examples=1500, deadline=None)
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
