"""The console in a real browser: Debian's Chromium, headless, driven by Playwright.

Sign in, add a worker with her checks, issue a badge and open its card, open an engagement and bind a
nurse by its QR scene event, see a fever flag on the dashboard and acknowledge it, answer a complaint;
another agency's staff see none of it. A screenshot of each main page is written to
``ANXIN_SCREENSHOT_DIR`` (default ``tests/artifacts/console``), and the test prints where.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask

from tests.support.agency import id_number
from tests.support.browser import ARTIFACTS, shoot
from tests.support.chat import Chat, today
from tests.support.console import PASSWORD, make_staff
from tests.support.factories import make_agency

pytestmark = pytest.mark.slow  # a real browser: make check runs it, make test leaves it out

SHOTS = ARTIFACTS / "console"


def sign_in(page: Any, origin: str, username: str) -> None:
    page.goto(f"{origin}/console/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{origin}/console/")


def test_a_monday_morning_in_the_console(app: Flask, live_server: str, browser: Any, session) -> None:
    agency = make_agency(session, "宁波甬城家政")[0]
    make_staff(app, agency.id, "boss", "admin")
    rival_agency = make_agency(session, "别家家政")[0]
    make_staff(app, rival_agency.id, "rival", "admin")
    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = desktop.new_page()
    sign_in(page, live_server, "boss")
    assert "工作台" in page.inner_text("h1")

    # A worker with her checks, a badge and its card.
    page.click("text=服务员")
    page.click("text=＋ 登记服务员")
    page.fill("input[name=name]", "伍秀芳")
    page.fill("input[name=id_number]", id_number(dt.date(1985, 6, 12)))
    page.fill("input[name=phone]", "13905741234")
    page.fill("input[name=birth_date]", "1985-06-12")
    page.fill("input[name=service_types]", "月嫂、育婴师")
    page.fill("input[name=experience_years]", "6")
    page.fill("input[name=consent_signed_on]", today().isoformat())
    page.click("button:has-text('登记')")
    assert "已登记服务员 伍秀芳" in page.inner_text("main")
    worker_url = page.url
    expires = (today() + dt.timedelta(days=365)).isoformat()
    for kind in ("identity", "health", "insurance", "no_criminal_record"):
        page.select_option("select[name=kind]", kind)
        page.select_option("select[name=status]", "verified")
        page.fill("#checks input[name=expires_on]", expires)
        page.click("button:has-text('保存核验')")
        assert "已记录" in page.inner_text("main")
    page.click("button:has-text('发放工牌')")
    assert page.locator("[data-light=green]").count() >= 1
    code = re.search(r"已发放工牌 (\S+)", page.inner_text("main"))
    assert code is not None
    shoot(page, "worker")
    with desktop.expect_page() as card_page:
        page.click("text=查看工牌卡片")
    card = card_page.value
    card.wait_for_load_state()
    assert card.evaluate("document.images[0].naturalWidth") == 1004  # 85 mm at 300 dpi
    card.close()

    # An engagement; the nurse binds by scanning its scene QR (the event WeChat would push).
    page.goto(worker_url)
    page.click("text=安排上户")
    page.fill("input[name=ends_on]", (today() + dt.timedelta(days=26)).isoformat())
    page.fill("input[name=family_name]", "王家")
    page.fill("input[name='babies-0-nickname']", "小米")
    page.fill("input[name='babies-0-born_at']", f"{(today() - dt.timedelta(days=3)).isoformat()}T07:30")
    page.fill("input[name='babies-0-birth_weight_g']", "3400")
    page.click("button:has-text('上户并生成绑定码')")
    assert page.locator("figure.qr img").count() == 2
    shoot(page, "engagement")
    nurse_code = page.locator("figure.qr[data-role=nurse] code").inner_text()
    family_code = page.locator("figure.qr[data-role=parent] code").inner_text()
    chat = Chat(app.test_client())
    from bot.wechat.simulator import reply_text

    scan = reply_text(chat.sender.read_reply(chat.post(chat.sender.event("o-nurse", "SCAN", f"bind_{nurse_code}"))))
    assert "绑定成功" in scan
    chat.say("o-parent", f"绑定 {family_code}")
    chat.say("o-nurse", "体温 38.2")
    chat.say("o-parent", "投诉 月嫂今天迟到了两个小时")
    page.reload()
    assert "月嫂绑定码已使用" in page.inner_text("main")

    # The fever is on the dashboard, urgent first; a supervisor acknowledges it with what was done.
    page.click("text=工作台")
    assert "紧急" in page.inner_text("#flags") and "王家" in page.inner_text("#flags")
    shoot(page, "dashboard")
    page.click("text=去处理 ›")
    shoot(page, "flags")
    page.fill("article.flag.urgent input[name=note]", "已电话联系家人，建议去医院复测体温")
    page.click("article.flag.urgent button:has-text('确认')")
    assert "已确认提醒" in page.inner_text("main")

    # The complaint, answered.
    page.click("nav >> text=投诉")
    assert "月嫂今天迟到了两个小时" in page.inner_text("main")
    page.fill("textarea[name=text]", "已与月嫂沟通，明天起准时到岗，向您致歉")
    page.click("button:has-text('发送答复')")
    assert "已答复" in page.inner_text("main")
    page.goto(f"{live_server}/console/complaints?status=answered")
    shoot(page, "complaints")
    page.goto(f"{live_server}/console/workers")
    shoot(page, "workers")
    page.goto(f"{live_server}/console/engagements")
    shoot(page, "engagements")

    # On a phone, the same pages fit.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    mobile = phone.new_page()
    sign_in(mobile, live_server, "boss")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(mobile, "dashboard-phone")
    phone.close()

    # Another agency's staff see none of it.
    rival = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(rival, live_server, "rival")
    for path in ("/console/", "/console/workers", "/console/engagements", "/console/flags", "/console/complaints"):
        rival.goto(f"{live_server}{path}")
        body = rival.inner_text("main")
        assert "伍秀芳" not in body and "王家" not in body and "迟到" not in body, path
    response = rival.goto(worker_url.replace(live_server, live_server))
    assert response is not None and response.status == 404
    desktop.close()
    print(f"\nconsole screenshots: {SHOTS}")
