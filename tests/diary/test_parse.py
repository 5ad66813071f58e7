"""The nurse's chat language: real-world lines and what each becomes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.diary.kinds import KIND_FIELDS
from bot.diary.parse import body_of, cn_to_int, parse_line, parse_lines, read_lines
from bot.diary.schemas import read_fields

TZ = ZoneInfo("Asia/Shanghai")
SENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)  # Friday 10:00 local
NOW = "10:00"


def ago(minutes: int) -> str:
    """The local clock ``minutes`` before SENT: where a sleep told as over began."""
    return (SENT - dt.timedelta(minutes=minutes)).strftime("%H:%M")

# line, kind, fields it must have (subset), local time "HH:MM", day (0 today, -1 yesterday)
CASES: list[tuple[str, str, dict[str, object], str, int]] = [
    ("7:30 喂奶 120ml", "feeding", {"amount_ml": 120}, "07:30", 0),
    ("07:30 喂奶120ML", "feeding", {"amount_ml": 120}, "07:30", 0),
    ("７：３０ 喂奶 １２０ｍｌ", "feeding", {"amount_ml": 120}, "07:30", 0),
    ("7点半 母乳 左 15分钟", "feeding", {"type": "breast", "side": "left", "duration_min": 15}, "07:30", 0),
    ("7时30分 配方奶 90ml", "feeding", {"type": "formula", "amount_ml": 90}, "07:30", 0),
    ("下午3点 配方奶 90毫升", "feeding", {"type": "formula", "amount_ml": 90}, "15:00", -1),
    ("凌晨2点 母乳 右边 二十分钟", "feeding", {"type": "breast", "side": "right", "duration_min": 20}, "02:00", 0),
    ("凌晨两点半 喂奶 60ml", "feeding", {"amount_ml": 60}, "02:30", 0),
    ("早上六点 亲喂 两边 30分钟", "feeding", {"type": "breast", "side": "both", "duration_min": 30}, "06:00", 0),
    ("9点15分 吸奶 80ml 瓶喂", "feeding", {"type": "expressed", "amount_ml": 80}, "09:15", 0),
    ("8点一刻 喂水 10ml", "feeding", {"type": "water", "amount_ml": 10}, "08:15", 0),
    ("混合喂养 60ml", "feeding", {"type": "mixed", "amount_ml": 60}, NOW, 0),
    ("🍼 90ml", "feeding", {"amount_ml": 90}, NOW, 0),
    ("喂奶 120", "feeding", {"amount_ml": 120}, NOW, 0),
    ("喂乃 100ml", "feeding", {"amount_ml": 100}, NOW, 0),
    ("吃奶 一百二十毫升", "feeding", {"amount_ml": 120}, NOW, 0),
    ("9.30 喂奶 100cc", "feeding", {"amount_ml": 100}, "09:30", 0),
    ("拍嗝", "burp", {}, NOW, 0),
    ("拍奶嗝 打了两个嗝😊", "burp", {}, NOW, 0),
    ("吐奶 少量", "spit_up", {"amount": "little"}, NOW, 0),
    ("喷射状吐奶 很多", "spit_up", {"amount": "much", "projectile": True}, NOW, 0),
    ("换尿布 大便 黄色", "diaper", {"stool": True, "colour": "yellow"}, NOW, 0),
    ("尿布 小便", "diaper", {"wet": True, "stool": False}, NOW, 0),
    ("换尿不湿", "diaper", {"wet": True, "stool": False}, NOW, 0),
    ("8:40 纸尿裤 大小便都有 黄色糊状", "diaper",
     {"wet": True, "stool": True, "colour": "yellow", "texture": "soft"}, "08:40", 0),
    ("拉了💩 绿色 有奶瓣", "diaper", {"stool": True, "colour": "green", "texture": "curdy"}, NOW, 0),
    ("大便 陶土色", "diaper", {"stool": True, "colour": "white-grey"}, NOW, 0),
    ("大便 黑色", "diaper", {"stool": True, "colour": "black"}, NOW, 0),
    ("便便带血丝", "diaper", {"stool": True, "colour": "red"}, NOW, 0),
    ("睡觉 90分钟", "sleep", {"duration_min": 90}, ago(90), 0),  # over: it ended when written
    ("睡了一个半小时", "sleep", {"duration_min": 90}, ago(90), 0),  # over: it ended when written
    ("入睡", "sleep", {"state": "asleep"}, NOW, 0),
    ("9:45 醒了", "sleep", {"state": "awake"}, "09:45", 0),
    ("22:00-23:30 睡觉", "sleep", {"duration_min": 90}, "22:00", -1),
    ("睡了2小时", "sleep", {"duration_min": 120}, ago(120), 0),  # over: it ended when written
    ("😴 半小时", "sleep", {"duration_min": 30}, ago(30), 0),  # over: it ended when written
    ("体温 36.8", "temperature", {"celsius": 36.8}, NOW, 0),
    ("体温36。8", "temperature", {"celsius": 36.8}, NOW, 0),
    ("体温 368", "temperature", {"celsius": 36.8}, NOW, 0),
    ("耳温 37.6", "temperature", {"celsius": 37.6, "site": "ear"}, NOW, 0),
    ("肛温38.1", "temperature", {"celsius": 38.1, "site": "rectal"}, NOW, 0),
    ("宝宝在照蓝光", "jaundice", {"phototherapy": True}, NOW, 0),
    ("BB飲咗4安士奶", "feeding", {"amount_ml": 120}, NOW, 0),         # Hong Kong's bottles are marked in ounces
    ("喝了4.5 oz配方奶", "feeding", {"type": "formula", "amount_ml": 135}, NOW, 0),
    ("睡了1小時半", "sleep", {"duration_min": 90}, ago(90), 0),
    ("睡了一小时半", "sleep", {"duration_min": 90}, ago(90), 0),
    ("寶寶黃疸14，住院照光三天", "jaundice", {"bilirubin": 14.0, "phototherapy": True}, NOW, 0),
    ("BB去咗照燈", "jaundice", {"phototherapy": True}, NOW, 0),
    ("医生说不用照蓝光", "note", {}, NOW, 0),
    ("是否需要繼續照藍光?", "note", {}, NOW, 0),
    ("口表 37.2", "temperature", {"celsius": 37.2, "site": "oral"}, NOW, 0),
    ("量体温 腋下 38.2度", "temperature", {"celsius": 38.2, "site": "axillary"}, NOW, 0),
    ("体问 36.5", "temperature", {"celsius": 36.5}, NOW, 0),
    ("体重 3650g", "weight", {"grams": 3650}, NOW, 0),
    ("体重3.65kg", "weight", {"grams": 3650}, NOW, 0),
    ("称体重 7.3斤", "weight", {"grams": 3650}, NOW, 0),
    ("身长 52cm", "length", {"cm": 52.0}, NOW, 0),
    ("黄疸 胸口 12.5", "jaundice", {"extent": "chest", "bilirubin": 12.5, "bilirubin_unit": "mg/dL"}, NOW, 0),
    ("黄胆 脸上 180", "jaundice", {"extent": "face", "bilirubin": 180.0, "bilirubin_unit": "umol/L"}, NOW, 0),
    ("经皮黄疸 腿上也黄了", "jaundice", {"extent": "legs"}, NOW, 0),
    ("脐带护理 干燥", "cord_care", {"condition": "dry"}, NOW, 0),
    ("肚脐有点红", "cord_care", {"condition": "red"}, NOW, 0),
    ("脐带脱落了👏", "cord_care", {"condition": "fallen_off"}, NOW, 0),
    ("洗澡", "bath", {}, NOW, 0),
    ("10点 洗澡 10分钟", "bath", {"duration_min": 10}, "10:00", 0),
    ("抚触 10分钟", "massage", {"duration_min": 10}, NOW, 0),
    ("七点 抚触 十分钟", "massage", {"duration_min": 10}, "07:00", 0),
    ("做被动操", "exercise", {}, NOW, 0),
    ("趴趴 5分钟", "tummy_time", {"duration_min": 5}, NOW, 0),
    ("月子餐 午餐 小米粥 吃完", "meal", {"meal": "lunch", "eaten": "all"}, NOW, 0),
    ("12:00 午饭 鲫鱼汤 吃了一半", "meal", {"meal": "lunch", "eaten": "half"}, "12:00", -1),
    ("产妇体温 37.2", "mother_temperature", {"celsius": 37.2}, NOW, 0),
    ("妈妈体温38.1", "mother_temperature", {"celsius": 38.1}, NOW, 0),
    ("血压 135/85", "blood_pressure", {"systolic_mmhg": 135, "diastolic_mmhg": 85}, NOW, 0),
    ("宝妈血压162／112", "blood_pressure", {"systolic_mmhg": 162, "diastolic_mmhg": 112}, NOW, 0),
    ("恶露 淡红 少量", "lochia", {"colour": "pink", "amount": "little"}, NOW, 0),
    ("恶露鲜红 有异味", "lochia", {"colour": "red", "bright": True, "smell": True}, NOW, 0),
    ("乳房 堵奶 已疏通", "breast", {"conditions": ["blocked", "relieved"]}, NOW, 0),
    ("伤口愈合良好", "wound", {"condition": "healing"}, NOW, 0),
    ("情绪 低落", "mood", {"mood": "low"}, NOW, 0),
    ("心情不错😀", "mood", {"mood": "good"}, NOW, 0),
    ("EPDS 12分 情绪低落", "mood", {"epds": 12, "mood": "low"}, NOW, 0),
    ("宝宝今天很乖", "note", {}, NOW, 0),
    ("👍👍👍", "note", {}, NOW, 0),
    # a line that is only a reading with one decimal in the body's range is a temperature (issue 34: a baby-log's
    # one-number line); a lone whole number stays a note
    ("36.8", "temperature", {"celsius": 36.8}, NOW, 0),
    ("36", "note", {}, NOW, 0),
    ("体温 正常", "note", {}, NOW, 0),
    ("下午带宝宝打疫苗", "note", {}, NOW, 0),
    ("晚上11点 喂奶 100ml", "feeding", {"amount_ml": 100}, "23:00", -1),
    ("23:30 换尿布", "diaper", {"wet": True}, "23:30", -1),
    ("10:05 喂奶 30ml", "feeding", {"amount_ml": 30}, "10:05", 0),  # a few minutes ahead is still today
    # Night hours: only 6–11 are evening hours (夜里11点 = 23:00); 0–5 stay, 12 is midnight.
    ("夜里11点 喂奶 60ml", "feeding", {"amount_ml": 60}, "23:00", -1),
    ("半夜两点 换尿布", "diaper", {"wet": True}, "02:00", 0),
    ("凌晨6点 喂奶 90ml", "feeding", {"amount_ml": 90}, "06:00", 0),
    # Minutes after 点 must be written against it and carry no unit; otherwise the number is the entry's.
    ("7点 120ml 配方奶", "feeding", {"type": "formula", "amount_ml": 120}, "07:00", 0),
    ("下午3点 15分钟 洗澡", "bath", {"duration_min": 15}, "15:00", -1),
    ("9点 20分钟 抚触", "massage", {"duration_min": 20}, "09:00", 0),
    ("7点15分钟 抚触", "massage", {"duration_min": 15}, "07:00", 0),
    ("七点二十分钟 抚触", "massage", {"duration_min": 20}, "07:00", 0),
    ("7点120ml 喂奶", "feeding", {"amount_ml": 120}, "07:00", 0),
    ("7点20 喂奶", "feeding", {}, "07:20", 0),
    ("7点20分 喂奶", "feeding", {}, "07:20", 0),
    ("七点二十 喂奶", "feeding", {}, "07:20", 0),
    # What is said to be absent is not there; 白天 and a red bottom are no stool colour; water is not the baby.
    ("大便 黄色 无血丝", "diaper", {"stool": True, "colour": "yellow"}, NOW, 0),
    ("大便 黄色 没有血", "diaper", {"stool": True, "colour": "yellow"}, NOW, 0),
    ("换尿布 大便 黄色 屁股有点红", "diaper", {"stool": True, "colour": "yellow"}, NOW, 0),
    ("白天第3次大便 黄色", "diaper", {"stool": True, "colour": "yellow"}, NOW, 0),
    ("大便 绿色 不是黑色", "diaper", {"stool": True, "colour": "green"}, NOW, 0),
    ("大便 黄色 带血丝", "diaper", {"stool": True, "colour": "red"}, NOW, 0),  # blood still counts
    ("大便 发红", "diaper", {"stool": True, "colour": "red"}, NOW, 0),
    ("换尿布 没有大便", "diaper", {"wet": True, "stool": False, "colour": None}, NOW, 0),
    ("没拉大便 尿了", "diaper", {"wet": True, "stool": False}, NOW, 0),
    ("洗澡 水温度38度", "bath", {"celsius": None}, NOW, 0),
    ("水温38度 体温36.8", "temperature", {"celsius": 36.8}, NOW, 0),
    ("体温37度8", "temperature", {"celsius": 37.8}, NOW, 0),
    ("体温 36度8", "temperature", {"celsius": 36.8}, NOW, 0),
    ("体温37度", "temperature", {"celsius": 37.0}, NOW, 0),
    # Both breasts timed: both sides, minutes added up.
    ("亲喂 左10分钟 右15分钟", "feeding", {"type": "breast", "side": "both", "duration_min": 25}, NOW, 0),
    ("体重 6斤8两", "weight", {"grams": 3400}, NOW, 0),
    ("体重 7斤半", "weight", {"grams": 3750}, NOW, 0),
    # One line, two readings: the first entry is the baby's (see test_two_readings_on_one_line_are_two_entries).
    ("宝宝体温36.5 妈妈体温37.8", "temperature", {"celsius": 36.5}, NOW, 0),
    ("宝妈耳温37.6", "mother_temperature", {"celsius": 37.6, "site": None}, NOW, 0),
    ("奶奶来看宝宝", "note", {}, NOW, 0),  # 奶奶 is grandma, not milk
    ("宝宝睡了 奶奶在陪", "sleep", {"state": "asleep"}, NOW, 0),
    ("睡了1h30", "sleep", {"duration_min": 90}, ago(90), 0),  # over: it ended when written
    ("睡了1小时30", "sleep", {"duration_min": 90}, ago(90), 0),  # over: it ended when written
    ("亲喂 20", "feeding", {"type": "breast", "duration_min": 20, "amount_ml": None}, NOW, 0),  # at the breast: minutes
]

# Lines sent at another time of day than SENT: line, sent "HH:MM" (on SENT's date), kind, fields, local time, day.
CASES_SENT_AT: list[tuple[str, str, str, dict[str, object], str, int]] = [
    ("夜里3点 喂奶 90ml", "03:20", "feeding", {"amount_ml": 90}, "03:00", 0),
    ("深夜1点 换尿布", "01:30", "diaper", {"wet": True}, "01:00", 0),
    ("夜间2点半 吃奶 80ml", "03:00", "feeding", {"amount_ml": 80}, "02:30", 0),
    ("晚上12点 喂奶 60ml", "00:05", "feeding", {"amount_ml": 60}, "00:00", 0),
    ("夜里12点 换尿布", "00:30", "diaper", {"wet": True}, "00:00", 0),
    ("晚上11点 喂奶 100ml", "00:20", "feeding", {"amount_ml": 100}, "23:00", -1),
]


def test_there_are_at_least_sixty_real_lines() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("line", "kind", "fields", "local_time", "day"), CASES, ids=[c[0] for c in CASES])
def test_a_nurse_line_becomes(line: str, kind: str, fields: dict[str, object], local_time: str, day: int) -> None:
    entry = parse_line(line, SENT, TZ)
    assert entry.kind == kind
    for name, value in fields.items():
        assert entry.fields.get(name) == value, (name, entry.fields)
    local = entry.occurred_at.astimezone(TZ)
    assert local.strftime("%H:%M") == local_time
    assert local.date() == SENT.date() + dt.timedelta(days=day)
    assert entry.occurred_at.tzinfo is not None and entry.occurred_at.utcoffset() == dt.timedelta(0)
    assert entry.text == line


def _sent_at(hhmm: str) -> dt.datetime:
    hour, minute = hhmm.split(":")
    return SENT.replace(hour=int(hour), minute=int(minute))


@pytest.mark.parametrize(("line", "sent", "kind", "fields", "local_time", "day"), CASES_SENT_AT,
                         ids=[f"{c[0]}@{c[1]}" for c in CASES_SENT_AT])
def test_a_nurse_line_sent_at_night_becomes(line: str, sent: str, kind: str, fields: dict[str, object],
                                            local_time: str, day: int) -> None:
    entry = parse_line(line, _sent_at(sent), TZ)
    assert entry.kind == kind
    for name, value in fields.items():
        assert entry.fields.get(name) == value, (name, entry.fields)
    local = entry.occurred_at.astimezone(TZ)
    assert local.strftime("%H:%M") == local_time
    assert local.date() == SENT.date() + dt.timedelta(days=day)
    assert entry.text == line


def _assert_storable(kind: str, fields: dict[str, object]) -> None:
    if kind == "photo":
        return
    read_fields(kind, fields)  # raises on a value out of range or of the wrong type
    assert set(fields) <= {f.name for f in KIND_FIELDS[kind]}, (kind, fields)


@pytest.mark.parametrize("line", [c[0] for c in CASES] + [c[0] for c in CASES_SENT_AT])
def test_every_table_line_gives_fields_its_kind_accepts(line: str) -> None:
    entry = parse_line(line, SENT, TZ)
    _assert_storable(entry.kind, entry.fields)


def test_two_readings_on_one_line_are_two_entries() -> None:
    """Issue 10 item 2 (was a known limitation: the mother's reading beside the baby's stayed in the text)."""
    baby, mother = ("temperature", {"celsius": 36.5}), ("mother_temperature", {"celsius": 37.8})
    for line, expected in (("宝宝体温36.5 妈妈体温37.8", [baby, mother]), ("妈妈体温37.8 宝宝体温36.5", [mother, baby])):
        entries = parse_lines(line, SENT, TZ)
        assert [(e.kind, e.fields) for e in entries] == expected
        assert all(e.text == line for e in entries)


def test_each_line_is_one_entry_and_blank_lines_are_skipped() -> None:
    entries = parse_lines("7:30 喂奶 120ml\n\n  \r\n8:00 换尿布 大便\r\n宝宝很乖", SENT, TZ)
    assert [e.kind for e in entries] == ["feeding", "diaper", "note"]
    assert [e.text for e in entries] == ["7:30 喂奶 120ml", "8:00 换尿布 大便", "宝宝很乖"]


def test_a_time_later_than_the_message_is_the_day_before() -> None:
    just_after_midnight = dt.datetime(2026, 11, 20, 1, 0, tzinfo=TZ)
    late = parse_line("7:30 喂奶", just_after_midnight, TZ)
    assert late.occurred_at.astimezone(TZ) == dt.datetime(2026, 11, 19, 7, 30, tzinfo=TZ)
    early = parse_line("0:40 喂奶", just_after_midnight, TZ)
    assert early.occurred_at.astimezone(TZ) == dt.datetime(2026, 11, 20, 0, 40, tzinfo=TZ)


def test_times_are_stored_in_utc() -> None:
    entry = parse_line("7:30 喂奶", SENT, TZ)
    assert entry.occurred_at == dt.datetime(2026, 11, 19, 23, 30, tzinfo=dt.UTC)


def test_the_body_drops_only_the_leading_time() -> None:
    assert body_of("7:30 喂奶 120ml") == "喂奶 120ml"
    assert body_of("下午3点 配方奶 90ml") == "配方奶 90ml"
    assert body_of("７：３０ 喂奶") == "喂奶"
    assert body_of("宝宝很乖") == "宝宝很乖"


@pytest.mark.parametrize(("token", "value"), [("十五", 15), ("二十", 20), ("一百二十", 120), ("两", 2), ("7", 7), ("abc", None)])
def test_chinese_numerals(token: str, value: int | None) -> None:
    assert cn_to_int(token) == value


_LINES = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=80)


@settings(max_examples=300, deadline=None)
@given(_LINES, st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1)))
def test_no_line_crashes_the_parser_or_loses_its_text(line: str, sent: dt.datetime) -> None:
    sent_at = sent.replace(tzinfo=TZ)
    lines = read_lines(line, sent_at, TZ)
    if line.strip():
        [read] = lines
        assert read.text == line.strip()
        assert bool(read.entries) != bool(read.refused)  # entries, or a reason why none
        for entry in read.entries:
            assert entry.text == line.strip()
            assert entry.occurred_at - sent_at.astimezone(dt.UTC) <= dt.timedelta(minutes=10)
            assert sent_at - entry.occurred_at <= dt.timedelta(days=2, hours=1)  # 前天 is the furthest day said
            body_of(entry.text)
    else:
        assert lines == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([c[0] for c in CASES]) | _LINES, max_size=6))
def test_a_message_of_many_lines_keeps_every_line(lines: list[str]) -> None:
    read = read_lines("\n".join(lines), SENT, TZ)
    assert [r.text for r in read] == [line.strip() for line in lines if line.strip()]
    assert all(e.text == r.text for r in read for e in r.entries)


@pytest.mark.parametrize("message, expected", [
    # One line, each event at its own time: as many entries at as many times (found trying the README's demo).
    ("7点半 喂奶 120ml，8点 换尿布 尿了一次",
     [("feeding", "07:30", "7点半 喂奶 120ml"), ("diaper", "08:00", "8点 换尿布 尿了一次")]),
    ("7点半喂奶120ml，8点换尿布，9点半 洗澡",
     [("feeding", "07:30", "7点半喂奶120ml"), ("diaper", "08:00", "8点换尿布"), ("bath", "09:30", "9点半 洗澡")]),
    ("7:30 喂奶 90ml; 8:10 大便 黄色", [("feeding", "07:30", "7:30 喂奶 90ml"), ("diaper", "08:10", "8:10 大便 黄色")]),
    ("早上7点喂奶，上午9点洗澡", [("feeding", "07:00", "早上7点喂奶"), ("bath", "09:00", "上午9点洗澡")]),
    # The line does not start with a time, or only one clause has one: the line's one time, as before.
    ("喂奶120ml，8点换尿布", [("feeding", "08:00", "喂奶120ml，8点换尿布"), ("diaper", "08:00", "喂奶120ml，8点换尿布")]),
    ("7点喂奶 90ml，吃完拍嗝", [("feeding", "07:00", "7点喂奶 90ml，吃完拍嗝"), ("burp", "07:00", "7点喂奶 90ml，吃完拍嗝")]),
    ("7点喂奶，喂了20分钟", [("feeding", "07:00", "7点喂奶，喂了20分钟")]),
])
def test_a_line_of_events_each_at_its_own_time(message: str, expected: list[tuple[str, str, str]]) -> None:
    entries = parse_lines(message, SENT, TZ)
    assert [(e.kind, e.occurred_at.astimezone(TZ).strftime("%H:%M"), e.text) for e in entries] == expected


@pytest.mark.parametrize(("line", "kind", "fields"), [
    # 发热/探热 with a reading is a temperature (发热到38度; Cantonese 一探熱已經37.6度)
    ("发热到38度，精神还好", "temperature", {"celsius": 38.0}),
    ("一探熱已經37.6度", "temperature", {"celsius": 37.6}),
    ("妈妈发热38.5度", "mother_temperature", {"celsius": 38.5}),
    # a line that is only a reading with one decimal is a temperature; a lone whole number, or a number out of the
    # body's range, stays a note
    ("37.8", "temperature", {"celsius": 37.8}),
    ("36.5℃", "temperature", {"celsius": 36.5}),
    ("38", "note", {}),
    ("12.5", "note", {}),
])
def test_fever_words_and_a_lone_reading(line: str, kind: str, fields: dict[str, object]) -> None:
    entries = parse_lines(line, SENT, TZ)
    assert [(e.kind, e.fields) for e in entries] == [(kind, fields)]


@pytest.mark.parametrize(("line", "kind", "at"), [
    # the milk named first and then refused is no feed (a sign, left to the note: poor_feeding)
    ("1/28早上發覺小宥宥好像有發燒、咳嗽而且連牛奶都不太想喝了", "note", None),
    ("宝宝奶也不肯吃", "note", None),
    # 昨晨 is yesterday morning (news register: 至昨晨八時許…驚見…面色發紫)
    ("豈料,至昨晨八時許,母親起床時,驚見躺在大床上的B仔面色發紫,陷入昏迷,慌忙報警。", "note", "08:00"),
    ("昨晨8点喂奶60ml", "feeding", "08:00"),
])
def test_milk_refused_and_written_days(line: str, kind: str, at: str | None) -> None:
    entries = parse_lines(line, SENT, TZ)
    assert [e.kind for e in entries] == [kind]
    if at is not None:
        assert entries[0].occurred_at.astimezone(TZ).strftime("%H:%M") == at
