"""The channel plan against the strict fake: WeChat's 2023 quota, closed windows, unfollowed users, no grant."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from bot.core.clock import utcnow
from bot.delivery.notify import send_pending
from bot.delivery.wechat_api import get_api
from bot.models import DeliveryAttempt, Notification
from bot.outbox.queue import enqueue
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.diary import user_wrote

PARENT = "o-parent"


def deliver(app: Flask, limit: int = 200) -> dict[str, int]:
    return send_pending(app.extensions["anxin_db"].session_factory, get_api(app), app.config, limit=limit)


def queue(app: Flask, kind: str, *texts: str, openid: str = PARENT, wrote: dt.timedelta | None = None) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        if wrote is not None:
            user_wrote(s, openid, utcnow() - wrote)
        for n, text in enumerate(texts):
            enqueue(s, key=f"{kind}-{n}:{openid}:{text}", openid=openid, kind=kind, text=text)


def rows(app: Flask) -> dict[str, tuple[str, str | None, str | None]]:
    """Each notification's text: (status, channel, plan)."""
    with app.extensions["anxin_db"].reader_session() as s:
        return {n.text: (n.status, n.channel, n.plan) for n in s.scalars(select(Notification))}


def attempts(app: Flask) -> list[tuple[str, str, str | None]]:
    with app.extensions["anxin_db"].reader_session() as s:
        return [(a.channel, a.outcome, a.detail) for a in s.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id))]


def test_seven_urgent_signs_five_by_customer_service_two_by_template_at_once(app: Flask,
                                                                            wechat_fake: WeChatApiFake) -> None:
    signs = [f"紧急{n}：体温38.{n}℃" for n in range(7)]
    queue(app, "flag", *signs, wrote=dt.timedelta(hours=1))
    assert deliver(app) == {"sent": 7, "retry": 0, "failed": 0}  # all in one run: nothing waits for a back-off
    assert [m["text"]["content"] for m in wechat_fake.messages_to(PARENT)] == signs[:5]
    assert len(wechat_fake.templates_to(PARENT)) == 2
    # Our own count stopped at 5: WeChat never had to answer 45047.
    assert all(c.body.get("_accepted") for c in wechat_fake.calls_to("/cgi-bin/message/custom/send"))
    assert [channel for _, channel, _ in rows(app).values()].count("template") == 2


def test_a_45047_moves_the_notification_to_the_template_at_once(app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, "flag", "宝宝体温38.6℃", wrote=dt.timedelta(hours=2))
    wechat_fake.state.custom_sent[PARENT] = 5  # WeChat counted messages we did not (sent from its console)
    assert deliver(app) == {"sent": 1, "retry": 0, "failed": 0}
    assert wechat_fake.messages_to(PARENT) == []
    [card] = wechat_fake.templates_to(PARENT)
    assert card["data"]["thing1"]["value"] == "宝宝体温38.6℃"
    assert rows(app)["宝宝体温38.6℃"] == ("sent", "template", "custom,template")
    assert [(c, o) for c, o, _ in attempts(app)] == [("custom", "refused"), ("template", "sent")]
    queue(app, "flag", "第二条", wrote=None)  # WeChat's 45047 is remembered: no second try of custom
    deliver(app)
    assert len(wechat_fake.calls_to("/cgi-bin/message/custom/send")) == 1


def test_a_window_wechat_calls_closed_falls_back_to_the_template(app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, "flag", "发烧", wrote=dt.timedelta(hours=3))  # our records: the parent wrote 3 hours ago
    wechat_fake.close_window(PARENT)  # WeChat: 45015
    assert deliver(app) == {"sent": 1, "retry": 0, "failed": 0}
    assert len(wechat_fake.templates_to(PARENT)) == 1
    assert attempts(app)[0][:2] == ("custom", "refused") and "45015" in (attempts(app)[0][2] or "")


def test_an_unfollowed_parent_is_refused_on_every_channel_and_given_up(app: Flask,
                                                                      wechat_fake: WeChatApiFake) -> None:
    queue(app, "flag", "发烧", wrote=dt.timedelta(hours=3))
    wechat_fake.state.unsubscribed.add(PARENT)
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 1}
    assert [(c, o) for c, o, _ in attempts(app)] == [("custom", "refused"), ("template", "refused")]
    status, channel, plan = rows(app)["发烧"]
    assert (status, channel, plan) == ("failed", None, "custom,template")


def test_a_mini_program_user_without_a_grant_is_not_sent_and_it_is_kept(app: Flask,
                                                                       wechat_fake: WeChatApiFake) -> None:
    app.config["ANXIN_MP_TEMPLATE_FLAG"] = "mp-flag"
    queue(app, "flag", "发烧", openid="o-mp-only")
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 1}
    assert wechat_fake.calls_to("/cgi-bin/message/subscribe/send") == []
    [(channel, outcome, detail)] = attempts(app)
    assert (channel, outcome) == ("subscribe", "refused") and "grant" in (detail or "")


def test_digests_and_reminders_leave_the_customer_service_quota_to_urgent_flags(
        app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, "digest", "小结一", "小结二", "小结三", wrote=dt.timedelta(hours=1))
    queue(app, "reminder", "记录提醒")
    assert deliver(app)["sent"] == 4
    assert len(wechat_fake.messages_to(PARENT)) == 2  # two of five; the rest by template
    assert len(wechat_fake.templates_to(PARENT)) == 2
    queue(app, "flag", "紧急一", "紧急二", "紧急三")
    assert deliver(app)["sent"] == 3
    assert [m["text"]["content"] for m in wechat_fake.messages_to(PARENT)][2:] == ["紧急一", "紧急二", "紧急三"]


def test_urgent_flags_are_sent_before_what_was_queued_earlier(app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, "digest", "小结", wrote=dt.timedelta(hours=1))
    queue(app, "flag", "紧急")
    deliver(app, limit=1)
    assert [m["text"]["content"] for m in wechat_fake.messages_to(PARENT)] == ["紧急"]


def test_without_a_template_a_spent_quota_waits_for_the_parent_to_write_again(app: Flask,
                                                                             wechat_fake: WeChatApiFake) -> None:
    app.config.update(ANXIN_WECHAT_TEMPLATE_ID=None, ANXIN_TEMPLATE_FLAG=None)
    queue(app, "flag", *[f"紧急{n}" for n in range(6)], wrote=dt.timedelta(hours=1))
    assert deliver(app) == {"sent": 5, "retry": 1, "failed": 0}  # the sixth is kept, not given up
    assert rows(app)["紧急5"][0] == "pending"
