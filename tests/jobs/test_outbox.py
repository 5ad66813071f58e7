"""The outbox against the loopback WeChat fake: sent once, retried until WeChat takes it."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Flask
from sqlalchemy import select

from bot.core.clock import utcnow
from bot.delivery.notify import send_pending
from bot.delivery.wechat_api import get_api
from bot.models import ChatUser, Notification
from bot.outbox.queue import enqueue
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.diary import user_wrote


def queue(app: Flask, *pairs: tuple[str, str], kind: str = "digest") -> None:
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        for openid, text in pairs:
            if session.scalar(select(ChatUser).where(ChatUser.openid == openid)) is None:
                user_wrote(session, openid, utcnow() - dt.timedelta(hours=1))
            enqueue(session, key=f"{kind}:{openid}:2026-11-20", openid=openid, kind=kind, text=text)


def deliver(app: Flask, now: dt.datetime | None = None) -> dict[str, int]:
    return send_pending(app.extensions["anxin_db"].session_factory, get_api(app), app.config, now=now)


def test_enqueue_is_idempotent_by_key(app: Flask, session) -> None:
    queue(app, ("o-p1", "今日小结"))
    queue(app, ("o-p1", "今日小结（重复）"))
    notes = session.scalars(select(Notification)).all()
    assert [n.text for n in notes] == ["今日小结"]


def test_each_notification_reaches_its_user_once(app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, ("o-p1", "今日小结：喂奶8次"), ("o-p2", "今日小结：喂奶9次"))
    assert deliver(app) == {"sent": 2, "retry": 0, "failed": 0}
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}
    assert [m["text"]["content"] for m in wechat_fake.messages_to("o-p1")] == ["今日小结：喂奶8次"]
    assert [m["text"]["content"] for m in wechat_fake.messages_to("o-p2")] == ["今日小结：喂奶9次"]


def test_a_run_for_another_time_in_threads_sends_each_notification_once(app: Flask, wechat_fake: WeChatApiFake
                                                                       ) -> None:
    """A run whose clock is not the wall clock (a catch-up, bench.cluster's evening digest) claims in small
    batches in four threads: no thread takes another's fresh claim for a stale one."""
    parents = [f"o-p{i}" for i in range(12)]
    queue(app, *((p, f"今日小结 {p}") for p in parents))
    counts = send_pending(app.extensions["anxin_db"].session_factory, get_api(app), app.config,
                          now=utcnow() + dt.timedelta(days=1), limit=2, workers=4, drain=True)
    assert counts == {"sent": 12, "retry": 0, "failed": 0}
    assert [len(wechat_fake.messages_to(p)) for p in parents] == [1] * 12


def test_a_refused_send_is_retried_after_back_off(app: Flask, wechat_fake: WeChatApiFake, session) -> None:
    queue(app, ("o-p1", "今日小结"))
    wechat_fake.fail_next("/cgi-bin/message/custom/send", errcode=-1)  # 系统繁忙
    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    later = utcnow() + dt.timedelta(minutes=2)
    assert deliver(app, now=later) == {"sent": 1, "retry": 0, "failed": 0}
    assert len(wechat_fake.messages_to("o-p1")) == 1
    note = session.scalars(select(Notification)).one()
    assert note.status == "sent" and note.attempts == 2 and note.channel == "custom"


def test_http_errors_and_timeouts_are_retried(app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, ("o-p1", "甲"), ("o-p2", "乙"))
    get_api(app).access_token  # noqa: B018
    wechat_fake.fail_next("/cgi-bin/message/custom/send", status=502)
    wechat_fake.fail_next("/cgi-bin/message/custom/send", delay=app.config["ANXIN_WECHAT_TIMEOUT"] + 0.5)
    assert deliver(app) == {"sent": 0, "retry": 2, "failed": 0}
    assert deliver(app, now=utcnow() + dt.timedelta(minutes=5)) == {"sent": 2, "retry": 0, "failed": 0}
    # The timed-out call may have reached WeChat: that is WeChat's copy, ours was sent once after.
    assert [m["text"]["content"] for m in wechat_fake.messages_to("o-p2")][-1] == "乙"


def test_outside_the_48_hour_window_a_template_message_is_sent(app: Flask, wechat_fake: WeChatApiFake) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        user_wrote(s, "o-quiet", utcnow() - dt.timedelta(hours=49))
        enqueue(s, key="digest:o-quiet:2026-11-20", openid="o-quiet", kind="digest", text="宝宝今日小结\n喂奶8次，共720ml")
    assert deliver(app)["sent"] == 1
    assert wechat_fake.messages_to("o-quiet") == []
    [sent] = wechat_fake.templates_to("o-quiet")
    assert sent["template_id"] == app.config["ANXIN_TEMPLATE_DIGEST"]
    # A row queued without a card still shows something in the fields WeChat displays (never first/remark).
    assert {k: v["value"] for k, v in sent["data"].items() if k != "time3"} == {
        "thing1": "宝宝今日小结", "phrase2": "今日小结", "thing4": "今日月子日记"}


def test_without_a_template_a_quiet_user_waits_and_nothing_is_lost(app_settings: dict[str, Any],
                                                                   wechat_fake: WeChatApiFake) -> None:
    from bot import create_app

    app = create_app({**app_settings, "ANXIN_WECHAT_TEMPLATE_ID": None, "ANXIN_TEMPLATE_FLAG": None})
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        user_wrote(s, "o-quiet", utcnow() - dt.timedelta(days=3))
        enqueue(s, key="flag:1:o-quiet", openid="o-quiet", kind="flag", text="体温偏高，建议留意")
    assert deliver(app) == {"sent": 0, "retry": 1, "failed": 0}
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        user_wrote(s, "o-quiet", utcnow())  # the parent writes again
    assert deliver(app, now=utcnow() + dt.timedelta(minutes=2)) == {"sent": 1, "retry": 0, "failed": 0}
    assert [m["text"]["content"] for m in wechat_fake.messages_to("o-quiet")] == ["体温偏高，建议留意"]
    app.extensions["anxin_db"].engine.dispose()


def test_two_senders_racing_send_each_notification_once(app: Flask, wechat_fake: WeChatApiFake) -> None:
    queue(app, *[(f"o-p{i}", f"小结{i}") for i in range(30)])
    wechat_fake.fail_next("/cgi-bin/message/custom/send", delay=0.05, times=30)  # slow sends widen the race
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        results.append(deliver(app))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["sent"] for r in results) == 30
    for i in range(30):
        assert [m["text"]["content"] for m in wechat_fake.messages_to(f"o-p{i}")] == [f"小结{i}"]


