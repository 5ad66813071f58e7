"""The dashboard's figures, expired checks apart and in red, a worker's phone for her own agency, the worker
picker and the wording of the engagement form, a new account's least role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.agency.exports import XLSX_TYPE
from bot.models import Engagement, PhoneView
from tests.support.agency import add_worker, publish, verify
from tests.support.chat import Chat, open_family, today
from tests.support.console import Console, make_staff, text


def figure(page: str, name: str) -> str:
    start = page.index(f'id="fig-{name}"')
    return page[page.index("<strong>", start) + 8:page.index("</strong>", start)]


def test_the_dashboard_counts_what_matters_and_keeps_expired_checks_apart(
        app: Flask, client: FlaskClient, admin: Console, agency: tuple[int, str]) -> None:
    family = open_family(app, admin.client, agency=agency)
    chat = Chat(admin.client)
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-nurse", "体温 38.6")
    chat.say("o-parent", "评分 4")
    chat.say("o-parent2", f"绑定 {family.family_code}")
    chat.say("o-parent2", "评分 5")
    worker = add_worker(admin.client, agency[1], name="韩冬梅")
    code = publish(admin.client, agency[1], worker)
    verify(admin.client, agency[1], worker, "health", expires_on=today() + dt.timedelta(days=10))
    verify(admin.client, agency[1], worker, "insurance", expires_on=today() - dt.timedelta(days=3))
    assert client.get(f"/b/{code}").status_code == 200  # one look-up this week
    page = text(admin.get("/console/"))
    assert figure(page, "active") == "1" and figure(page, "urgent") == "1"
    assert figure(page, "rating") == "4.5" and "本月家人平均评分（2 次）" in page
    assert figure(page, "lookups") == "1"
    assert figure(page, "expiring") == "1" and figure(page, "expired") == "1"
    expiring = page[page.index('id="expiring"'):]
    expired = page[page.index('id="expired"'):page.index('id="expiring"')]
    assert "健康证" in expiring[:expiring.index("</section>")] and "还剩 10 天" in expiring
    assert "已过期 3 天" in expired and 'class="expired"' in expired and "已过期" not in expiring[:expiring.index("</section>")]
    worker_page = text(admin.get(f"/console/workers/{worker}"))
    assert 'class="state-expired"' in worker_page  # drawn red (console.css), not like a valid check
    css = (Path(__file__).parents[2] / "bot/console/static/console.css").read_text(encoding="utf-8")
    assert "tr.state-expired td" in css and "var(--red)" in css.split("tr.state-expired td", 1)[1][:60]


def test_a_worker_s_own_agency_sees_her_phone_in_full_and_the_view_is_logged(
        app: Flask, admin: Console, agency: tuple[int, str], session) -> None:
    worker = add_worker(admin.client, agency[1], phone="13905741234")
    page = text(admin.get(f"/console/workers/{worker}"))
    assert "139****1234" in page and "13905741234" not in page and "显示完整号码" in page
    shown = admin.post(f"/console/workers/{worker}/phone")
    assert shown.status_code == 200 and 'href="tel:13905741234"' in text(shown)
    session.rollback()
    logged = session.scalars(select(PhoneView)).one()
    assert logged.worker_id == worker and logged.page == "worker"
    make_staff(app, agency[0], "luru", "clerk")
    clerk = Console(app.test_client())
    clerk.login("luru")
    page = text(clerk.get(f"/console/workers/{worker}"))
    assert "139****1234" in page and "显示完整号码" not in page
    refused = clerk.post(f"/console/workers/{worker}/phone")
    assert refused.status_code == 403 and "13905741234" not in text(refused)
    session.rollback()
    assert len(session.scalars(select(PhoneView)).all()) == 1


def test_the_engagement_form_picks_a_worker_by_name_and_speaks_of_上户(
        admin: Console, agency: tuple[int, str], session) -> None:
    first = add_worker(admin.client, agency[1], name="伍秀芳")
    add_worker(admin.client, agency[1], name="韩冬梅")
    twin = add_worker(admin.client, agency[1], name="韩冬梅")
    page = text(admin.get("/console/engagements/new"))
    assert "新建上户" in page and "上户日期" in page and "下户日期" in page and "开户" not in page
    assert f'<option value="伍秀芳 · 编号 {first}">' in page and "服务员编号" not in page
    form = {"starts_on": today().isoformat(), "ends_on": (today() + dt.timedelta(days=26)).isoformat(),
            "family_name": "陈家"}
    for typed, why in (("", "请选择服务员"), ("张三", "本机构没有名为“张三”的服务员"),
                       ("韩冬梅", "有多位服务员名为“韩冬梅”")):
        res = admin.post("/console/engagements/new", {**form, "worker": typed})
        assert res.status_code == 400 and why in text(res)
    session.rollback()
    assert session.scalars(select(Engagement)).first() is None
    res = admin.post("/console/engagements/new", {**form, "worker": "伍秀芳"})
    assert res.status_code == 302
    assert "已上户：陈家" in text(admin.get(res.headers["Location"]))
    res = admin.post("/console/engagements/new", {**form, "family_name": "李家", "worker": f"韩冬梅 · 编号 {twin}"})
    assert res.status_code == 302
    session.rollback()
    assert session.scalars(select(Engagement.worker_id).where(Engagement.family_name == "李家")).one() == twin
    assert "安排上户" in text(admin.get(f"/console/workers/{first}"))
    assert "＋ 新建上户" in text(admin.get("/console/engagements"))


def test_a_new_account_starts_with_the_least_role(admin: Console) -> None:
    page = text(admin.get("/console/staff"))
    create = page[page.index("新建账号"):]
    assert '<option value="clerk" selected>' in create and '<option value="admin" selected>' not in create


def test_the_import_template_carries_checks_and_errors_name_the_row_the_person_and_the_column(
        admin: Console, agency: tuple[int, str], session) -> None:
    import io

    from openpyxl import load_workbook

    from bot.models import Verification, Worker
    from tests.support.agency import id_number

    page = text(admin.get("/console/workers/import"))
    assert "下载导入模板" in page
    res = admin.get("/console/workers/import/template.xlsx")
    assert res.status_code == 200 and res.mimetype == XLSX_TYPE
    book = load_workbook(io.BytesIO(res.data))
    assert book.sheetnames == ["服务员", "填写示例", "填写说明"]
    headers = [c.value for c in book["服务员"][1]]
    assert headers[:3] == ["姓名", "身份证号", "手机号"] and "健康证有效期至" in headers and "保险有效期至" in headers
    assert book["服务员"].max_row == 1 and book["服务员"].column_dimensions["B"].number_format == "@"  # ID numbers typed as text
    sheet = book["服务员"]
    good = {"姓名": "伍秀芳", "身份证号": id_number(dt.date(1985, 6, 12)), "手机号": "13905741234", "性别": "女",
            "出生日期": "1985-06-12", "服务类型": "月嫂", "从业年限": 6,
            "健康证有效期至": dt.datetime(2027, 6, 30), "保险有效期至": "2027/12/31"}
    bad = {**good, "姓名": "陈美玲", "身份证号": id_number(dt.date(1990, 1, 1)), "出生日期": "1990-01-01",
           "健康证有效期至": "明年", "保险有效期至": None}
    for row in (good, bad):
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    res = admin.post("/console/workers/import", {"file": (io.BytesIO(out.getvalue()), "w.xlsx")},
                     content_type="multipart/form-data")
    page = text(res)
    assert res.status_code == 400 and "<td>第 3 行</td><td>陈美玲</td><td>健康证有效期至</td>" in page
    assert "<td>保险</td>" not in page and "<td>陈美玲</td><td>保险有效期至</td>" not in page  # left blank: no check
    session.rollback()
    assert session.scalars(select(Worker)).all() == []
    sheet.delete_rows(3)
    out = io.BytesIO()
    book.save(out)
    res = admin.post("/console/workers/import", {"file": (io.BytesIO(out.getvalue()), "w.xlsx")},
                     content_type="multipart/form-data")
    assert res.status_code == 200 and "已导入 1 名服务员" in text(res)
    session.rollback()
    checks = {v.kind: v.expires_on for v in session.scalars(select(Verification))}
    assert checks == {"health": dt.date(2027, 6, 30), "insurance": dt.date(2027, 12, 31)}


def test_the_agency_s_logo_and_name_head_its_badge_cards(admin: Console, agency: tuple[int, str], session) -> None:
    import io

    from PIL import Image

    from tests.support.agency import photo_bytes

    code = publish(admin.client, agency[1], add_worker(admin.client, agency[1]))
    page = text(admin.get("/console/staff"))
    assert "机构标志" in page and "宁波甬城家政" in page
    res = admin.post("/console/agency/logo", {"logo": (io.BytesIO(b"not an image"), "logo.png")},
                     content_type="multipart/form-data")
    assert res.status_code == 400 and "机构标志不是有效的 JPEG、PNG 或 WebP 图片" in text(res)
    before = Image.open(io.BytesIO(admin.get(f"/console/badges/{code}/card.png").data)).convert("RGB")
    logo = photo_bytes(size=(400, 400), fmt="PNG", colour=(200, 30, 30))
    res = admin.post("/console/agency/logo", {"logo": (io.BytesIO(logo), "logo.png")},
                     content_type="multipart/form-data")
    assert res.status_code == 302
    assert 'alt="宁波甬城家政的标志"' in text(admin.get("/console/staff"))
    card = Image.open(io.BytesIO(admin.get(f"/console/badges/{code}/card.png").data)).convert("RGB")
    header = card.crop((0, 0, 240, 200)).tobytes()
    reds = sum(1 for i in range(0, len(header), 3) if header[i] > 180 and header[i + 1] < 80 and header[i + 2] < 80)
    assert reds > 10000  # the logo, left of the agency's name
    plain = before.crop((0, 0, 240, 200)).tobytes()
    assert not any(plain[i] > 180 and plain[i + 1] < 80 for i in range(0, len(plain), 3))
    assert card.getpixel((500, 185)) == (13, 110, 86)  # the header band is the agency's, not 安心家政's text
    pdf = admin.get("/console/badges.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
