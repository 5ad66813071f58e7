"""What a supervisor sees of an engagement's diary in the console: its days, its flags (withdrawn ones too), the
numbers to call, and the lists as spreadsheets."""

from __future__ import annotations

import datetime as dt
import io

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from bot.agency.exports import XLSX_TYPE
from bot.models import DiaryFlag, Notification, PhoneView
from tests.support.agency import supervisor_code
from tests.support.chat import Chat, open_family, today
from tests.support.console import Console, make_staff, text
from tests.support.factories import make_agency


def test_the_diary_by_day_shows_entries_flags_and_ratings_with_previous_and_next(
        app: Flask, admin: Console, agency: tuple[int, str]) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-nurse", "喂奶 配方奶 110ml")
    chat.say("o-nurse", "体温 38.3")
    chat.say("o-parent", "评分 5 很细心")
    page = text(admin.get(f"/console/engagements/{family.engagement_id}/diary"))
    assert today().isoformat() in page and "共 2 条记录" in page
    assert "喂奶" in page and "110ml" in page and "原话" in page and "<p>喂奶 配方奶 110ml</p>" in page
    assert "体温" in page and "紧急" in page and "★★★★★" in page and "很细心" in page
    assert "前一天" in page and 'rel="next"' not in page  # today is the last day so far
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    before = text(admin.get(f"/console/engagements/{family.engagement_id}/diary?day={yesterday}"))
    assert yesterday in before and "这一天没有记录" in before and 'rel="next"' in before
    # A day outside the service shows its nearest day; a day that is no date shows the latest day.
    assert today().isoformat() in text(admin.get(f"/console/engagements/{family.engagement_id}/diary?day=2099-01-01"))
    assert admin.get(f"/console/engagements/{family.engagement_id}/diary?day=nonsense").status_code == 200
    assert "查看日记" in text(admin.get(f"/console/engagements/{family.engagement_id}"))


def test_another_agency_cannot_read_the_diary(app: Flask, admin: Console, agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency)
    other = make_agency(session, "别家家政")[0].id
    make_staff(app, other, "rival", "admin")
    rival = Console(app.test_client())
    rival.login("rival")
    assert rival.get(f"/console/engagements/{family.engagement_id}/diary").status_code == 404
    assert rival.get(f"/console/engagements/{family.engagement_id}/photos/1").status_code == 404


