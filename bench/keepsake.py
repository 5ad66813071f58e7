"""What one keepsake PDF costs when a nurse has posted thousands of entries (issue 36).

    python -m bench.keepsake prepare DB N     # a SQLite file: the demo engagement with N entries over its days
    python -m bench.keepsake build DB         # build its keepsake once: seconds, peak RSS, pages, size

Each ``build`` runs in a process of its own, so the peak RSS is that build's alone.
"""

from __future__ import annotations

import datetime as dt
import io
import resource
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from bot import create_app
from config import settings_for_tests

TZ = ZoneInfo("Asia/Shanghai")
LINE = "宝宝今天吃得很好，睡了一个长觉，醒来以后精神不错，体温正常"


def _app(db: Path) -> Flask:
    return create_app(settings_for_tests(ANXIN_DATABASE_URL=f"sqlite:///{db}"))


def prepare(db: Path, count: int) -> None:
    from bot.models import DiaryEntry
    from bot.ops.demo import NURSE_OPENID, demo_key, seed
    from bot.store.db import utcnow
    from bot.store.migrate import upgrade

    app = _app(db)
    upgrade(app.extensions["anxin_db"].engine)
    now = utcnow()
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        engagement = seed(session, app.extensions["anxin_cipher"], TZ, now, fixed_key=demo_key("k")).engagement
        today = now.astimezone(TZ).date()
        # Six weeks of confinement so far, as the nurse had: enough days to reach every cap.
        engagement.starts_on, engagement.ends_on = today - dt.timedelta(days=41), max(engagement.ends_on, today)
        first = engagement.starts_on
        days = max((min(engagement.ends_on, now.astimezone(TZ).date()) - first).days + 1, 1)
        for n in range(count):
            day = first + dt.timedelta(days=n % days)
            moment = dt.datetime.combine(day, dt.time(6), tzinfo=TZ) + dt.timedelta(seconds=(n // days) * 5)
            session.add(DiaryEntry(engagement_id=engagement.id, kind="note", fields={}, text=f"{LINE * 8} {n}",
                                   occurred_at=moment, recorded_at=now, author_openid=NURSE_OPENID,
                                   client_id=f"bench-{n}"))
    print(f"{db}: engagement {engagement.id}, {count} entries over {days} days")


def build(db: Path) -> None:
    from pypdf import PdfReader

    from bot.diary.keepsake import keepsake_pdf
    from bot.diary.refs import worker_name
    from bot.models import Engagement
    from bot.store.db import utcnow

    app = _app(db)
    baseline_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with app.extensions["anxin_db"].new_session() as session:
        engagement = session.query(Engagement).first()
        assert engagement is not None
        started = time.perf_counter()
        pdf = keepsake_pdf(session, engagement, TZ, utcnow().astimezone(TZ).date(), worker_name(session, engagement))
        seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"keepsake: {seconds:.1f} s, peak RSS {peak_mib:.0f} MiB (app loaded: {baseline_mib:.0f} MiB), {pages} pages, "
          f"{len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    target = Path(sys.argv[2])
    prepare(target, int(sys.argv[3])) if sys.argv[1] == "prepare" else build(target)
