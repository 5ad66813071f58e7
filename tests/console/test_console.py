"""The back office over HTTP: accounts, roles, CSRF, one agency's data only, and each page's work."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Flask
from flask import request as flask_request
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from bot.models import Baby, Badge, Complaint, DiaryFlag, Staff, Verification, Worker
from tests.support.agency import add_worker, auth, id_number, photo_bytes, publish
from tests.support.chat import Chat, open_family, today
from tests.support.console import PASSWORD, Console, make_staff, text
from tests.support.factories import make_agency


def test_pages_need_a_sign_in_and_carry_the_security_headers(client: FlaskClient) -> None:
    res = client.get("/console/workers")
    assert res.status_code == 302 and res.headers["Location"].startswith("/console/login")
    page = client.get("/console/login")
    assert page.status_code == 200 and '<html lang="zh-CN">' in text(page) and "用户名或手机号" in text(page)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["Cache-Control"] == "no-store"
    cookie = page.headers["Set-Cookie"]
    assert "anxin_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie


def test_only_the_console_opens_a_session(app: Flask, admin: Console) -> None:
    """The signed cookie is the console's (its path is /console): a chat push or a badge page opens no session."""
    cookie = admin.client.get_cookie("anxin_console", path="/console")
    assert cookie is not None
    for path, opened in (("/console/workers", True), ("/console", True), ("/wechat", False), ("/b/ANX1", False),
                         ("/consoles", False), ("/mp/v1/engagements", False)):
        with app.test_request_context(path, headers={"Cookie": f"anxin_console={cookie.value}"}):
            made = app.session_interface.open_session(app, flask_request)
            assert (made is not None and bool(made.get("staff_id"))) == opened, path
    assert admin.get("/console/workers").status_code == 200  # and the console still knows who is signed in


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(app: Flask, admin: Console, session) -> None:
    res = admin.client.post("/console/staff", data={"username": "intruder", "role": "admin"})
    assert res.status_code == 400 and "CSRF" in text(res)
    res = admin.client.post("/console/staff", data={"username": "intruder", "role": "admin", "csrf_token": "forged"})
    assert res.status_code == 400
    session.rollback()
    assert session.scalar(select(Staff).where(Staff.username == "intruder")) is None


def test_wrong_passwords_lock_the_account_and_a_right_one_then_waits(app: Flask, client: FlaskClient,
                                                                   agency: tuple[int, str]) -> None:
    make_staff(app, agency[0], "clerk1", "clerk")
    console = Console(client)
    for _ in range(4):
        res = console.login("clerk1", "wrong-password!")
        assert res.status_code == 401 and "账号或密码不正确" in text(res)
    res = console.login("clerk1", "wrong-password!")
    assert res.status_code == 401 and "连续输错5次，账号将锁定15分钟" in text(res)
    res = console.login("clerk1", PASSWORD)  # locked: the same answer as a wrong password (tests/console/test_auth.py)
    assert res.status_code == 401 and "账号或密码不正确" in text(res)
    assert console.login("nobody", PASSWORD).status_code == 401


def test_a_clerk_registers_workers_but_sees_no_flags_or_complaints(app: Flask, client: FlaskClient,
                                                                   agency: tuple[int, str]) -> None:
    make_staff(app, agency[0], "clerk1", "clerk")
    console = Console(client)
    console.login("clerk1")
    assert console.get("/console/flags").status_code == 403
    assert console.get("/console/complaints").status_code == 403
    assert console.get("/console/staff").status_code == 403
    assert console.get("/console/workers").status_code == 200
    nav = text(console.get("/console/"))
    assert "日记提醒</a>" not in nav and "服务员</a>" in nav


def test_registering_a_worker_lists_every_bad_field_and_writes_nothing(admin: Console, session) -> None:
    admin.get("/console/workers/new")
    res = admin.post("/console/workers/new", {"name": "伍秀芳", "id_number": "330203198506121234", "phone": "12",
                                              "gender": "female", "birth_date": "1985-06-12", "service_types": "月嫂",
                                              "experience_years": "99"})
    page = text(res)
    assert res.status_code == 400 and "未保存任何数据" in page
    assert "<code>身份证号</code>" in page and "<code>手机号</code>" in page and "<code>从业年限</code>" in page
    assert "不能大于60" in page and "id_number" not in page.split("请修改以下内容")[1].split("</div>")[0]
    session.rollback()
    assert session.scalars(select(Worker)).all() == []
    number = id_number(dt.date(1985, 6, 12))
    res = admin.post("/console/workers/new", {"name": "伍秀芳", "id_number": number, "phone": "13905741234",
                                              "gender": "female", "birth_date": "1985-06-12",
                                              "service_types": "月嫂、育婴师", "experience_years": "6",
                                              "consent_signed_on": today().isoformat()})
    assert res.status_code == 302
    page = text(admin.get(res.headers["Location"]))
    assert "已登记服务员 伍秀芳" in page and "月嫂、育婴师" in page and number not in page and "13905741234" not in page
    assert 'data-light="red"' in page


