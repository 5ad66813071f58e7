"""Jobs run under a lease: ``run-job``, two runners racing, the schedule."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from flask import Flask
from sqlalchemy import select

from bot.core.clock import utcnow
from bot.jobs import JOBS, build_scheduler, run_job
from bot.models import JobRun
from bot.outbox.queue import enqueue
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.backends import redis_or_skip
from tests.support.diary import user_wrote


def test_run_job_deliver_from_the_cli(app: Flask, runner, wechat_fake: WeChatApiFake, session) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        user_wrote(s, "o-p1", utcnow())
        enqueue(s, key="flag:9:o-p1", openid="o-p1", kind="flag", text="体温 38.2℃，建议留意")
    result = runner.invoke(args=["run-job", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output
    assert len(wechat_fake.messages_to("o-p1")) == 1
    run = session.scalars(select(JobRun)).one()
    assert run.name == "deliver" and run.outcome == "ok" and run.detail["sent"] == 1


def test_run_job_refuses_an_unknown_job(runner) -> None:
    result = runner.invoke(args=["run-job", "nonsense"])
    assert result.exit_code == 2
    assert "no job 'nonsense'" in result.output and "deliver" in result.output


def test_two_runners_racing_run_the_job_once(app: Flask, wechat_fake: WeChatApiFake, session) -> None:
    with app.extensions["anxin_db"].new_session() as s, s.begin():
        for i in range(10):
            user_wrote(s, f"o-{i}", utcnow())
            enqueue(s, key=f"digest:{i}", openid=f"o-{i}", kind="digest", text=f"小结{i}")
    wechat_fake.fail_next("/cgi-bin/message/custom/send", delay=0.1, times=10)  # a slow run holds the lease
    results = []
    barrier = threading.Barrier(2)

    def run(owner: str) -> None:
        barrier.wait()
        results.append(run_job(app, "deliver", owner=owner))

    threads = [threading.Thread(target=run, args=(f"scheduler-{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.ran for r in results) == [False, True]
    assert sum(len(wechat_fake.messages_to(f"o-{i}")) for i in range(10)) == 10
    assert len(session.scalars(select(JobRun)).all()) == 1


def test_a_lease_left_by_a_dead_process_expires(app: Flask) -> None:
    from bot.jobs import LEASE_TTL, leases_for

    leases = leases_for(app)
    assert leases.acquire("deliver", "dead-process", dt.timedelta(seconds=-1))  # already expired
    assert run_job(app, "deliver").ran
    assert leases.acquire("deliver", "live-process", LEASE_TTL)
    assert not run_job(app, "deliver").ran
    leases.release("deliver", "live-process")


def test_the_schedule_is_in_local_time(app: Flask) -> None:
    scheduler = build_scheduler(app, background=True)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == set(JOBS)
    assert "interval[0:01:00]" in str(jobs["deliver"].trigger)


def test_anxin_scheduler_on_runs_the_jobs_inside_the_web_process(app_settings: dict[str, Any]) -> None:
    from bot import create_app

    app = create_app({**app_settings, "ANXIN_SCHEDULER": "on"})
    scheduler = app.extensions["anxin_scheduler"]
    try:
        assert scheduler.running
        assert {j.id for j in scheduler.get_jobs()} == set(JOBS)
    finally:
        scheduler.shutdown(wait=True)
        app.extensions["anxin_db"].engine.dispose()


def test_off_by_default(app: Flask) -> None:
    assert "anxin_scheduler" not in app.extensions


def test_redis_leases_when_redis_is_configured() -> None:
    import uuid

    from bot.store.locks import RedisLeases

    url = redis_or_skip()
    leases = RedisLeases(url)
    name = f"test-{uuid.uuid4().hex}"
    assert leases.acquire(name, "a", dt.timedelta(seconds=30))
    assert not leases.acquire(name, "b", dt.timedelta(seconds=30))
    leases.release(name, "b")  # not b's to release
    assert not leases.acquire(name, "b", dt.timedelta(seconds=30))
    leases.release(name, "a")
    assert leases.acquire(name, "b", dt.timedelta(seconds=30))
    leases.release(name, "b")
