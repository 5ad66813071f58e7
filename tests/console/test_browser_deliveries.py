"""The deliveries page and the dashboard's unreached urgent flags in a real browser (Chromium via Playwright)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from bot.jobs import run_job
from tests.console.test_browser import sign_in
from tests.fakes.wechat_api import WeChatApiFake
from tests.jobs.test_sms_escalation import MOM_PHONE, fever, with_phones
from tests.support.browser import shoot
from tests.support.chat import Family
from tests.support.console import make_staff
from tests.support.diary import MOM

pytestmark = pytest.mark.slow  # a real browser: make check runs it, make test leaves it out


def test_a_supervisor_sees_what_reached_whom(app: Flask, live_server: str, browser: Any, family: Family,
                                             wechat_fake: WeChatApiFake) -> None:
    wechat_fake.state.unsubscribed.add(MOM)
    with_phones(app, family, MOM_PHONE)
    app.config["ANXIN_TENCENTCLOUD_SECRET_KEY"] = "a-revoked-key"
    fever(app, family)
    run_job(app, "deliver")
    run_job(app, "deliver")
    make_staff(app, family.agency_id, "boss", "admin")
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    sign_in(page, live_server, "boss")
    card = page.inner_text("#unreached")
    assert "5分钟内未送达家人的紧急提醒" in card and "短信被拒" in card
    shoot(page, "dashboard-unreached")
    page.click("nav >> text=送达情况")
    page.click("text=最近7天")
    rows = {row.get_attribute("data-channel"): row.inner_text() for row in page.query_selector_all("#channels tbody tr")}
    assert set(rows) == {"custom", "template", "subscribe", "sms"}
    assert rows["sms"].split() == ["短信", "0", "1", "0", "0"]
    assert rows["custom"].split() == ["客服消息", "0", "1", "0", "0"]
    shoot(page, "deliveries")
