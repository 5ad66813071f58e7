"""The ``/d/`` page's entries in a real browser (issue 33): each entry once, as understood; the nurse's own line
behind 原文, once a line; no flag meant for the agency alone; at desktop and phone sizes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from bot.outbox import daylinks
from tests.chat.test_family_reads import TWO_ENTRY_LINES, write_day
from tests.support.browser import open_page, shoot
from tests.support.chat import MOM, Chat, Family, yesterday_at

pytestmark = pytest.mark.slow  # a real browser: make check runs it, make test leaves it out


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_day_page_lists_entries_as_understood_with_the_nurses_words_on_demand(
        app: Flask, live_server: str, browser: Any, chat: Chat, family: Family, size: str) -> None:
    write_day(chat)
    token = daylinks.sign(app.config["ANXIN_SECRET_KEY"], family.engagement_id, yesterday_at(21).date(), MOM)
    page = open_page(browser, size)
    page.goto(f"{live_server}/d/{token}")
    entries = page.locator("#entries li")
    assert entries.count() == 20
    seen = page.inner_text("#entries")
    assert "全部记录（20 条）" in seen
    assert "母乳 左侧 15分钟" in seen and "换尿布 小便" in seen and "体温 37.0℃" in seen and "配方奶 90ml" in seen
    # The nurse's lines are folded away: shown only when the parent opens 原文, and each line once.
    for typed in TWO_ENTRY_LINES:
        assert typed not in seen
    originals = page.locator("#entries details.original")
    # Sixteen lines (one message was two sentences with a time each), one a note that is the nurse's own words.
    assert originals.count() == 15
    first = entries.nth(0)
    first.locator("summary").click()
    assert "亲喂左侧15分钟 换尿布 小便" in first.inner_text()
    assert "亲喂左侧15分钟" not in entries.nth(1).inner_text()  # the line's second entry does not repeat it
    # The safety net's flag is the agency's: the family reads the note, not "需人工确认".
    body = page.inner_text("body")
    assert "宝宝肚子上有几个出血点" in body and "督导" not in body and "人工确认" not in body
    assert page.locator("#flags .flag").count() == 1
    shoot(page, f"day-entries-{size}", "web")