def test_a_withdrawn_urgent_flag_stays_in_the_queue_and_tells_the_supervisor(
        app: Flask, admin: Console, agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    assert "绑定成功" in chat.say("o-boss", f"绑定 {supervisor_code(admin.client, agency[1])}")
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-nurse", "体温 38.6")
    chat.say("o-nurse", "撤销")
    session.rollback()
    flag = session.scalars(select(DiaryFlag)).one()
    assert flag.cleared_at is not None and flag.severity == "urgent"
    told = session.scalars(select(Notification).where(Notification.key == f"withdrawn:{flag.id}:o-boss")).one()
    assert "月嫂撤销了这条记录" in told.text and "伍秀芳" in told.text
    # The family is not told again of a withdrawal meant for the agency.
    assert session.scalars(select(Notification).where(Notification.key.like("withdrawn:%"),
                                                      Notification.openid == "o-parent")).first() is None
    page = text(admin.get("/console/flags"))
    assert f'id="flag-{flag.id}"' in page and "已撤销" in page and "月嫂 伍秀芳 于" in page
    assert "没有待处理的提醒" not in page
    dashboard = text(admin.get("/console/"))
    assert "未确认的日记提醒 <span class=\"count\">1</span>" in dashboard and "已撤销" in dashboard
    assert admin.post(f"/console/flags/{flag.id}/ack", {"note": "已电话核实，是量错了"}).status_code == 302
    assert "没有待处理的提醒" in text(admin.get("/console/flags"))
    assert "已撤销" in text(admin.get("/console/flags?status=all"))


def test_a_watch_flag_withdrawn_leaves_the_queue(app: Flask, admin: Console, agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-nurse", "脐带 有点潮湿")
    session.rollback()
    assert session.scalars(select(DiaryFlag.severity)).one() == "watch"
    chat.say("o-nurse", "撤销")
    assert "没有待处理的提醒" in text(admin.get("/console/flags"))


def test_the_queue_shows_the_nurse_the_phones_and_the_familys_acknowledgement(
        app: Flask, client: FlaskClient, admin: Console, agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency)
    admin.get(f"/console/engagements/{family.engagement_id}")
    with app.extensions["anxin_db"].new_session() as db, db.begin():
        from bot.diary.phones import set_family_phones
        from bot.models import Engagement

        set_family_phones(db.get(Engagement, family.engagement_id), ["13912345678"], True, "staff:1",
                          app.extensions["anxin_cipher"], dt.datetime.now(dt.UTC))
    chat = Chat(admin.client)
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-nurse", "体温 38.6")
    page = text(admin.get("/console/flags"))
    assert "伍秀芳" in page and "139****5678" in page and "13912345678" not in page
    assert "家人已确认" not in page
    chat.say("o-parent", "收到")
    page = text(admin.get("/console/flags"))
    assert "家人已确认" in page
    flag_id = session.scalars(select(DiaryFlag.id)).one()
    shown = admin.post(f"/console/flags/{flag_id}/phones")
    assert shown.status_code == 200 and 'href="tel:13912345678"' in text(shown)
    session.rollback()
    viewed = session.scalars(select(PhoneView)).one()
    assert viewed.page == "flags" and viewed.engagement_id == family.engagement_id
    # A clerk may not open the queue; a supervisor may, and may see the numbers.
    make_staff(app, agency[0], "kefu", "supervisor")
    supervisor = Console(app.test_client())
    supervisor.login("kefu")
    assert "显示完整号码" in text(supervisor.get("/console/flags"))


def test_flags_and_complaints_filter_by_day_and_download_as_xlsx(
        app: Flask, admin: Console, agency: tuple[int, str]) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-nurse", "体温 38.6")
    chat.say("o-parent", "投诉 =HYPERLINK(\"http://evil\",\"点我\") 月嫂迟到")
    day = today().isoformat()
    later = (today() + dt.timedelta(days=1)).isoformat()
    assert "体温" in text(admin.get(f"/console/flags?from={day}&to={day}"))
    assert "没有待处理的提醒" in text(admin.get(f"/console/flags?from={later}"))
    bad = admin.get("/console/flags?from=2026-13-01")
    assert bad.status_code == 400 and "开始日期应为 年-月-日" in text(bad)
    assert "结束日期不能早于开始日期" in text(admin.get(f"/console/flags?from={later}&to={day}"))
    res = admin.get(f"/console/flags?status=all&from={day}&format=xlsx")
    assert res.status_code == 200 and res.mimetype == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(res.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("日期", "提醒时间", "级别", "家庭") and rows[1][2] == "紧急" and rows[1][4] == "伍秀芳"
    res = admin.get("/console/complaints?status=all&format=xlsx")
    rows = list(load_workbook(io.BytesIO(res.data)).active.iter_rows(values_only=True))
    assert rows[1][2].startswith("'=HYPERLINK")  # never a formula in a spreadsheet program
    assert "月嫂迟到" in text(admin.get(f"/console/complaints?status=all&from={day}&to={day}"))
    assert "没有投诉" in text(admin.get(f"/console/complaints?status=all&from={later}"))


def test_workers_engagements_and_lookups_filter_by_day_and_download_without_id_numbers(
        app: Flask, client: FlaskClient, admin: Console, agency: tuple[int, str], session) -> None:
    from tests.support.agency import add_worker, id_number, publish

    family = open_family(app, admin.client, agency=agency, family_name="=1+1 王家")
    number = id_number(dt.date(1985, 6, 12))
    worker = add_worker(admin.client, agency[1], name="韩冬梅", id_number=number, phone="13905741234")
    code = publish(admin.client, agency[1], worker)
    assert client.get(f"/b/{code}").status_code == 200
    day, later = today().isoformat(), (today() + dt.timedelta(days=40)).isoformat()
    assert "韩冬梅" in text(admin.get(f"/console/workers?from={day}&to={day}"))
    assert "没有找到服务员" in text(admin.get(f"/console/workers?from={later}"))
    assert admin.get("/console/workers?to=12/01/2026").status_code == 400
    res = admin.get(f"/console/workers?from={day}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(res.data)).active.iter_rows(values_only=True))
    assert rows[0][3] == "身份证号" and len(rows) == 3  # the header, 韩冬梅 and open_family's worker
    mine = next(r for r in rows if r[1] == "韩冬梅")
    assert mine[3] == number[:3] + "*" * 11 + number[-4:] and mine[4] == "139****1234" and mine[7].startswith("绿码")
    assert number not in res.data.decode("latin-1") and "13905741234" not in str(rows)
    page = text(admin.get(f"/console/engagements?from={day}&to={day}"))
    assert "王家" in page and "服务期（上户—下户）" in page
    assert "没有上户记录" in text(admin.get(f"/console/engagements?from={later}"))
    res = admin.get("/console/engagements?format=xlsx")
    rows = list(load_workbook(io.BytesIO(res.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("家庭", "月嫂", "宝宝", "上户日期") and rows[1][0] == "'=1+1 王家"
    page = text(admin.get(f"/console/lookups?from={day}&to={day}"))
    assert "韩冬梅" in page and "网页" in page and "已显示" in page
    assert "这段时间没有核验记录" in text(admin.get(f"/console/lookups?from={later}"))
    res = admin.get("/console/lookups?format=xlsx")
    rows = list(load_workbook(io.BytesIO(res.data)).active.iter_rows(values_only=True))
    assert rows[1][1] == "韩冬梅" and rows[1][3] == "网页"
    assert family.engagement_id
