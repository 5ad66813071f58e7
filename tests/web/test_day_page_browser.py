"""``/d/TOKEN`` in a real browser at desktop and phone sizes (issue 33.3, 33.5, 33.9): walk to the day before,
rate the day, see the growth chart and the nurse's name; screenshots kept under the artifacts' ``web`` folder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.outbox import daylinks
from tests.support.browser import open_page, shoot
from tests.support.chat import today
from tests.support.diary import MOM, bound_family, local, write

YESTERDAY = today() - dt.timedelta(days=1)
FIRST = today() - dt.timedelta(days=2)


@pytest.mark.slow  # a real browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_mother_walks_the_days_rates_and_sees_growth(app: Flask, client: FlaskClient, live_server: str,
                                                       browser: Any, size: str) -> None:
    family = bound_family(app, client)
    write(app, family, "8:00 喂奶 60ml\n9:00 体重 3250g\n9:05 身长 50cm\n9:10 头围 34.3cm", local(12, day=FIRST))
    write(app, family, "7:30 配方奶 90ml\n9:00 体重 3300g\n10:00 换尿布 大便 黄色", local(12, day=YESTERDAY))
    token = daylinks.sign(app.config["ANXIN_SECRET_KEY"], family.engagement_id, YESTERDAY, MOM)
    page = open_page(browser, size)
    page.goto(f"{live_server}/d/{token}")

    # The nurse by her name, to her own family.
    assert page.locator("#nurse").inner_text() == "月嫂 伍秀芳 · " + page.locator("#nurse").inner_text().split(" · ")[1]
    assert "伍秀芳" in page.locator("#nurse").inner_text()
    # Growth against the WHO standard: three charts, on screen and within the page's width.
    charts = page.locator("#growth svg.growth-chart")
    assert charts.count() == 3
    box = charts.first.bounding_box()
    assert box is not None and 250 < box["width"] <= (560 if size == "desktop" else 390)
    assert "3.30 kg" in page.locator("#growth").inner_text() and "性别未登记" in page.locator("#growth").inner_text()
    assert charts.first.locator("circle").count() == 3  # birth weight, then the two the nurse measured
    shoot(page, f"day-{size}-growth", "web")

    # The day before.
    page.click("#previous-day")
    assert FIRST.isoformat() in page.locator("#date").inner_text()
    assert "喂奶 60ml" in page.locator("#entries").inner_text()
    assert "配方奶 90ml" not in page.locator("#entries").inner_text()
    assert page.locator("#previous-day").count() == 0 and "已是第一天" in page.locator(".daynav").inner_text()
    shoot(page, f"day-{size}-previous", "web")

    # Rate that day from the page: four stars and a word.
    page.locator("label[for=star-4]").click()
    page.fill("textarea[name=comment]", "第一天就很细心")
    page.click("#rate-form button[type=submit]")
    page.wait_for_selector("#rated")
    ratings = page.locator("#ratings").inner_text()
    assert "★★★★☆" in ratings and "第一天就很细心" in ratings and "（我）" in ratings and "已收到您的评分" in ratings
    assert page.locator("#star-4").is_checked()  # the form shows her own rating, to change it
    shoot(page, f"day-{size}-rated", "web")

    # Submitting without stars says why, in Chinese, and keeps what she wrote.
    page.click("#next-day")
    assert YESTERDAY.isoformat() in page.locator("#date").inner_text()
    page.fill("textarea[name=comment]", "还没选星")
    page.click("#rate-form button[type=submit]")
    assert "请选择 1 到 5 星" in page.locator("#rate-error").inner_text()
    assert page.locator("textarea[name=comment]").input_value() == "还没选星"
    shoot(page, f"day-{size}-rate-error", "web")
    page.context.close()
