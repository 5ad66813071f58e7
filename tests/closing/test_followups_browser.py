"""The 回访 page in a real browser (Chromium via Playwright), at desktop and phone sizes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from tests.console.test_browser import sign_in
from tests.support.browser import open_page, shoot
from tests.support.chat import MOM, Chat, Family, today
from tests.support.closing import end_engagement
from tests.support.console import make_staff

pytestmark = pytest.mark.slow  # a real browser: make check runs it, make test leaves it out


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_supervisor_follows_up_an_ended_engagement(app: Flask, live_server: str, browser: Any, family: Family,
                                                     chat: Chat, size: str) -> None:
    ended = today() - dt.timedelta(days=1)
    end_engagement(app, family.engagement_id, ended)
    assert "谢谢您的评价" in chat.say(MOM, "评价 5 5 4 5 很细心，谢谢")
    make_staff(app, family.agency_id, "lin", "supervisor")
    page = open_page(browser, size)
    sign_in(page, live_server, "lin")

    page.click("nav >> text=回访")
    card = page.locator(f"#followup-{family.engagement_id}")
    assert "王家" in card.inner_text() and f"{ended} 下户" in card.inner_text()
    rows = {r.get_attribute("data-dimension"): r.inner_text().split() for r in card.locator("table.evaluation tr").all()}
    assert rows == {"attitude": ["服务态度", "★★★★★", "5.0"], "skill": ["专业技能", "★★★★★", "5.0"],
                    "hygiene": ["卫生清洁", "★★★★☆", "4.0"], "communication": ["沟通交流", "★★★★★", "5.0"]}
    assert "“很细心，谢谢”" in card.locator("ul.comments").inner_text()
    assert card.locator("form.schedule").is_visible() and card.locator("form.record").is_visible()
    shoot(page, f"followups-due-{size}")

    planned = today() + dt.timedelta(days=3)
    card.locator("input[name=scheduled_for]").fill(planned.isoformat())
    card.locator("form.schedule button").click()
    page.wait_for_url("**/console/followups?state=scheduled")
    assert f"已安排回访：{planned}" in page.inner_text("p.notice")
    card = page.locator(f"#followup-{family.engagement_id}")
    assert f"{planned} 回访" in card.locator("h2 .tag").inner_text()
    shoot(page, f"followups-scheduled-{size}")

    card.locator("textarea[name=outcome]").fill("电话回访妈妈：宝宝吃睡都好，对月嫂很满意")
    card.locator("select[name=satisfaction]").select_option(label="非常满意")
    card.locator("form.record button").click()
    page.wait_for_url("**/console/followups?state=done")
    done = page.locator(f"#followup-{family.engagement_id}")
    assert "已回访" in done.locator(".visit-done").inner_text() and "家人非常满意" in done.inner_text()
    assert "对月嫂很满意" in done.locator("blockquote").inner_text()
    assert done.locator("form").count() == 0
    shoot(page, f"followups-done-{size}")

    page.click(f"#followup-{family.engagement_id} h2 a")
    assert "家人非常满意" in page.inner_text("#followup")
    shoot(page, f"engagement-followup-{size}")
