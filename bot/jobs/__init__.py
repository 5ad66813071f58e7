"""Scheduled jobs: plain functions registered by name, run under a lease, on a schedule.

``flask --app bot scheduler`` runs them in the foreground (one scheduler beside N
web workers); ``ANXIN_SCHEDULER=on`` runs them inside a single web process;
``flask --app bot run-job NAME`` runs one now. Whoever runs a job first takes its
lease; a second scheduler started by mistake finds the lease held and skips, and
the outbox's unique keys make a repeated run send nothing new in any case.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import pkgutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask.cli import with_appcontext
from flask.globals import app_ctx
from sqlalchemy.orm import Session, sessionmaker
from wechatpy import WeChatClient

from bot.core.clock import utcnow
from bot.models import JobRun
from bot.ops.startup import serving
from bot.store.db import get_db
from bot.store.locks import DatabaseLeases, Leases, RedisLeases, owner_id

log = logging.getLogger("anxin.jobs")

LEASE_TTL = dt.timedelta(minutes=30)


@dataclass
class JobContext:
    """What a job gets: sessions, the WeChat API, settings and the time it runs for."""

    session_factory: sessionmaker[Session]
    api: WeChatClient
    settings: Mapping[str, Any]
    now: dt.datetime
    app: Flask | None = None  # for jobs that reuse code needing the app (photo fetches)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings["ANXIN_TIMEZONE"])


JobFunc = Callable[[JobContext], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    cron: str | None  # "minute hour day month day_of_week" in ANXIN_TIMEZONE
    every_minutes: int | None
    description: str
    lease: dt.timedelta = LEASE_TTL


JOBS: dict[str, Job] = {}


def job(name: str, *, cron: str | None = None, every_minutes: int | None = None,
        lease: dt.timedelta = LEASE_TTL) -> Callable[[JobFunc], JobFunc]:
    """Register a job to run on a cron schedule (local time) or every N minutes.

    ``lease`` bounds how long a process that died while running it keeps the others out.
    """

    def register(func: JobFunc) -> JobFunc:
        JOBS[name] = Job(name, func, cron, every_minutes, (func.__doc__ or "").strip().splitlines()[0], lease)
        return func

    return register


def load_jobs() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def leases_for(app: Flask) -> Leases:
    if app.config.get("ANXIN_REDIS_URL"):
        return RedisLeases(app.config["ANXIN_REDIS_URL"])
    factory = get_db(app).session_factory
    assert factory is not None
    return DatabaseLeases(factory)


@dataclass
class RunResult:
    name: str
    ran: bool
    detail: Mapping[str, Any] | None = None
    error: str | None = None


def run_job(app: Flask, name: str, now: dt.datetime | None = None, owner: str | None = None) -> RunResult:
    """Run job ``name`` once now if no other process holds it; record the run."""
    from bot.delivery.wechat_api import get_api

    if name not in JOBS:
        raise KeyError(name)
    owner = owner or owner_id()
    leases = leases_for(app)
    if not leases.acquire(name, owner, JOBS[name].lease):
        log.info("job.skipped", extra={"fields": {"job": name, "reason": "another process holds it"}})
        return RunResult(name, ran=False)
    factory = get_db(app).session_factory
    assert factory is not None
    with factory() as session, session.begin():
        run = JobRun(name=name, owner=owner)
        session.add(run)
    started = time.perf_counter()
    try:
        ctx = JobContext(factory, get_api(app), app.config, now or utcnow(), app)
        detail = dict(JOBS[name].func(ctx) or {})
        outcome, error = "ok", None
    except Exception as exc:  # a job's failure is recorded and logged, and the scheduler goes on
        log.exception("job.failed", extra={"fields": {"job": name}})
        detail, outcome, error = {}, "error", f"{type(exc).__name__}: {exc}"
    finally:
        leases.release(name, owner)
    with factory() as session, session.begin():
        stored = session.get(JobRun, run.id)
        assert stored is not None
        stored.finished_at = utcnow()
        stored.outcome = outcome
        stored.detail = {**detail, **({"error": error} if error else {})}
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    log.info("job.done", extra={"fields": {"job": name, "outcome": outcome, "ms": elapsed_ms, **detail}})
    return RunResult(name, ran=True, detail=detail, error=error)


def build_scheduler(app: Flask, background: bool) -> Any:
    """An APScheduler with every registered job on its trigger, in ANXIN_TIMEZONE."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    tz = ZoneInfo(app.config["ANXIN_TIMEZONE"])
    scheduler = (BackgroundScheduler if background else BlockingScheduler)(timezone=tz)
    for spec in JOBS.values():
        trigger = (
            CronTrigger.from_crontab(spec.cron, timezone=tz) if spec.cron
            else IntervalTrigger(minutes=spec.every_minutes or 60, timezone=tz)
        )
        scheduler.add_job(run_job, trigger, args=[app, spec.name], id=spec.name, name=spec.name,
                          max_instances=1, coalesce=True, misfire_grace_time=600)
    return scheduler


@click.command("run-job")
@click.argument("name")
@with_appcontext
def run_job_command(name: str) -> None:
    """Run one scheduled job once now: digest, reminders, expiry, credit, deliver, ..."""
    if name not in JOBS:
        raise click.UsageError(f"no job {name!r}; jobs: {', '.join(sorted(JOBS))}")
    result = run_job(app_ctx.app, name)
    if not result.ran:
        click.echo(f"{name}: 另一个进程正在运行此任务，已跳过 (held by another process)")
        return
    if result.error:
        raise click.ClickException(f"{name} failed: {result.error}")
    click.echo(f"{name}: " + ", ".join(f"{k}={v}" for k, v in (result.detail or {}).items()))


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs in the foreground (one scheduler beside N web workers)."""
    app = app_ctx.app
    scheduler = build_scheduler(app, background=False)
    for spec in JOBS.values():
        click.echo(f"  {spec.name:10} {spec.cron or f'every {spec.every_minutes} min'}  {spec.description}")
    click.echo("scheduler running; Ctrl-C to stop")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


def init_app(app: Flask) -> None:
    load_jobs()
    app.cli.add_command(run_job_command)
    app.cli.add_command(scheduler_command)
    if app.config["ANXIN_SCHEDULER"] == "on" and serving():
        scheduler = build_scheduler(app, background=True)
        scheduler.start()
        app.extensions["anxin_scheduler"] = scheduler
        log.info("scheduler.started_in_web_process", extra={"fields": {"jobs": sorted(JOBS)}})