def test_a_worker_page_adds_checks_photo_badge_and_shows_lookups_and_credit(app: Flask, admin: Console,
                                                                            agency: tuple[int, str], session) -> None:
    worker_id = add_worker(admin.client, agency[1], name="伍秀芳")
    page = f"/console/workers/{worker_id}"
    admin.get(page)
    expires = (today() + dt.timedelta(days=365)).isoformat()
    for kind in ("identity", "health", "insurance"):
        res = admin.post(f"{page}/verifications", {"kind": kind, "status": "verified", "expires_on": expires,
                                                   "document_no": f"DOC-{kind}"})
        assert res.status_code == 302, text(res)
    bad = admin.post(f"{page}/verifications", {"kind": "health", "status": "verified"})
    assert bad.status_code == 400 and "健康证和保险须填写有效期" in text(bad)
    assert admin.post(f"{page}/consent", {"signed_on": today().isoformat()}).status_code == 302
    res = admin.post(f"{page}/photo", {"photo": (io.BytesIO(photo_bytes()), "me.jpg", "image/jpeg")},
                     content_type="multipart/form-data")
    assert res.status_code == 302
    not_image = admin.post(f"{page}/photo", {"photo": (io.BytesIO(b"hello"), "x.jpg", "image/jpeg")},
                           content_type="multipart/form-data")
    assert not_image.status_code == 400 and "不是有效的" in text(not_image)
    assert admin.post(f"{page}/badge", {}).status_code == 302
    session.rollback()
    code = session.scalars(select(Badge.code).where(Badge.worker_id == worker_id)).one()
    assert admin.client.get(f"/b/{code}").status_code == 200  # a lookup, to count
    html = text(admin.get(page))
    assert 'data-light="green"' in html and "被核验 1 次" in html and "<svg" in html and "信用等级" in html
    assert "DOC-health" not in html  # document numbers are never shown
    card = admin.get(f"/console/badges/{code}/card.png")
    assert card.status_code == 200 and card.mimetype == "image/png"
    sheet = admin.get(f"/console/badges.pdf?worker={worker_id}")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(sheet.data)).pages) == 1
    assert admin.post(f"/console/badges/{code}/revoke", {}).status_code == 302
    revoked = admin.client.get(f"/b/{code}")
    assert revoked.status_code == 404 and "已被家政公司注销" in text(revoked)
    assert admin.post(f"{page}/consent", {"withdraw": "1"}).status_code == 302
    assert "未授权" in text(admin.get(page))
    session.rollback()
    assert len(session.scalars(select(Verification).where(Verification.worker_id == worker_id)).all()) == 3


def test_the_worker_list_searches_filters_and_pages(admin: Console, agency: tuple[int, str]) -> None:
    green = add_worker(admin.client, agency[1], name="伍秀芳")
    code = publish(admin.client, agency[1], green)
    add_worker(admin.client, agency[1], name="陈美玲")
    html = text(admin.get("/console/workers?light=green"))
    assert "伍秀芳" in html and "陈美玲" not in html
    html = text(admin.get(f"/console/workers?q={code}"))
    assert "伍秀芳" in html and "陈美玲" not in html
    html = text(admin.get("/console/workers?q=美玲"))
    assert "陈美玲" in html and "伍秀芳" not in html


def test_import_lists_every_bad_field_of_every_bad_row_and_writes_nothing(admin: Console, session) -> None:
    good = id_number(dt.date(1985, 6, 12))
    csv = ("姓名,身份证号,手机号,性别,出生日期,服务类型,从业年限\n"
           f"伍秀芳,{good},13905741234,女,1985/6/12,月嫂,6\n"
           "陈美玲,123,12,女,1990-01-01,月嫂,99\n").encode()
    admin.get("/console/workers/import")
    res = admin.post("/console/workers/import", {"file": (io.BytesIO(csv), "w.csv")}, content_type="multipart/form-data")
    page = text(res)
    assert res.status_code == 400 and "未导入任何数据" in page
    assert "<td>第 3 行</td><td>陈美玲</td><td>身份证号</td>" in page and "<td>手机号</td>" in page
    assert "<td>从业年限</td>" in page and "id_number" not in page
    session.rollback()
    assert session.scalars(select(Worker)).all() == []
    fixed = csv.decode().replace("陈美玲,123,12,女,1990-01-01,月嫂,99",
                                 f"陈美玲,{id_number(dt.date(1990, 1, 1))},13905749999,女,1990-01-01,月嫂,9").encode()
    res = admin.post("/console/workers/import", {"file": (io.BytesIO(fixed), "w.csv")}, content_type="multipart/form-data")
    assert res.status_code == 200 and "已导入 2 名服务员" in text(res)


