"""How long the evening digest takes to reach every parent: queue and send against the loopback WeChat fake.

    python -m bench.digest_send                     # 10,000 engagements, SQLite
    python -m bench.digest_send --engagements 2000 --mysql

Seeds N engagements with one parent each (half inside the 48-hour window, so half
the digests are customer-service texts and half template messages), one diary entry
each today, then runs the ``digest`` job once, as the scheduler would at 21:30, and
checks that every parent got exactly one message. Each send follows its channel plan
(``bot.delivery.plan``): our own count of the customer-service quota is taken first. The WeChat stand-in answers on
loopback over real HTTP; sends are paced at ``bot.delivery.notify.MAX_SENDS_PER_SECOND``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot import create_app
from bot.jobs import run_job
from bot.models import Agency, Binding, ChatUser, DiaryEntry, Engagement, InboundMessage, Worker
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from config import Config, settings_for_tests
from tests.fakes.wechat_api import WeChatApiFake


def seed(app: Any, engagements: int, now: dt.datetime, tz: ZoneInfo) -> None:
    engine = app.extensions["anxin_db"].engine
    today = now.astimezone(tz).date()
    with engine.begin() as conn:
        agency_id = conn.execute(insert(Agency).values(name="基准家政", api_key_hash="x" * 64)).inserted_primary_key[0]
        worker_id = conn.execute(insert(Worker).values(
            agency_id=agency_id, name="伍秀芳", id_number_enc="v1:x", id_number_digest="d" * 64,
            gender="female", birth_date=dt.date(1985, 6, 12), service_types=["maternity"],
            experience_years=5)).inserted_primary_key[0]
        for start in range(0, engagements, 1000):
            ids = range(start, min(start + 1000, engagements))
            conn.execute(insert(Engagement), [dict(
                id=i + 1, agency_id=agency_id, worker_id=worker_id, family_name=f"家{i}", baby_nickname="小米",
                starts_on=today - dt.timedelta(days=3), ends_on=today + dt.timedelta(days=20),
                nurse_code=f"N{i:09d}", family_code=f"F{i:09d}") for i in ids])
            conn.execute(insert(Binding), [dict(engagement_id=i + 1, openid=f"o-parent-{i}", role="parent")
                                           for i in ids])
            conn.execute(insert(ChatUser), [dict(
                openid=f"o-parent-{i}", subscribed=True,
                last_message_at=now - (dt.timedelta(hours=2) if i % 2 else dt.timedelta(days=3))) for i in ids])
            # Half wrote 2 hours ago (their message opens WeChat's 48-hour window), half 3 days ago.
            conn.execute(insert(InboundMessage), [dict(
                dedup_key=f"bench:{i}", openid=f"o-parent-{i}", msg_type="text",
                received_at=now - (dt.timedelta(hours=2) if i % 2 else dt.timedelta(days=3))) for i in ids])
            conn.execute(insert(DiaryEntry), [dict(
                engagement_id=i + 1, kind="feeding", fields={"type": "formula", "amount_ml": 90}, text="喂奶 90ml",
                occurred_at=now - dt.timedelta(hours=3), recorded_at=now - dt.timedelta(hours=3),
                author_openid="o-nurse", version=1) for i in ids])


@contextmanager
def mysql_url() -> Iterator[str]:
    from tests.support.backends import new_database_url

    class Factory:
        def mktemp(self, name: str) -> Any:
            raise AssertionError("not for MySQL")

    url, drop = new_database_url("mysql", Factory())  # type: ignore[arg-type]
    try:
        yield url
    finally:
        drop()  # type: ignore[operator]


def run(url: str, engagements: int, label: str) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    fake = WeChatApiFake().start()
    # The production timeout (the tests' 2 s is short for a loaded machine: a send the fake took but answered late is
    # sent again, as it would be to WeChat).
    settings = settings_for_tests(ANXIN_DATABASE_URL=url, ANXIN_WECHAT_API_BASE=fake.url, ANXIN_LOG_LEVEL="ERROR",
                                  ANXIN_WECHAT_TIMEOUT=Config.ANXIN_WECHAT_TIMEOUT)
    fake.register_app(settings["ANXIN_WECHAT_APPID"], settings["ANXIN_WECHAT_SECRET"])
    fake.register_app(settings["ANXIN_MP_APPID"], settings["ANXIN_MP_SECRET"])
    app = create_app(settings)
    tz = ZoneInfo(settings["ANXIN_TIMEZONE"])
    # The last 21:30 that has passed: a job's clock hours ahead of the real one would take the rows other senders are
    # sending for stale ones (next_attempt_at is the real time) and send them again.
    now = dt.datetime.now(tz).replace(hour=21, minute=30, second=0, microsecond=0)
    if now > dt.datetime.now(tz):
        now -= dt.timedelta(days=1)
    now = now.astimezone(dt.UTC)
    seed(app, engagements, now, tz)
    started = time.perf_counter()
    result = run_job(app, "digest", now=now)
    elapsed = time.perf_counter() - started
    delivered = Counter(m["to"] for m in fake.delivered())
    channels = Counter(m["channel"] for m in fake.delivered())
    assert result.error is None, result.error
    twice = sum(1 for n in delivered.values() if n > 1)
    assert len(delivered) == engagements and not twice, (
        f"every parent exactly once: {engagements - len(delivered)} got nothing, {twice} more than one "
        f"({round(elapsed, 1)} s, {result.detail})")
    again = run_job(app, "digest", now=now + dt.timedelta(minutes=20))
    assert again.detail is not None and again.detail["sent"] == 0 and len(fake.delivered()) == engagements
    fake.stop()
    app.extensions["anxin_db"].engine.dispose()
    figures = {"engagements": engagements, "seconds": round(elapsed, 1), "per_second": round(engagements / elapsed, 1),
               "channels": dict(channels), **(result.detail or {})}
    print(f"{label}: {figures}")
    return figures


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per call of the fake otherwise
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--mysql", action="store_true", help="also on MariaDB (ANXIN_TEST_MYSQL_URL)")
    args = parser.parse_args(argv)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.engagements, "sqlite")
    if args.mysql:
        with mysql_url() as url:
            out["mysql"] = run(url, args.engagements, "mysql")
    return out


if __name__ == "__main__":
    main()
