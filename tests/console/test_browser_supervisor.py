"""A supervisor's quality check in a real browser, at desktop and phone sizes: the dashboard's figures, the flag
queue (a withdrawn urgent flag, the family's acknowledgement, the numbers to call), a day of the diary, the
worker picker, the lists' day filters and the import template. Screenshots: ``tests/artifacts/console``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from tests.console.test_browser import sign_in
from tests.support.agency import supervisor_code
from tests.support.browser import open_page, shoot
from tests.support.chat import Chat, open_family, today
from tests.support.console import make_staff
from tests.support.factories import make_agency

pytestmark = pytest.mark.slow  # a real browser: make check runs it, make test leaves it out


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_supervisor_checks_the_diary_and_the_flags(app: Flask, live_server: str, browser: Any, session,
                                                      size: str) -> None:
    agency, key = make_agency(session, "宁波甬城家政")
    make_staff(app, agency.id, "boss", "admin")
    api = app.test_client()
    family = open_family(app, api, agency=(agency.id, key))
    with app.extensions["anxin_db"].new_session() as db, db.begin():
        from bot.diary.phones import set_family_phones
        from bot.models import Engagement

        set_family_phones(db.get(Engagement, family.engagement_id), ["13912345678"], True, "staff:1",
                          app.extensions["anxin_cipher"], dt.datetime.now(dt.UTC))
    chat = Chat(api)
    chat.say("o-boss", f"绑定 {supervisor_code(api, key)}")
    chat.say("o-nurse", f"绑定 {family.nurse_code}")
    chat.say("o-parent", f"绑定 {family.family_code}")
    chat.say("o-nurse", "喂奶 配方奶 110ml")
    chat.say("o-nurse", "体温 38.6")
    chat.say("o-nurse", "撤销")  # the urgent fever's entry withdrawn: the flag must not vanish
    chat.say("o-nurse", "体温 38.4")
    chat.say("o-parent", "收到")
    chat.say("o-parent", "评分 4 很细心")

    page = open_page(browser, size)
    sign_in(page, live_server, "boss")
    figures = page.inner_text("#figures")
    assert "服务中的上户" in figures and page.inner_text("#fig-active strong") == "1"
    urgent = int(page.inner_text("#fig-urgent strong"))
    assert urgent >= 2 and "待处理的紧急提醒" in figures
    assert page.inner_text("#fig-rating strong") == "4.0" and "已过期的核验" in figures
    assert "已撤销" in page.inner_text("#flags")  # the withdrawn urgent flag still waits on the dashboard
    shoot(page, f"dashboard-figures-{size}")

    page.goto(f"{live_server}/console/flags")
    assert page.locator("article.flag.urgent").count() == urgent  # the figure is the queue's
    withdrawn = page.locator("article.flag.withdrawn").first
    assert page.locator("article.flag.withdrawn").count() >= 1
    text = withdrawn.inner_text()
    assert "已撤销" in text and "月嫂 伍秀芳 于" in text and "139****5678" in text
    other = page.locator("article.flag.urgent:not(.withdrawn)").first.inner_text()
    assert "家人已确认" in other and "伍秀芳" in other
    withdrawn.locator("button:has-text('显示完整号码')").click()
    assert page.locator("article.flag.withdrawn a[href='tel:13912345678']").first.is_visible()
    shoot(page, f"flags-withdrawn-{size}")

    page.locator("article.flag.withdrawn").first.locator("text=看当天日记").click()
    assert "共 2 条记录" in page.inner_text("#day")  # the feed and the second reading; the withdrawn one is gone
    entries = page.locator("#entries li.entry")
    assert entries.count() == 2 and "110ml" in entries.nth(0).inner_text()
    assert "urgent" in (entries.nth(1).get_attribute("class") or "")
    entries.nth(0).locator("summary").click()
    assert entries.nth(0).locator("details p").inner_text() == "喂奶 配方奶 110ml"
    assert "★★★★☆" in page.inner_text("#ratings") and "很细心" in page.inner_text("#ratings")
    assert "已撤销" in page.inner_text("#day-flags")
    shoot(page, f"diary-day-{size}")
    page.click("text=‹ 前一天")
    assert (today() - dt.timedelta(days=1)).isoformat() in page.inner_text("#day")
    assert "这一天没有记录" in page.inner_text("#entries")

    page.goto(f"{live_server}/console/engagements/new")
    assert page.inner_text("h1") == "新建上户" and page.locator("#worker-options option").count() == 1
    page.fill("input[name=worker]", "伍秀芳")
    page.fill("input[name=ends_on]", (today() + dt.timedelta(days=26)).isoformat())
    page.fill("input[name=family_name]", "陈家")
    shoot(page, f"engagement-new-{size}")
    page.click("button:has-text('上户并生成绑定码')")
    assert "已上户：陈家" in page.inner_text("main")

    page.goto(f"{live_server}/console/engagements")
    page.fill("input[name=from]", today().isoformat())
    page.fill("input[name=to]", today().isoformat())
    page.click("form.filters button:has-text('查找')")
    assert "陈家" in page.inner_text("table.list") and "王家" in page.inner_text("table.list")
    assert page.locator("a:has-text('导出 Excel')").is_visible()
    shoot(page, f"engagements-filtered-{size}")

    page.goto(f"{live_server}/console/workers/import")
    with page.expect_download() as download:
        page.click("text=下载导入模板")
    assert download.value.suggested_filename == "服务员导入模板.xlsx"
