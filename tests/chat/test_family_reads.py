"""What a family reads of a realistic day (issue 33): entries as understood, one line each, the summary first, the
nurse's own words on demand, no flag meant for the agency alone; and parents' plain questions answered."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.chat import MOM, NURSE, Chat, Family, open_family, open_twins, yesterday_at

# A day as a nurse writes it (lines of tests/diary/corpus and the nurses' own style): several lines make two entries,
# one reading is written "37度", one line is alarming but names no sign (the safety net's: the agency's, not the
# family's). Each pair is (when it was sent, the line).
DAY = [
    ("06:40", "06:30 亲喂左侧15分钟 换尿布 小便"),
    ("08:05", "8点 配方奶90ml"),
    ("09:15", "09:10 大便一次 黄色糊状"),
    ("10:05", "10:00 体温36.8"),
    ("10:50", "10:30 洗澡10分钟 抚触"),
    ("12:30", "十点左右吃了60ml奶粉。12点吃了母乳20分钟。"),
    ("12:45", "12:40 尿布湿了"),
    ("15:10", "13:00-15:00 睡觉"),
    ("15:35", "15:30 体温37度"),
    ("16:05", "16:00 脐带干燥"),
    ("17:30", "17:20 亲喂20分钟 尿了"),
    ("18:10", "18:00 妈妈体温36.9 恶露暗红量少"),
    ("19:35", "19:30 喂奶 100ml"),
    ("20:00", "20:00 宝宝肚子上有几个出血点"),
    ("20:45", "20:40 换尿布 小便"),
]
# The lines that made two entries each: the family must not read them twice, nor as typed.
TWO_ENTRY_LINES = ("亲喂左侧15分钟 换尿布 小便", "洗澡10分钟 抚触", "亲喂20分钟 尿了", "妈妈体温36.9 恶露暗红量少")
# Before issue 33 this day's 今天 was 31 lines, each of those four lines twice and the summary at the bottom.
LINES_BEFORE = 31


def write_day(chat: Chat, lines: list[tuple[str, str]] = DAY, at: str = "21:00") -> None:
    for sent, line in lines:
        hour, minute = map(int, sent.split(":"))
        chat.at(yesterday_at(hour, minute))
        assert "已记录" in chat.say(NURSE, line)
    hour, minute = map(int, at.split(":"))
    chat.at(yesterday_at(hour, minute))


def test_today_reads_each_entry_once_as_understood_with_the_summary_first(chat: Chat, family: Family) -> None:
    write_day(chat)
    shown = chat.say(MOM, "今天")
    lines = shown.splitlines()
    assert lines[0].startswith("📖 小米 ")
    # The summary comes first, the entries after it.
    assert lines[1] == "小结：喂奶 6 次，共 250ml，亲喂共 55 分钟"
    assert lines.index("尿布 5 次（小便 4，大便 1）") < next(i for i, s in enumerate(lines) if s.startswith("06:30"))
    assert "睡眠约 2小时" in lines
    # One unit style: 37度 reads 37.0℃ beside 36.8℃, in the summary and the entries.
    assert "体温 36.8℃、37.0℃" in lines and "15:30 体温 37.0℃" in lines and "37℃" not in shown
    # Each entry once, as understood; no line as the nurse typed it.
    assert [s for s in lines if s.startswith("06:30")] == ["06:30 母乳 左侧 15分钟", "06:30 换尿布 小便"]
    assert [s for s in lines if s.startswith("18:00")] == ["18:00 产妇体温 36.9℃", "18:00 恶露 暗红 少量"]
    assert "08:00 配方奶 90ml" in lines and "09:10 换尿布 大便 黄色 糊状" in lines
    assert "10:30 洗澡 10分钟" in lines and "10:30 抚触" in lines
    assert "13:00 睡眠 2小时" in lines  # written ten minutes after it ended: not late (no 补记)
    for typed in TWO_ENTRY_LINES:
        assert typed not in shown
    entries = [s for s in lines if re.match(r"(?:⚠️)?\d\d:\d\d ", s)]
    assert len(entries) == 20 and f"记录 {len(entries)} 条" in shown
    times = [s.removeprefix("⚠️")[:5] for s in entries]
    assert times == sorted(times)
    # The note is the nurse's own words; its safety-net flag is the agency's, not the family's.
    assert "20:00 宝宝肚子上有几个出血点" in lines
    assert "督导" not in shown and "需人工确认" not in shown and "没能识别" not in shown
    assert "⚠️ 需留意 1 项：" in lines  # the long gap between feeds, which the family is told of
    # Shorter than it was, with nothing left out.
    assert len(lines) < LINES_BEFORE, shown
    print(f"今天: {len(lines)} lines (before: {LINES_BEFORE})")
    # The rater is named as she said who she is, not 家人1.
    chat.say(MOM, "我是 妈妈")
    chat.say(MOM, "评分 5 很细心")
    assert chat.say(MOM, "今天").splitlines()[-1] == "评分：★★★★★ 妈妈 很细心"


def test_the_nurses_own_words_are_there_on_demand_each_line_once(chat: Chat, family: Family) -> None:
    write_day(chat)
    assert "原文" in chat.say(MOM, "今天")
    original = chat.say(MOM, "原文")
    lines = original.splitlines()
    assert lines[0].startswith("📝 小米 ")
    for typed in TWO_ENTRY_LINES:
        assert sum(typed in line for line in lines) == 1
    # Each line the nurse sent, once: fifteen messages, one of them two sentences with a time each (two lines).
    assert len(lines) == 1 + len(DAY) + 1
    assert "10:00 左右吃了60ml奶粉" in lines and "12:00 吃了母乳20分钟。" in lines
    assert "15:30 体温37度" in lines
    # Yesterday's 原文, from the day after.
    chat.at(yesterday_at(23) + dt.timedelta(hours=2))
    assert "15:30 体温37度" in chat.say(MOM, "原文 昨天")
    assert "原文 " in chat.say(MOM, "昨天")  # 昨天's day says how to see its own lines


def test_the_evening_digest_keeps_the_agencys_flag_from_the_family(app: Flask, chat: Chat, family: Family,
                                                                    session) -> None:
    from zoneinfo import ZoneInfo

    from bot.diary.days import day_views
    from bot.diary.digest import digest_text
    from bot.models import Engagement

    write_day(chat)
    tz = ZoneInfo(app.config["ANXIN_TIMEZONE"])
    day = yesterday_at(21).date()
    view = day_views(session, [family.engagement_id], day, tz)[family.engagement_id]
    text = digest_text(view, session.get(Engagement, family.engagement_id), MOM)
    assert "体温 36.8℃、37.0℃" in text and "需留意 1 项" in text
    assert "需人工确认" not in text and "督导" not in text and "出血点" not in text
    assert view.summary.flags == 1  # the family's count, as its figures show it


def test_parents_plain_questions_are_answered_from_the_diary(chat: Chat, family: Family) -> None:
    write_day(chat)
    hello = chat.say(MOM, "你好")
    assert "宝宝今天吃了多少" in hello and "没有看懂" not in hello
    fed = chat.say(MOM, "宝宝今天吃了多少")
    assert fed.splitlines() == ["🍼 小米今天的喂奶：", "喂奶 6 次，共 250ml，亲喂共 55 分钟", "最近一次：19:30 喂奶 100ml"]
    assert chat.say(MOM, "吃了几次奶？").splitlines()[1] == "喂奶 6 次，共 250ml，亲喂共 55 分钟"
    assert chat.say(MOM, "寶寶今天吃了多少") == fed  # traditional script: the same question
    assert chat.say(MOM, "今天拉了几次").splitlines()[1] == "尿布 5 次（小便 4，大便 1）"
    temps = chat.say(MOM, "今天体温")
    assert "10:00 体温 36.8℃" in temps and "15:30 体温 37.0℃" in temps and "18:00 产妇体温 36.9℃" in temps
    last = chat.say(MOM, "最近一次喂奶")
    assert last == "最近一次喂奶：19:30 喂奶 100ml（1小时30分前）"
    asleep = chat.say(MOM, "今天睡了多久")
    assert "睡眠约 2小时" in asleep
    # Commands keep their words: a complaint that names a fever is a complaint.
    assert "投诉已提交" in chat.say(MOM, "投诉 宝宝发烧了没告诉我")


def test_last_night_is_told_from_the_evening_to_the_morning(chat: Chat, family: Family) -> None:
    write_day(chat, [("22:05", "22:00 入睡"), ("23:55", "23:50 喂奶 80ml")], at="23:58")
    chat.at(yesterday_at(23) + dt.timedelta(hours=8))  # 07:00 today
    assert "已记录" in chat.say(NURSE, "02:00-05:30 睡觉")
    night = chat.say(MOM, "昨晚睡得怎么样")
    assert night.splitlines()[0] == "🌙 小米昨晚（18:00 到今早 09:00）："
    assert "夜里喂奶 1 次" in night and "05:30" not in night and "02:00 睡眠 3小时30分" in night


def test_a_nurses_greeting_is_answered_not_recorded(chat: Chat, family: Family, session) -> None:
    from sqlalchemy import func, select

    from bot.models import DiaryEntry

    assert "直接发送日记" in chat.say(NURSE, "你好")
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0


def test_a_parents_help_and_complaint_replies_speak_to_a_parent(chat: Chat, family: Family) -> None:
    helped = chat.say(MOM, "帮助")
    assert "督导" not in helped and "宝宝今天吃了多少" in helped
    reply = chat.say(MOM, "投诉 今天下午一直在玩手机")
    assert "编号" not in reply and "今天下午一直在玩手机" in reply
    again = chat.say(MOM, "投诉 还有一件事")
    assert "编号" not in again and "今天下午一直在玩手机" in again  # which complaint is waiting, by its words


@pytest.fixture
def twins(app: Flask, client: FlaskClient, chat: Chat) -> Family:
    fam = open_twins(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {fam.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {fam.family_code}")
    return fam


def test_twins_are_both_named_and_each_entry_says_whose(chat: Chat, twins: Family, session) -> None:
    from sqlalchemy import select

    from bot.models import Notification

    write_day(chat, [("09:05", "09:00 小豆苗喝了130毫升配方奶，小豆芽喝了110毫升配方奶"),
                     ("10:05", "10:00 小豆芽 体温38.6")], at="11:00")
    shown = chat.say(MOM, "今天")
    assert shown.splitlines()[0].startswith("📖 小豆苗、小豆芽 ")
    assert "09:00 【小豆苗】配方奶 130ml" in shown and "09:00 【小豆芽】配方奶 110ml" in shown
    assert "⚠️10:00 【小豆芽】体温 38.6℃" in shown
    fed = chat.say(MOM, "今天吃了多少")
    assert "小豆苗：喂奶 1 次，共 130ml" in fed and "小豆芽：喂奶 1 次，共 110ml" in fed
    # The second twin's fever is titled with that baby, not with the first one's name.
    notice = session.scalars(select(Notification.text).where(Notification.openid == MOM,
                                                             Notification.kind == "flag")).one()
    assert notice.startswith("【安心提醒】小豆芽 ") and "🔴 宝宝体温 38.6℃" in notice and "小豆苗" not in notice


def test_a_count_watch_is_listed_but_marks_no_single_entry(app: Flask, client: FlaskClient, chat: Chat) -> None:
    """Too few stools in 24 h is about the day, not about the wet nappy written last: the family reads it under
    需留意, and no entry carries its ⚠️ (it used to sit beside "换尿布 小便")."""
    fam = open_family(app, client, birth_days_ago=8)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {fam.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {fam.family_code}")
    start = yesterday_at(0, 30) - dt.timedelta(days=1)
    for hours, line in ((0, "母乳 15分钟"), (20, "换尿布 大便 黄色"), (40, "换尿布 小便")):
        chat.at(start + dt.timedelta(hours=hours, minutes=5))
        assert "已记录" in chat.say(NURSE, line)
    chat.at(yesterday_at(21))
    shown = chat.say(MOM, "今天")
    assert "只记录到 1 次大便" in shown, shown  # the few-stools watch is told
    assert "换尿布 小便" in shown and not [s for s in shown.splitlines() if s.startswith("⚠️") and "换尿布" in s], shown


def test_the_same_warning_from_several_entries_is_listed_once_urgent_first(chat: Chat, family: Family) -> None:
    """Three lines about a baby refusing the breast make one 🔴 line with how many times, above a 🟡 watch."""
    for sent, line in (("07:05", "07:00 体温37.3"), ("09:05", "宝宝不肯吃奶"), ("11:05", "宝宝还是不肯吃奶，一直哭"),
                       ("13:05", "宝宝又不肯吃奶")):
        hour, minute = map(int, sent.split(":"))
        chat.at(yesterday_at(hour, minute))
        assert "已记录" in chat.say(NURSE, line)
    chat.at(yesterday_at(21))
    lines = chat.say(MOM, "今天").splitlines()
    warned = [s for s in lines if s.startswith(("🔴", "🟡"))]
    assert [s for s in warned if "吃奶" in s] == ["🔴 宝宝不吃奶或吸吮无力，建议尽快咨询医生。（3 次）"], lines
    assert warned[0].startswith("🔴") and lines[lines.index(warned[0]) - 1] == f"⚠️ 需留意 {len(warned)} 项："
