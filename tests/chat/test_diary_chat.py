"""The diary in chat, driven through /wechat with signed pushes: what users see and what is stored."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.models import Binding, Complaint, DiaryEntry, DiaryFlag, DiaryPhoto, DiaryRevision, Notification, Rating
from bot.store import background
from bot.wechat.media import fetch_photos
from tests.fakes.wechat_api import PNG_1X1, WeChatApiFake
from tests.support.chat import MOM, NURSE, TZ, Chat, Family, open_family, today

DAD, STRANGER = "o-dad-wang", "o-stranger"


def live_entries(session) -> list[DiaryEntry]:
    session.rollback()
    return list(session.scalars(select(DiaryEntry).where(DiaryEntry.withdrawn_at.is_(None)).order_by(DiaryEntry.id)))


# -- binding ---------------------------------------------------------------------------------

def test_binding_gives_roles_and_names_the_family(app: Flask, client: FlaskClient, chat: Chat, session) -> None:
    fam = open_family(app, client)
    reply = chat.say(NURSE, f"绑定 {fam.nurse_code.lower()[:4]}-{fam.nurse_code.lower()[4:]}")
    assert "绑定成功" in reply and "月嫂" in reply and "王家" in reply
    reply = chat.say(MOM, f"绑定 {fam.family_code}")
    assert "绑定成功" in reply and "家人" in reply
    assert "绑定成功" in chat.say(DAD, f"绑定{fam.family_code}")  # every family member may use it
    assert "已被使用" in chat.say(STRANGER, f"绑定 {fam.nurse_code}")  # the nurse code is good once
    assert "不存在" in chat.say(STRANGER, "绑定 ZZZZ2222")
    assert "绑定码" in chat.say(STRANGER, "绑定")
    roles = dict(session.execute(select(Binding.openid, Binding.role)).all())
    assert roles == {NURSE: "nurse", MOM: "parent", DAD: "parent"}
    help_nurse = chat.say(NURSE, "帮助")
    assert "撤销" in help_nurse and "评分" not in help_nurse
    help_mom = chat.say(MOM, "帮助")
    assert "评分" in help_mom and "投诉" in help_mom and "撤销" not in help_mom


def test_an_ended_engagement_refuses_its_family_code(app: Flask, client: FlaskClient, chat: Chat, session) -> None:
    fam = open_family(app, client)
    from bot.models import Engagement

    with app.extensions["anxin_db"].new_session() as s, s.begin():
        engagement = s.get(Engagement, fam.engagement_id)
        assert engagement is not None
        engagement.starts_on = today() - dt.timedelta(days=40)
        engagement.ends_on = today() - dt.timedelta(days=1)
    reply = chat.say(MOM, f"绑定 {fam.family_code}")
    assert "已于" in reply and "结束" in reply
    assert session.scalar(select(func.count()).select_from(Binding)) == 0


def test_a_user_with_two_families_switches(app: Flask, client: FlaskClient, chat: Chat) -> None:
    first = open_family(app, client, family_name="王家")
    second = open_family(app, client, family_name="李家")
    chat.say(NURSE, f"绑定 {first.nurse_code}")
    chat.say(NURSE, f"绑定 {second.nurse_code}")
    listing = chat.say(NURSE, "切换")
    assert "1. 王家" in listing and "2. 李家" in listing and "当前：第2个" in listing
    assert "已切换到：王家" in chat.say(NURSE, "切换 1")
    chat.say(NURSE, "喂奶 90ml")
    chat.say(MOM, f"绑定 {first.family_code}")
    assert "喂奶 90ml" in chat.say(MOM, "今天")
    assert "没有第3个" in chat.say(NURSE, "切换 3")


# -- the nurse writes ------------------------------------------------------------------------

def test_nurse_lines_are_recorded_and_confirmed_with_times(family: Family, chat: Chat, session) -> None:
    now = dt.datetime.now(TZ)
    earlier = (now - dt.timedelta(minutes=30)).strftime("%H:%M")
    reply = chat.say(NURSE, f"{earlier} 喂奶 120ml\n换尿布 大便 黄色\n宝宝今天很乖🙂")
    assert reply.startswith("已记录 3 条")
    # Issue 10 item 4: each entry is confirmed as understood, a plain note is marked so the nurse can rephrase.
    assert f"{earlier} 喂奶 120ml" in reply
    assert "换尿布 大便 黄色" in reply and "备注：宝宝今天很乖🙂（没有识别出具体事项" in reply
    entries = live_entries(session)
    assert [e.kind for e in entries] == ["feeding", "diaper", "note"]
    assert entries[0].fields == {"amount_ml": 120}
    assert entries[0].occurred_at.astimezone(TZ).strftime("%H:%M") == earlier
    assert entries[0].author_openid == NURSE
    assert all(e.recorded_at >= e.occurred_at - dt.timedelta(minutes=1) for e in entries)
    assert entries[2].text == "宝宝今天很乖🙂"


def test_the_same_message_delivered_three_times_is_recorded_once(family: Family, chat: Chat, session) -> None:
    replies = {chat.say(NURSE, "喂奶 100ml\n体温 36.7", msg_id=770001) for _ in range(3)}
    assert len(replies) == 1 and "已记录 2 条" in replies.pop()
    assert len(live_entries(session)) == 2


def test_withdraw_hides_the_last_entry_and_keeps_history(family: Family, chat: Chat, session) -> None:
    chat.say(NURSE, "喂奶 100ml")
    chat.say(NURSE, "洗澡")
    reply = chat.say(NURSE, "撤销")
    assert "已撤销" in reply and "洗澡" in reply
    assert [e.kind for e in live_entries(session)] == ["feeding"]
    revision = session.scalars(select(DiaryRevision)).one()
    assert revision.action == "withdraw" and revision.before["text"] == "洗澡" and revision.by_openid == NURSE
    assert "洗澡" not in chat.say(MOM, "今天")
    chat.say(NURSE, "撤销")
    assert "没有可以撤销" in chat.say(NURSE, "撤销")


def test_backdated_entries_are_marked_for_the_family(family: Family, chat: Chat, morning: dt.datetime) -> None:
    now = morning
    three_hours_ago = (now - dt.timedelta(hours=3)).strftime("%H:%M")
    chat.say(NURSE, f"{three_hours_ago} 喂奶 80ml\n抚触 10分钟")
    day = chat.say(MOM, "今天")
    assert f"{three_hours_ago} 喂奶 80ml（补记）" in day
    assert "抚触 10分钟（补记）" not in day


def test_a_badge_code_from_a_nurse_is_not_a_diary_line(family: Family, chat: Chat, session) -> None:
    chat.say(NURSE, "X7K2M-9QHRP-4")
    assert live_entries(session) == []


# -- the family reads, rates and complains -----------------------------------------------------

def test_today_shows_entries_in_time_order_with_a_summary(family: Family, chat: Chat, morning: dt.datetime) -> None:
    now, day_of = morning, morning.date()
    t1 = (now - dt.timedelta(minutes=90)).strftime("%H:%M")
    t2 = (now - dt.timedelta(minutes=60)).strftime("%H:%M")
    chat.say(NURSE, f"{t2} 配方奶 90ml\n换尿布 小便")
    chat.say(NURSE, f"{t1} 母乳 左 15分钟\n睡觉 90分钟\n体温 36.8")
    day = chat.say(MOM, "今天")
    assert "月子日记" in day and day_of.isoformat() in day
    assert day.index(f"{t1} 母乳") < day.index(f"{t2} 配方奶")
    assert "喂奶 2 次，共 90ml，亲喂共 15 分钟" in day
    assert "尿布 1 次（小便 1，大便 0）" in day
    assert "睡眠约 1小时30分" in day
    assert "体温 36.8℃" in day
    assert chat.say(MOM, "日记") == day
    assert "还没有记录" in chat.say(MOM, "昨天")
    assert chat.say(MOM, f"日记 {day_of.isoformat()}") == day
    assert chat.say(MOM, f"日记 {day_of.month}-{day_of.day}") == day
    assert "看不懂" in chat.say(MOM, "日记 13-45")


def test_rating_replaces_and_explains_the_range(family: Family, chat: Chat, session) -> None:
    for bad in ("评分 0", "评分 6", "评分 -1", "评分 4.5"):
        assert "1 到 5" in chat.say(MOM, bad)
    assert session.scalar(select(func.count()).select_from(Rating)) == 0
    assert "感谢评分" in chat.say(MOM, "评分 4 很细心")
    reply = chat.say(MOM, "评分 5 非常专业，辛苦了")
    assert "已替换" in reply and "★★★★★" in reply
    session.rollback()
    rating = session.scalars(select(Rating)).one()
    assert (rating.stars, rating.comment, rating.day, rating.rated_by) == (5, "非常专业，辛苦了", today(), MOM)
    assert "评分：★★★★★ 家人 非常专业，辛苦了" in chat.say(MOM, "今天")  # the only one, who did not say who she is
    assert "只有家人可以评分" in chat.say(NURSE, "评分 5 我自己打")
    assert "绑定" in chat.say(STRANGER, "评分 1")
    session.rollback()
    assert session.scalars(select(Rating)).one().stars == 5


def test_a_complaint_reaches_the_agency_and_its_answer_reaches_the_family(
    family: Family, chat: Chat, client: FlaskClient, wechat_fake: WeChatApiFake, session
) -> None:
    assert "投诉 具体内容" in chat.say(MOM, "投诉")
    reply = chat.say(MOM, "投诉 今天下午一直在玩手机")
    assert "投诉已提交" in reply
    assert "只有家人可以投诉" in chat.say(NURSE, "投诉 家长太凶")
    complaint = session.scalars(select(Complaint)).one()
    assert complaint.text == "今天下午一直在玩手机" and complaint.worker_id == family.worker_id
    auth = {"Authorization": f"Bearer {family.key}"}
    listed = client.get("/admin/v1/complaints", headers=auth).get_json()["complaints"]
    assert [c["text"] for c in listed] == ["今天下午一直在玩手机"]
    res = client.post(f"/admin/v1/complaints/{complaint.id}/response", json={"text": "已与月嫂沟通，明天起改正。"}, headers=auth)
    assert res.status_code == 200 and res.get_json()["response"] == "已与月嫂沟通，明天起改正。"
    background.join_all()
    [message] = wechat_fake.messages_to(MOM)
    assert "投诉处理结果" in message["text"]["content"] and "已与月嫂沟通" in message["text"]["content"]
    again = client.post(f"/admin/v1/complaints/{complaint.id}/response", json={"text": "再答一次"}, headers=auth)
    assert again.status_code == 409


# -- isolation ---------------------------------------------------------------------------------

def test_other_families_nurses_and_strangers_see_nothing(app: Flask, client: FlaskClient, family: Family, chat: Chat,
                                                         session) -> None:
    other = open_family(app, client, family_name="李家")
    chat.say("o-nurse-li", f"绑定 {other.nurse_code}")
    chat.say("o-mom-li", f"绑定 {other.family_code}")
    chat.say(NURSE, "喂奶 110ml 王家的秘密")
    assert "王家的秘密" not in chat.say("o-mom-li", "今天")
    assert "王家的秘密" not in chat.say("o-nurse-li", "今天")
    assert "王家的秘密" not in chat.say("o-mom-li", "原文")
    stranger = chat.say(STRANGER, "今天")
    assert "王家的秘密" not in stranger and "绑定" in stranger
    # Another nurse cannot withdraw this nurse's entry; a parent cannot withdraw at all.
    assert "没有可以撤销" in chat.say("o-nurse-li", "撤销")
    chat.say(MOM, "撤销")
    chat.say("o-mom-li", "评分 1 差")
    assert "喂奶 110ml" in chat.say(MOM, "今天")
    assert "王家的秘密" in chat.say(MOM, "原文")  # the nurse's own words, on demand
    session.rollback()
    ratings = session.scalars(select(Rating)).all()
    assert [(r.engagement_id, r.stars) for r in ratings] == [(other.engagement_id, 1)]
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1


# -- flags --------------------------------------------------------------------------------------

def test_a_fever_is_flagged_to_the_nurse_the_family_and_the_agency(family: Family, chat: Chat, client: FlaskClient,
                                                                   wechat_fake: WeChatApiFake, session) -> None:
    chat.say(MOM, "帮助")  # the parent wrote recently: a customer-service message may reach her
    reply = chat.say(NURSE, "体温 38.2")
    assert "38.2℃" in reply and "建议尽快咨询医生" in reply
    background.join_all()
    [notice] = wechat_fake.messages_to(MOM)
    assert "38.2℃" in notice["text"]["content"] and "不是诊断" in notice["text"]["content"]
    assert "⚠️" in chat.say(MOM, "今天") and "需留意 1 项" in chat.say(MOM, "今天")
    flag = session.scalars(select(DiaryFlag)).one()
    assert (flag.rule, flag.severity, flag.day) == ("fever", "urgent", today())
    auth = {"Authorization": f"Bearer {family.key}"}
    listed = client.get("/admin/v1/flags", headers=auth).get_json()["flags"]
    assert [f["rule"] for f in listed] == ["fever"]
    assert client.post(f"/admin/v1/flags/{flag.id}/ack", json={"note": "已电话家属"}, headers=auth).status_code == 200
    assert client.get("/admin/v1/flags", headers=auth).get_json()["flags"] == []
    assert len(client.get("/admin/v1/flags?status=all", headers=auth).get_json()["flags"]) == 1
    # Withdrawing the reading clears the flag from the day.
    chat.say(NURSE, "撤销")
    assert "需留意" not in chat.say(MOM, "今天")


# -- photos -------------------------------------------------------------------------------------

def test_a_photo_answers_success_at_once_and_follows_up(family: Family, chat: Chat, wechat_fake: WeChatApiFake,
                                                        session) -> None:
    wechat_fake.add_media("MEDIA-1", PNG_1X1, "image/png")
    assert chat.image(NURSE, "MEDIA-1") == b"success"
    background.join_all()
    session.rollback()
    photo = session.scalars(select(DiaryPhoto)).one()
    assert photo.status == "stored" and photo.data == PNG_1X1 and photo.content_type == "image/png"
    entry = session.get(DiaryEntry, photo.entry_id)
    assert entry is not None and entry.kind == "photo" and entry.author_openid == NURSE
    [message] = wechat_fake.messages_to(NURSE)
    assert message["text"]["content"] == f"照片已记录 {entry.occurred_at.astimezone(TZ).strftime('%H:%M')}"
    assert "📷 照片" in chat.say(MOM, "今天")


def test_a_photo_wechat_refused_is_retried_by_the_sweep(app: Flask, family: Family, chat: Chat, wechat_fake: WeChatApiFake,
                                                        session) -> None:
    wechat_fake.add_media("MEDIA-2")
    wechat_fake.fail_next("/cgi-bin/media/get", status=500)
    assert chat.image(NURSE, "MEDIA-2") == b"success"
    background.join_all()
    session.rollback()
    photo = session.scalars(select(DiaryPhoto)).one()
    assert photo.status == "pending" and photo.attempts == 1 and photo.last_error
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0
    counts = fetch_photos(app, now=photo.next_attempt_at + dt.timedelta(seconds=1))
    assert counts["stored"] == 1
    session.rollback()
    assert session.scalars(select(DiaryPhoto)).one().status == "stored"
    assert fetch_photos(app, now=photo.next_attempt_at + dt.timedelta(hours=1)) == {"stored": 0, "retry": 0, "failed": 0}
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1
    assert len(wechat_fake.messages_to(NURSE)) == 1


def test_a_photo_from_a_parent_is_not_kept(family: Family, chat: Chat, session) -> None:
    assert "暂时无法处理" in chat.image(MOM, "MEDIA-3").decode()
    assert session.scalar(select(func.count()).select_from(DiaryPhoto)) == 0


def test_safe_mode_nurse_lines_are_recorded(family: Family, client: FlaskClient, session) -> None:
    safe = Chat(client, safe=True)
    _params, body = safe.sender.sign(safe.sender.text(NURSE, "喂奶 60ml"))
    assert "喂奶".encode() not in body
    assert "已记录 1 条" in safe.say(NURSE, "喂奶 60ml")
    assert [e.fields for e in live_entries(session)] == [{"amount_ml": 60}]
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_family_cannot_rate_or_complain_beyond_the_engagement(app: Flask, chat: Chat, family: Family,
                                                                 session) -> None:
    from bot.models import Engagement

    assert "投诉已提交" in chat.say(MOM, "投诉 第一次")
    # While it waits for the agency's answer, another from the same person is refused: open complaints
    # weigh on the worker's public grade, so one family member cannot pile them up.
    assert "正在等待" in chat.say(MOM, "投诉 第二次")
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        engagement = s.get(Engagement, family.engagement_id)
        engagement.starts_on = today() - dt.timedelta(days=70)
        engagement.ends_on = today() - dt.timedelta(days=40)
    reply = chat.say(MOM, "评分 1 差")
    assert "只能为服务期内" in reply and "感谢评分" not in reply
    assert "结束超过30天" in chat.say(MOM, "投诉 很久以前的事")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Rating)) == 0
    assert session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_the_babys_and_the_mothers_readings_on_one_line_are_two_entries(chat: Chat, family: Family) -> None:
    """Issue 10 item 2 (was: only the baby's reading recorded, the nurse asked to resend the mother's)."""
    reply = chat.say(NURSE, "宝宝体温36.5 妈妈体温38.2")
    assert "已记录 2 条" in reply and "体温 36.5℃" in reply and "产妇体温 38.2℃" in reply
    assert "产妇体温 38.2℃（≥38.0℃）" in reply  # the mother's fever is flagged


@pytest.mark.parametrize("typed", ["绑定：{code}", "绑定 {a}—{b}", "绑定{a} {b}", "绑定 {lower}"])
def test_binding_codes_are_read_however_they_are_typed(app: Flask, client: FlaskClient, chat: Chat, typed: str) -> None:
    fam = open_family(app, client)
    code = fam.family_code
    text = typed.format(code=code, a=code[:4], b=code[4:], lower=code.lower())
    assert "绑定成功" in chat.say(MOM, text)


def test_each_family_member_rates_for_themselves(family: Family, chat: Chat, session) -> None:
    """A second parent's rating keeps the first one's comment; re-rating replaces only your own (issue 11.5). Each is
    named as they said: at binding (绑定 CODE 爸爸) or later (我是 妈妈) (issue 33)."""
    bound = chat.say(DAD, f"绑定 {family.family_code} 爸爸")
    assert "绑定成功" in bound and "称呼：爸爸" in bound
    assert "称呼您为“妈妈”" in chat.say(MOM, "我是 妈妈")
    assert "感谢评分" in chat.say(MOM, "评分 5 很细心")
    dad = chat.say(DAD, "评分 4")
    assert "感谢评分" in dad and "已替换" not in dad  # Dad's first rating replaces nothing, not even Mom's
    assert "评分：★★★★★ 妈妈 很细心 / ★★★★☆ 爸爸" in chat.say(DAD, "今天")
    assert "已替换" in chat.say(DAD, "评分 3 夜里有点吵")
    assert "评分：★★★★★ 妈妈 很细心 / ★★★☆☆ 爸爸 夜里有点吵" in chat.say(MOM, "今天")
    session.rollback()
    stored = {(r.rated_by, r.stars, r.comment) for r in session.scalars(select(Rating))}
    assert stored == {(MOM, 5, "很细心"), (DAD, 3, "夜里有点吵")}


def test_who_a_family_member_is_is_a_few_characters(family: Family, chat: Chat) -> None:
    assert "称呼请用几个汉字" in chat.say(MOM, "我是 123")
    assert "未绑定" not in chat.say(MOM, "我是 奶奶") and "称呼您为“奶奶”" in chat.say(MOM, "称呼 奶奶")
    assert "告诉我们您是宝宝的谁" not in chat.say(MOM, f"绑定 {family.family_code}")  # said already: not asked again
