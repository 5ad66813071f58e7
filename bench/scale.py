"""The day view and the evening digest with a big diary: N workers, M engagements × D days of entries.

On MariaDB (a scratch database ``anxin_scale``, dropped at the end unless ``--keep``):

1. the schema through the migrations; an agency (``create-agency``), one engagement opened through the
   agency API whose nurse writes a day in chat — its entries, as the parser stored them, are the
   templates of the generated ones;
2. bulk inserts (multi-row INSERTs through the driver's ``executemany``) of N workers, M engagements
   that started D-1 days ago, a nurse and a parent bound to each (chat users in the 48-hour window), and
   today's entries (E an engagement, spread from midnight to now);
3. the day view measured over HTTP (gunicorn, 4 sync workers as in ``bench.load``; wrk) at 1 and 32 connections: the parent's
   ``今天`` through /wechat and ``GET /mp/v1/engagements/ID/days/TODAY`` — the small-data figures;
4. the other D-1 days of entries (M × (D-1) × E rows), then the same measurements — the big-data figures;
5. queuing today's digest for the M engagements (``bot.diary.digest.queue_digests``, the function the
   ``digest`` job calls) in a process of its own: seconds and peak RSS; twice, "cold" (right after the
   history evicted today's rows from the buffer pool) and "warm" (as at 21:30, when the day's rows were
   written during the day).

    .venv/bin/python -m bench.scale                                       # 100,000 / 10,000 / 40 days × 40 (~16 M)
    .venv/bin/python -m bench.scale --workers 2000 --engagements 200 --days 5   # a quick check
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, select, text

from bench.anxin import NURSE_LINES, Seeder, environ, settings, start_fake
from bench.harness import HttpRequest, Server, run_wrk, write_requests
from bench.mariadb import scratch_database
from bench.pushes import text_pushes
from bot import create_app
from bot.clock import utcnow
from bot.db import make_engine
from bot.migrate import upgrade
from bot.models import Binding, DiaryEntry, Engagement, Notification, Worker
from bot.models.diary import CurrentEngagement
from bot.models.wechat import ChatUser
from bot.security import FieldCipher

BATCH = 10_000
ENTRY_COLUMNS = ("engagement_id", "kind", "fields", "text", "occurred_at", "recorded_at", "author_openid", "version")
INSERT_ENTRY = (f"INSERT INTO diary_entry ({', '.join(ENTRY_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})")


def nurse(e: int) -> str:
    return f"o-scale-nurse-{e}"


def parent(e: int) -> str:
    return f"o-scale-parent-{e}"


def templates(engine: Engine, engagement_id: int) -> list[tuple[str, str, str]]:
    """(kind, fields as JSON, text) of the entries the chat parser stored for the template day."""
    with engine.connect() as conn:
        rows = conn.execute(select(DiaryEntry.kind, DiaryEntry.fields, DiaryEntry.text)
                            .where(DiaryEntry.engagement_id == engagement_id).order_by(DiaryEntry.id)).all()
    return [(kind, json.dumps(fields, ensure_ascii=False), line) for kind, fields, line in rows]


def bulk_registry(engine: Engine, agency_id: int, workers: int, engagements: int, days: int, today: dt.date,
                  cipher: FieldCipher) -> list[int]:
    """N workers, M engagements (one worker each) with a nurse and a parent bound; returns the engagement ids."""
    now = utcnow()
    rng = random.Random(13)
    with engine.connect() as conn:
        first_worker = (conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM worker")).scalar_one() or 0) + 1
        first_engagement = (conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM engagement")).scalar_one() or 0) + 1
    for start in range(0, workers, BATCH):
        rows = []
        for n in range(start, min(workers, start + BATCH)):
            wid = first_worker + n
            id_number = f"3302{wid:014d}"
            rows.append({
                "id": wid, "agency_id": agency_id, "name": "伍秀芳",
                "id_number_enc": cipher.encrypt(id_number, "worker.id_number"),
                "id_number_digest": cipher.digest(id_number, "worker.id_number"),
                "phone_enc": cipher.encrypt(f"139{wid:08d}", "worker.phone"), "gender": "female",
                "birth_date": dt.date(1970 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                "service_types": ["月嫂"], "experience_years": rng.randrange(20), "hometown": None,
                "consent_signed_on": today, "consent_recorded_at": now, "created_at": now,
            })
        with engine.begin() as conn:
            conn.execute(insert(Worker), rows)
    ids = list(range(first_engagement, first_engagement + engagements))
    for start in range(0, engagements, BATCH):
        chunk = ids[start:start + BATCH]
        with engine.begin() as conn:
            conn.execute(insert(Engagement), [{
                "id": e, "agency_id": agency_id, "worker_id": first_worker + i + start, "family_name": "张",
                "baby_nickname": "豆豆", "starts_on": today - dt.timedelta(days=days - 1),
                "ends_on": today + dt.timedelta(days=3), "baby_birth_date": today - dt.timedelta(days=days),
                "birth_weight_g": 3300, "nurse_code": f"SN{e}", "nurse_code_used_at": now, "family_code": f"SF{e}",
                "created_at": now} for i, e in enumerate(chunk)])
            conn.execute(insert(Binding), [{"engagement_id": e, "openid": who(e), "role": role, "bound_at": now}
                                           for e in chunk for who, role in ((nurse, "nurse"), (parent, "parent"))])
            conn.execute(insert(CurrentEngagement), [{"openid": who(e), "engagement_id": e, "chosen_at": now}
                                                     for e in chunk for who in (nurse, parent)])
            conn.execute(insert(ChatUser), [{"openid": who(e), "first_seen_at": now, "last_message_at": now,
                                             "subscribed": True} for e in chunk for who in (nurse, parent)])
    return ids


def entry_rows(engagement_ids: list[int], day: dt.date, per_day: int, until: dt.datetime | None, tz: ZoneInfo,
               shapes: list[tuple[str, str, str]]) -> Iterator[tuple[Any, ...]]:
    """``per_day`` entries of each engagement on ``day``, spread evenly from midnight (to ``until`` if given)."""
    start = dt.datetime.combine(day, dt.time(0, 5), tz)
    end = until if until is not None else start + dt.timedelta(hours=23, minutes=50)
    step = (end - start) / per_day
    moments = [(start + step * k).astimezone(dt.UTC).replace(tzinfo=None) for k in range(per_day)]
    stamps = [m.strftime("%Y-%m-%d %H:%M:%S.%f") for m in moments]
    for e in engagement_ids:
        author = nurse(e)
        for k, stamp in enumerate(stamps):
            kind, fields, line = shapes[(e + k) % len(shapes)]
            yield (e, kind, fields, line, stamp, stamp, author, 1)


def bulk_entries(engine: Engine, rows: Iterator[tuple[Any, ...]], total: int, label: str) -> float:
    """Insert ``rows`` in multi-row INSERTs of BATCH rows; return the seconds it took."""
    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    done = 0
    with engine.connect() as conn:
        conn.exec_driver_sql("SET SESSION unique_checks = 0")
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                conn.exec_driver_sql(INSERT_ENTRY, batch)
                conn.commit()
                done += len(batch)
                batch = []
                if done % 500_000 == 0:
                    rate = done / (time.perf_counter() - started)
                    print(f"  {label}: {done:,} / {total:,} entries ({rate:,.0f} a second)", file=sys.stderr, flush=True)
        if batch:
            conn.exec_driver_sql(INSERT_ENTRY, batch)
            conn.commit()
    return time.perf_counter() - started


def measure_day_views(url: str, values: dict[str, Any], tmp: Path, parents: list[str], mp: list[tuple[int, str]],
                      duration: float, label: str, workers: int) -> dict[str, dict[str, Any]]:
    """Parent 今天 (chat) and the mini-program day view at 1 and 32 connections."""
    from config import Config

    sender_settings = {"ANXIN_WECHAT_TOKEN": Config.ANXIN_WECHAT_TOKEN, "ANXIN_WECHAT_APPID": Config.ANXIN_WECHAT_APPID,
                       "ANXIN_WECHAT_AES_KEY": None}
    from bot.wechat.simulator import WeChatSender

    sender = WeChatSender.from_settings(sender_settings)
    today = dt.datetime.now(ZoneInfo(values.get("ANXIN_TIMEZONE", Config.ANXIN_TIMEZONE))).date().isoformat()
    figures: dict[str, dict[str, Any]] = {}
    server = Server("anxin-scale", "bot:create_app()", workers, environ(values), tmp, tmp / "scale-server.log",
                    worker_class="sync")  # as bench.load: one queue, so a slow request does not hold others back
    server.start(ready_path="/healthz")
    try:
        for connections in (1, 32):
            for name, expect in (("chat 今天", "月子日记"), ("mp day view", '"entries"')):
                count = int(duration * (150 if connections == 1 else 600)) + 100
                if name == "chat 今天":
                    made: Iterator[HttpRequest] = text_pushes(sender, random.Random(count).sample(parents, len(parents)),
                                                              ["今天"], count)
                else:
                    made = (HttpRequest("GET", f"/mp/v1/engagements/{e}/days/{today}", {"Authorization": f"Bearer {t}"})
                            for e, t in (mp[i % len(mp)] for i in range(count)))
                file = tmp / "scale-requests.txt"
                write_requests(file, made)
                result = run_wrk(server.url, file, connections=connections, duration=duration, expect=expect)
                figures[f"{name} @{connections}"] = result
                bad = sum(v for k, v in result["statuses"].items() if not k.startswith("2")) + result["unexpected"]
                print(f"  {label:<10} {name:<12} {connections:>2} connections: {result['rps']:6.0f} req/s   "
                      f"p50 {result['p50']:7.1f} ms   p99 {result['p99']:7.1f} ms   bad answers {bad}", flush=True)
                time.sleep(1)
    finally:
        server.stop()
    return figures


def _queue_digest(url: str, tz_name: str, result: Any) -> None:
    """In a process of its own: queue today's digest; report seconds, counts and peak RSS."""
    from sqlalchemy.orm import sessionmaker

    from bot.diary.digest import queue_digests

    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    tz = ZoneInfo(tz_name)
    now = utcnow()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with factory() as session, session.begin():
        counts = queue_digests(session, now.astimezone(tz).date(), tz, now)
    seconds = time.perf_counter() - started
    result.put({"seconds": seconds, "counts": counts, "rss_before_mb": rss_before / 1024,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def measure_digest(url: str, tz_name: str) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_queue_digest, args=(url, tz_name, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--per-day", type=int, default=40, help="entries an engagement a day (default 40)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    parser.add_argument("--server-workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--database", default="anxin_scale")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    fake = start_fake()
    try:
        with scratch_database(args.database, keep=args.keep) as url, tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            values = settings(url, fake.url)
            engine = make_engine(url)
            upgrade(engine)
            app = create_app({**values, "ANXIN_LOG_LEVEL": "WARNING"})
            seeder = Seeder(app, fake)
            tz = seeder.tz
            today = seeder.today
            eid, nurse_code, _ = seeder.engagement()
            seeder.bind_in_chat("o-scale-template-nurse", nurse_code)
            seeder.write_a_day("o-scale-template-nurse", max(len(NURSE_LINES), 10))
            shapes = templates(engine, eid)
            with engine.connect() as conn:
                agency_id = conn.execute(select(Engagement.agency_id).where(Engagement.id == eid)).scalar_one()
            t0 = time.perf_counter()
            ids = bulk_registry(engine, agency_id, args.workers, args.engagements, args.days, today,
                                FieldCipher.from_settings(app.config))
            print(f"{args.workers:,} workers, {args.engagements:,} engagements with a nurse and a parent bound: "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
            now_local = dt.datetime.now(tz)
            today_rows = len(ids) * args.per_day
            seconds = bulk_entries(engine, entry_rows(ids, today, args.per_day, now_local, tz, shapes), today_rows, "today")
            print(f"today's entries: {today_rows:,} in {seconds:.0f} s", flush=True)
            rng = random.Random(7)
            sample = rng.sample(ids, min(200, len(ids)))
            mp = [(e, seeder.mp_bind(f"o-scale-mp-parent-{e}", f"SF{e}")) for e in sample]
            parents = [parent(e) for e in rng.sample(ids, min(2000, len(ids)))]
            app.extensions["anxin_db"].engine.dispose()
            out["small"] = measure_day_views(url, values, tmp, parents, mp, args.duration, "small data",
                                             args.server_workers)
            history_rows = len(ids) * (args.days - 1) * args.per_day
            t0 = time.perf_counter()

            def history() -> Iterator[tuple[Any, ...]]:
                for back in range(1, args.days):
                    yield from entry_rows(ids, today - dt.timedelta(days=back), args.per_day, None, tz, shapes)

            bulk_entries(engine, history(), history_rows, "history")
            seconds = time.perf_counter() - t0
            with engine.connect() as conn:
                total = conn.execute(text("SELECT COUNT(*) FROM diary_entry")).scalar_one()
                size = conn.execute(text(
                    "SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM information_schema.tables "
                    "WHERE table_schema = DATABASE() AND table_name = 'diary_entry'")).scalar_one()
            print(f"history: {history_rows:,} entries in {seconds:.0f} s ({history_rows / seconds:,.0f} a second); "
                  f"diary_entry now {total:,} rows, {size} MB with its indexes", flush=True)
            out["entries"] = total
            out["big"] = measure_day_views(url, values, tmp, parents, mp, args.duration, "big data", args.server_workers)
            # Twice: right after the history went in, today's rows are the oldest pages and mostly off the
            # buffer pool (MariaDB's default is 128 MB against a 5 GB table): "cold". At 21:30 in real life
            # they were written during the day and are in memory: "warm", the same run again with the
            # digests it queued deleted.
            for run in ("cold", "warm"):
                if run == "warm":
                    with engine.begin() as conn:
                        conn.execute(delete(Notification).where(Notification.kind == "digest"))
                out[f"digest_{run}"] = d = measure_digest(url, str(tz))
                print(f"digest ({run}) for {d['counts']['engagements']:,} engagements ({d['counts']['queued']:,} "
                      f"messages queued): {d['seconds']:.1f} s, peak RSS {d['peak_rss_mb']:.0f} MB "
                      f"(at start {d['rss_before_mb']:.0f} MB)", flush=True)
            out["digest"] = out["digest_cold"]
            engine.dispose()
    finally:
        fake.stop()
    print()
    print(f"{'day view':<14} {'conns':>5} {'small req/s':>11} {'p50':>7} {'p99':>7} {'big req/s':>9} {'p50':>7} {'p99':>7}"
          f" {'big/small req/s':>15}")
    for key in out["small"]:
        s, b = out["small"][key], out["big"][key]
        name, conns = key.split(" @")
        print(f"{name:<14} {conns:>5} {s['rps']:11.0f} {s['p50']:7.1f} {s['p99']:7.1f} {b['rps']:9.0f} {b['p50']:7.1f} "
              f"{b['p99']:7.1f} {b['rps'] / s['rps']:15.2f}")
    return out


if __name__ == "__main__":
    main()
