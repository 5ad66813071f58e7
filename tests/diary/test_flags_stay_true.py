"""Flags stay true: a withdrawn or corrected entry takes its flag back everywhere it was shown or sent."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from bot.delivery.notify import delivery
from bot.models import DiaryFlag, Notification
from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import MOM, NURSE, TZ, Chat, Family


@pytest.fixture
def family(family: Family, chat: Chat) -> Family:
    """The shared family; the mother wrote, so customer-service messages reach her (the 48-hour window)."""
    chat.say(MOM, "今天")
    return family


def test_a_fever_sent_and_then_withdrawn_is_corrected_once(app: Flask, chat: Chat, family: Family,
                                                          wechat_fake: WeChatApiFake, session) -> None:
    reply = chat.say(NURSE, "体温 38.5")
    assert "38.5" in reply
    background.join_all()
    [alert] = wechat_fake.messages_to(MOM)
    assert "38.5" in alert["text"]["content"]
    assert "已撤销" in chat.say(NURSE, "撤销")  # a typo: it was 36.5
    background.join_all()
    delivery(app)()
    sent = wechat_fake.messages_to(MOM)
    assert len(sent) == 2
    assert sent[1]["text"]["content"].startswith("【更正】") and "已撤销" in sent[1]["text"]["content"]
    assert "38.5" in sent[1]["text"]["content"]
    session.rollback()
    assert session.scalars(select(DiaryFlag)).one().cleared_at is not None
    assert "38.5" not in chat.say(MOM, "今天").split("小结")[-1]  # the day view shows no warning any more
    delivery(app)()
    assert len(wechat_fake.messages_to(MOM)) == 2  # the correction went once


def test_a_fever_withdrawn_before_it_was_sent_is_never_sent(app: Flask, chat: Chat, family: Family,
                                                           wechat_fake: WeChatApiFake, session) -> None:
    wechat_fake.fail_next("/cgi-bin/message/custom/send", status=503, times=5)  # WeChat is down for now
    chat.say(NURSE, "体温 38.6")
    background.join_all()
    assert wechat_fake.messages_to(MOM) == []
    chat.say(NURSE, "撤销")
    background.join_all()
    session.rollback()
    notes = session.scalars(select(Notification).where(Notification.kind.in_(("flag", "correction")))).all()
    assert {n.status for n in notes if n.kind == "flag"} == {"cancelled"}
    assert not [n for n in notes if n.kind == "correction"]  # nothing to correct: nobody was told
    later = dt.datetime.now(TZ) + dt.timedelta(hours=2)
    from bot.delivery.notify import send_pending
    from bot.delivery.wechat_api import get_api

    send_pending(app.extensions["anxin_db"].session_factory, get_api(app), app.config, now=later)
    assert wechat_fake.messages_to(MOM) == []


def test_a_back_filled_feed_clears_the_gap_it_fills(chat: Chat, family: Family, morning: dt.datetime,
                                                    session) -> None:
    now = morning  # the lines below are times earlier that day
    first, last = (now - dt.timedelta(hours=7)), (now - dt.timedelta(hours=1))
    chat.say(NURSE, f"{first:%H:%M} 喂奶 90ml")
    chat.say(NURSE, f"{last:%H:%M} 喂奶 90ml")
    session.rollback()
    gaps = session.scalars(select(DiaryFlag).where(DiaryFlag.rule == "feed_gap")).all()
    assert [g.cleared_at for g in gaps] == [None]
    middle = now - dt.timedelta(hours=4)
    chat.say(NURSE, f"{middle:%H:%M} 喂奶 60ml")  # written late: the feed in between
    session.rollback()
    gap = session.scalars(select(DiaryFlag).where(DiaryFlag.rule == "feed_gap")).all()
    assert all(g.cleared_at is not None for g in gap if g.key == gaps[0].key)


def test_outside_the_48_hours_the_correction_is_a_card_wechat_shows(app: Flask, chat: Chat, family: Family,
                                                                   wechat_fake: WeChatApiFake, session) -> None:
    from sqlalchemy import update

    from bot.models import ChatUser, InboundMessage

    app.config["ANXIN_TEMPLATE_FLAG"] = "tpl-flag"
    three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    with app.extensions["anxin_db"].new_session() as s, s.begin():  # the mother last wrote three days ago
        s.execute(update(ChatUser).where(ChatUser.openid == MOM).values(last_message_at=three_days_ago))
        s.execute(update(InboundMessage).where(InboundMessage.openid == MOM).values(received_at=three_days_ago))
    chat.say(NURSE, "体温 38.5")
    background.join_all()
    [alert] = wechat_fake.templates_to(MOM)
    assert "38.5" in alert["data"]["thing1"]["value"]
    chat.say(NURSE, "撤销")
    background.join_all()
    delivery(app)()
    alert, correction = wechat_fake.templates_to(MOM)
    fields = {key: value["value"] for key, value in correction["data"].items()}
    assert fields["thing1"].startswith("更正") and fields["phrase2"] == "已撤销"
    assert all(len(v) <= 20 and "\n" not in v for v in fields.values())  # what WeChat shows in full
    assert "/d/" in correction["url"]  # the day page, where the warning is gone