def test_a_notification_that_keeps_failing_is_given_up_and_kept(app: Flask, wechat_fake: WeChatApiFake, session) -> None:
    queue(app, ("o-p1", "今日小结"))
    wechat_fake.fail_next("/cgi-bin/message/custom/send", errcode=-1, times=20)
    now = utcnow()
    outcomes = []
    for _ in range(8):
        outcomes.append(deliver(app, now=now))
        now += dt.timedelta(hours=2)
    assert outcomes[-1] == {"sent": 0, "retry": 0, "failed": 1}
    note = session.scalars(select(Notification)).one()
    assert note.status == "failed" and "fake error -1" in (note.last_error or "")


def test_a_claim_taken_over_by_another_sender_is_not_sent_again(app: Flask, wechat_fake: WeChatApiFake,
                                                                 session) -> None:
    from bot.delivery.notify import _claim, _failed, _renew

    queue(app, ("o-p1", "今日小结"))
    factory = app.extensions["anxin_db"].session_factory
    start = utcnow()
    [(note_id, attempts)] = _claim(factory, start, 10)  # sender A claims the row, then stalls for 11 minutes
    assert deliver(app, now=start + dt.timedelta(minutes=11))["sent"] == 1  # sender B takes the stale claim over
    assert not _renew(factory, note_id, attempts)  # A finds it is no longer its row ...
    assert _failed(factory, note_id, attempts, "timed out", start) == "retry"  # ... and its failure changes nothing
    assert session.get(Notification, note_id).status == "sent"
    assert deliver(app, now=start + dt.timedelta(hours=2)) == {"sent": 0, "retry": 0, "failed": 0}
    assert len(wechat_fake.messages_to("o-p1")) == 1


def test_a_late_nudge_is_dropped_not_sent(app: Flask, wechat_fake: WeChatApiFake, session) -> None:
    queue(app, ("o-nurse", "已经4小时没有记录了"), kind="reminder")
    wechat_fake.fail_next("/cgi-bin/message/custom/send", errcode=-1)
    assert deliver(app)["retry"] == 1
    assert deliver(app, now=utcnow() + dt.timedelta(minutes=40)) == {"sent": 0, "retry": 0, "failed": 1}
    assert wechat_fake.messages_to("o-nurse") == []
    assert "no longer worth sending" in session.scalars(select(Notification)).one().last_error


def test_template_messages_carry_the_local_date(app: Flask, wechat_fake: WeChatApiFake) -> None:
    late_evening_utc = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)  # 01:30 on 11-23 in Asia/Shanghai
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        user_wrote(s, "o-quiet", late_evening_utc - dt.timedelta(days=3))
        enqueue(s, key="flag:7:o-quiet", openid="o-quiet", kind="flag", text="体温偏高\n建议留意", now=late_evening_utc)
    assert deliver(app, now=late_evening_utc)["sent"] == 1
    [sent] = wechat_fake.templates_to("o-quiet")
    assert sent["data"]["time3"]["value"] == "2026年11月23日 01:30"


def test_a_user_of_the_mini_program_only_is_not_sent_through_the_official_account(app: Flask,
                                                                                   wechat_fake: WeChatApiFake,
                                                                                   session) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        enqueue(s, key="flag:3:o-mp-only", openid="o-mp-only", kind="flag", text="体温偏高")
    assert deliver(app) == {"sent": 0, "retry": 0, "failed": 1}  # at once, not after eight refusals
    assert wechat_fake.calls_to("/cgi-bin/message/custom/send") == []
    assert wechat_fake.calls_to("/cgi-bin/message/subscribe/send") == []  # no grant: not even tried
    assert "未订阅" in session.scalars(select(Notification)).one().last_error


def test_deliver_holds_a_short_lease(app: Flask) -> None:
    from bot.jobs import JOBS

    assert JOBS["deliver"].lease == dt.timedelta(minutes=3)  # a crashed sender holds flags up minutes, not half an hour
    assert JOBS["digest"].lease == dt.timedelta(minutes=30)