def test_an_engagement_with_twins_shows_scene_qr_codes_and_a_scan_binds(app: Flask, admin: Console, agency: tuple[int, str],
                                                                        wechat_fake, session) -> None:
    worker_id = add_worker(admin.client, agency[1])
    admin.get("/console/engagements/new")
    form = {"worker_id": str(worker_id), "starts_on": today().isoformat(),
            "ends_on": (today() + dt.timedelta(days=26)).isoformat(), "family_name": "陈家",
            "babies-0-nickname": "大宝", "babies-0-sex": "female", "babies-0-born_at": f"{today().isoformat()}T07:30",
            "babies-0-birth_weight_g": "2500", "babies-0-risk_factor": "g6pd_deficiency",
            "babies-1-nickname": "二宝", "babies-1-gestation_weeks": "50", "babies-1-risk_factor": "none"}
    bad = admin.post("/console/engagements/new", form)
    assert bad.status_code == 400 and "babies[1].gestation_weeks" in text(bad) and "不能大于44" in text(bad)
    form["babies-1-gestation_weeks"] = "36"
    res = admin.post("/console/engagements/new", form)
    assert res.status_code == 302, text(res)
    page = text(admin.get(res.headers["Location"]))
    assert "大宝" in page and "二宝" in page and "07:30" in page and "2500 克" in page
    assert page.count('src="data:image/png;base64,') == 2 and "用微信扫码关注公众号即可绑定" in page
    scenes = [c.body["action_info"]["scene"]["scene_str"] for c in wechat_fake.calls_to("/cgi-bin/qrcode/create")]
    session.rollback()
    babies = session.scalars(select(Baby).order_by(Baby.position)).all()
    assert [(b.nickname, b.gestation_weeks) for b in babies] == [("大宝", None), ("二宝", 36)]
    # AAP 2022 neurotoxicity risk factors as the agency knows them ("" would be: not known)
    assert [b.risk_factors for b in babies] == ["g6pd_deficiency", ""]
    engagement = babies[0].engagement_id
    from bot.models import Engagement

    e = session.get(Engagement, engagement)
    assert scenes == [f"bind_{e.nurse_code}", f"bind_{e.family_code}"]
    chat = Chat(admin.client)
    from bot.wechat.simulator import reply_text

    reply = reply_text(chat.sender.read_reply(chat.post(chat.sender.event("o-nurse", "SCAN", scenes[0]))))
    assert "绑定成功" in reply
    page = text(admin.get(f"/console/engagements/{engagement}"))
    assert "月嫂绑定码已使用" in page and page.count('src="data:image/png;base64,') == 1
    listing = text(admin.get("/console/engagements?state=active"))
    assert "陈家" in listing and "月嫂✓" in listing


def test_without_wechat_the_qr_says_it_holds_only_the_words(app: Flask, admin: Console, agency: tuple[int, str],
                                                             wechat_fake) -> None:
    family = open_family(app, admin.client, agency=agency)
    wechat_fake.fail_next("/cgi-bin/qrcode/create", status=502)
    wechat_fake.fail_next("/cgi-bin/qrcode/create", status=502)
    page = text(admin.get(f"/console/engagements/{family.engagement_id}"))
    assert "暂时无法连接微信" in page and f"绑定 {family.nurse_code}" in page


