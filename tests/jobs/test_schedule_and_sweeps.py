"""The schedule in local time, the credit job, and the sweeps (photos left pending, old rate counters)."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.jobs import JOBS, build_scheduler, run_job
from bot.models import DiaryPhoto, RateCounter
from bot.store import background
from tests.fakes.wechat_api import PNG_1X1, WeChatApiFake
from tests.support.agency import TODAY, add_worker, auth, new_agency, publish, verify
from tests.support.chat import Chat
from tests.support.diary import NURSE, bound_family, texts_to


def test_every_job_is_on_its_schedule_in_local_time(app: Flask) -> None:
    tz = ZoneInfo(app.config["ANXIN_TIMEZONE"])
    jobs = {j.id: j for j in build_scheduler(app, background=True).get_jobs()}
    assert set(jobs) == set(JOBS) == {"deliver", "digest", "reminders", "expiry", "credit", "photos", "purge", "escalate",
                                         "voices", "evaluation"}
    noon = dt.datetime(2026, 11, 20, 12, 0, tzinfo=tz)

    def next_fire(name: str) -> dt.datetime:
        fire: dt.datetime = jobs[name].trigger.get_next_fire_time(None, noon)
        return fire

    assert next_fire("digest") == dt.datetime(2026, 11, 20, 21, 30, tzinfo=tz)
    assert next_fire("expiry") == dt.datetime(2026, 11, 21, 8, 0, tzinfo=tz)
    assert next_fire("credit") == dt.datetime(2026, 11, 21, 3, 0, tzinfo=tz)
    assert next_fire("purge") == dt.datetime(2026, 11, 21, 4, 10, tzinfo=tz)
    assert next_fire("evaluation") == dt.datetime(2026, 11, 21, 10, 0, tzinfo=tz)
    assert str(jobs["digest"].trigger.timezone) == app.config["ANXIN_TIMEZONE"]
    assert "interval[0:30:00]" in str(jobs["reminders"].trigger)
    assert "interval[0:05:00]" in str(jobs["photos"].trigger)
    assert "interval[0:01:00]" in str(jobs["deliver"].trigger)
    assert "interval[0:01:00]" in str(jobs["voices"].trigger)


def test_the_credit_job_stores_every_grade(app: Flask, client: FlaskClient) -> None:
    _, key = new_agency(app, "宁波甬城家政")
    verified = add_worker(client, key, name="伍秀芳")
    publish(client, key, verified)
    unverified = add_worker(client, key, name="李桂兰")

    def grade(worker_id: int) -> int | None:
        found: int | None = client.get(f"/admin/v1/workers/{worker_id}", headers=auth(key)).get_json()["credit"]["grade"]
        return found

    assert grade(verified) is None and grade(unverified) is None  # never computed yet
    first = run_job(app, "credit")
    assert first.detail == {"workers": 2, "changed": 2}
    # docs/lookup.md: 40 + 6 × 6 valid checks = 76 → 4 stars; 40 with none → 2 stars.
    assert (grade(verified), grade(unverified)) == (4, 2)
    assert run_job(app, "credit").detail == {"workers": 2, "changed": 0}

    # Health certificate and insurance run out: 40 + 4 × 6 = 64 → the next night's run lowers the grade to 3.
    for kind in ("health", "insurance"):
        verify(client, key, verified, kind, expires_on=TODAY - dt.timedelta(days=1))
    assert run_job(app, "credit").detail == {"workers": 2, "changed": 1}
    assert grade(verified) == 3
    reasons = client.get(f"/admin/v1/workers/{verified}", headers=auth(key)).get_json()["credit"]["reasons"]
    assert any("4/6 项核验有效" in r for r in reasons)


def test_the_photos_sweep_fetches_what_a_failed_fetch_left(app: Flask, client: FlaskClient,
                                                           wechat_fake: WeChatApiFake, session) -> None:
    bound_family(app, client, parents=())
    wechat_fake.add_media("MEDIA-SWEEP", PNG_1X1, "image/png")
    wechat_fake.fail_next("/cgi-bin/media/get", status=500)
    assert Chat(client).image(NURSE, "MEDIA-SWEEP") == b"success"
    background.join_all()
    session.rollback()
    photo = session.scalars(select(DiaryPhoto)).one()
    assert photo.status == "pending"

    result = run_job(app, "photos", now=photo.next_attempt_at + dt.timedelta(seconds=1))
    assert result.detail == {"stored": 1, "retry": 0, "failed": 0}
    session.rollback()
    assert session.scalars(select(DiaryPhoto)).one().status == "stored"
    assert len(texts_to(wechat_fake, NURSE, "照片已记录")) == 1
    assert run_job(app, "photos", now=photo.next_attempt_at + dt.timedelta(hours=1)).detail == {
        "stored": 0, "retry": 0, "failed": 0}


def test_the_purge_deletes_only_old_rate_counters_and_pushes(app: Flask, session) -> None:
    from bot.core.clock import utcnow
    from bot.models import InboundMessage

    now = int(time.time())
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        s.add(RateCounter(key="lookup:user:o-old", window_start=now - 3 * 86_400, count=7))
        s.add(RateCounter(key="lookup:user:o-new", window_start=now - 600, count=2))
        for n, age in ((1, dt.timedelta(hours=1)), (2, dt.timedelta(0))):
            s.add(InboundMessage(dedup_key=f"msg:{n}", openid="o-x", msg_type="text", handler="help",
                                 received_at=utcnow() - age, push_key=f"push-{n}"))
    assert run_job(app, "purge").detail == {"deleted": 1, "push_keys": 1}
    session.rollback()
    assert session.scalars(select(RateCounter.key)).all() == ["lookup:user:o-new"]
    # The old message stays (a retry is still answered); only its query string is forgotten.
    assert session.execute(select(InboundMessage.dedup_key, InboundMessage.push_key)
                           .order_by(InboundMessage.dedup_key)).all() == [("msg:1", None), ("msg:2", "push-2")]