def test_a_fever_flag_is_on_the_dashboard_and_acknowledged_with_a_note(app: Flask, admin: Console,
                                                                        agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-nurse", "体温 38.2")
    page = text(admin.get("/console/"))
    assert "紧急" in page and "王家" in page
    flag_id = session.scalars(select(DiaryFlag.id)).first()
    admin.get("/console/flags")
    empty = admin.post(f"/console/flags/{flag_id}/ack", {"note": "  "})
    assert empty.status_code == 400 and "请写下做了什么" in text(empty)
    res = admin.post(f"/console/flags/{flag_id}/ack", {"note": "已电话联系家人，建议就医"})
    assert res.status_code == 302
    session.rollback()
    flag = session.get(DiaryFlag, flag_id)
    assert flag.acknowledged_at is not None and flag.acknowledged_note == "已电话联系家人，建议就医（boss）"
    api = admin.client.get("/admin/v1/flags?status=all", headers=auth(agency[1])).get_json()["flags"]
    assert api[0]["acknowledged_note"] == "已电话联系家人，建议就医（boss）"  # one acknowledgement for every surface
    assert "没有待处理的提醒" in text(admin.get("/console/flags"))


def test_a_complaint_is_answered_once(app: Flask, admin: Console, agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-parent", "投诉 月嫂今天迟到了两个小时")
    complaint_id = session.scalars(select(Complaint.id)).one()
    page = text(admin.get("/console/complaints"))
    assert "月嫂今天迟到了两个小时" in page
    assert admin.post(f"/console/complaints/{complaint_id}/response", {"text": ""}).status_code == 400
    res = admin.post(f"/console/complaints/{complaint_id}/response", {"text": "已与月嫂沟通，明天起准时到岗"})
    assert res.status_code == 302
    again = admin.post(f"/console/complaints/{complaint_id}/response", {"text": "再答一次"})
    assert again.status_code == 409
    assert "已与月嫂沟通" in text(admin.get("/console/complaints?status=answered"))


def test_another_agency_staff_see_none_of_it(app: Flask, admin: Console, agency: tuple[int, str], session) -> None:
    family = open_family(app, admin.client, agency=agency, family_name="王家")
    code = publish(admin.client, agency[1], family.worker_id)
    other_id = make_agency(session, "别家家政")[0].id
    make_staff(app, other_id, "rival", "admin")
    rival = Console(app.test_client())
    rival.login("rival")
    assert rival.get(f"/console/workers/{family.worker_id}").status_code == 404
    assert rival.get(f"/console/engagements/{family.engagement_id}").status_code == 404
    assert rival.get(f"/console/badges/{code}/card.png").status_code == 404
    assert "王家" not in text(rival.get("/console/engagements")) and "伍秀芳" not in text(rival.get("/console/workers"))
    assert rival.post(f"/console/badges/{code}/revoke", {}).status_code == 404
    session.rollback()
    assert session.scalars(select(Badge.revoked_at).where(Badge.code == code)).one() is None


def test_an_admin_adds_a_colleague_whose_password_is_shown_once(app: Flask, admin: Console) -> None:
    admin.get("/console/staff")
    res = admin.post("/console/staff", {"username": "kefu1", "display_name": "小张", "role": "supervisor",
                                        "phone": "13800000001"})
    page = text(res)
    password = re.search(r'class="password">([^<]+)<', page)
    assert res.status_code == 200 and password is not None
    colleague = Console(app.test_client())
    assert colleague.login("13800000001", password.group(1)).status_code == 302  # by phone
    assert "小张（客服/主管）" in text(colleague.get("/console/"))
    assert admin.post("/console/staff", {"username": "kefu1", "role": "clerk"}).status_code == 400


def test_create_staff_prints_the_password_last(app: Flask, agency: tuple[int, str]) -> None:
    result = app.test_cli_runner().invoke(args=["create-staff", "Boss2", "--agency", str(agency[0]), "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1]
    assert len(password) >= 16 and "boss2" in result.output
    console = Console(app.test_client())
    assert console.login("boss2", password).status_code == 302
    bad = app.test_cli_runner().invoke(args=["create-staff", "x", "--agency", "999", "--role", "admin"])
    assert bad.exit_code != 0 and "不存在" in bad.output


def test_the_badge_sheet_leaves_out_workers_who_have_not_consented_and_says_so(admin: Console,
                                                                               agency: tuple[int, str]) -> None:
    consented = add_worker(admin.client, agency[1], name="伍秀芳")
    publish(admin.client, agency[1], consented)
    unconsented = add_worker(admin.client, agency[1], name="陈美玲")
    hidden = publish(admin.client, agency[1], unconsented, consent=False)
    single = admin.get(f"/console/badges/{hidden}/card.png")
    assert single.status_code == 403 and "尚未授权公开" in text(single)
    sheet = admin.get("/console/badges.pdf")
    assert sheet.status_code == 200 and sheet.headers["X-Anxin-Left-Out"] == "1"
    pages = PdfReader(io.BytesIO(sheet.data)).pages
    assert len(pages) == 1 and len(pages[0].images) == 1  # her colleague's card only
    assert "1 名服务员尚未授权公开" in pages[0].extract_text()
    only_her = admin.get(f"/console/badges.pdf?worker={unconsented}")
    page = PdfReader(io.BytesIO(only_her.data)).pages[0]
    assert len(page.images) == 0 and "没有可打印的工牌" in page.extract_text()
