"""The day view and the evening digest with a big diary: N workers, M engagements × D days of entries.

On MariaDB, two scratch databases, ``anxin_scale_small`` and ``anxin_scale`` (dropped at the end unless ``--keep``):

1. the schema through the migrations; an agency (``create-agency``), one engagement opened through the
   agency API whose nurse writes a day in chat — its entries, as the parser stored them, are the
   templates of the generated ones;
2. bulk inserts (multi-row INSERTs through the driver's ``executemany``) of N workers, M engagements
   that started D-1 days ago, a nurse and a parent bound to each (chat users in the 48-hour window), and
   today's entries (E an engagement, spread from midnight to now); 200 parents logged in to the mini-program;
3. the big database: a copy of the small one, then the other D-1 days of entries (M × (D-1) × E rows);
4. the day views over HTTP (gunicorn, 4 sync workers as in ``bench.load``, one server a database; wrk) at 1
   and 32 connections: the parent's ``今天`` through /wechat and ``GET /mp/v1/engagements/ID/days/TODAY``.
   The databases take turns (``--rounds``, medians reported), each turn after a pass over every sampled
   family, so that the machine's speed, which moves within minutes here, moves both alike; each run also
   counts the pages MariaDB read from disk a request;
5. queuing today's digest for the M engagements (``bot.diary.digest.queue_digests``, the function the
   ``digest`` job calls) in a process of its own: seconds and peak RSS; twice, "cold" and "warm" (as at
   21:30, when the day's rows were written during the day).

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
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import Engine, delete, insert, select, text

from bench.anxin import NURSE_LINES, Seeder, environ, settings, start_fake
from bench.harness import HttpRequest, Server, run_wrk, write_requests
from bench.mariadb import scratch_database
from bench.pushes import text_pushes
from bot import create_app
from bot.core.clock import utcnow
from bot.core.security import FieldCipher
from bot.models import Binding, DiaryEntry, Engagement, Notification, Worker
from bot.models.diary import CurrentEngagement
from bot.models.wechat import ChatUser
from bot.store.db import make_engine
from bot.store.migrate import upgrade

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


PATHS = (("chat 今天", 1), ("mp day view", 1), ("chat 今天", 32), ("mp day view", 32))
EXPECT = {"chat 今天": "月子日记", "mp day view": '"entries"'}


class DayViews:
    """The parent's ``今天`` through /wechat and ``GET /mp/v1/engagements/ID/days/TODAY``, as pre-signed requests."""

    def __init__(self, seeder: Seeder, parents: list[str], mp: list[tuple[int, str]]) -> None:
        self.sender, self.tz = seeder.sender, seeder.tz  # signed as the seeding pushes were, for the same app
        self.parents, self.mp = parents, mp

    def requests(self, name: str, count: int, rng: random.Random) -> Iterator[HttpRequest]:
        if name == "chat 今天":
            return text_pushes(self.sender, rng.sample(self.parents, len(self.parents)), ["今天"], count)
        today = dt.datetime.now(self.tz).date().isoformat()
        order = rng.sample(self.mp, len(self.mp))
        return (HttpRequest("GET", f"/mp/v1/engagements/{e}/days/{today}", {"Authorization": f"Bearer {t}"})
                for e, t in (order[i % len(order)] for i in range(count)))


def _page_reads(engine: Engine) -> int:
    """Pages MariaDB had to read from disk so far (all databases of the server)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'")).one()[1])


def measure_day_views(servers: dict[str, Server], views: DayViews, engine: Engine, tmp: Path, duration: float,
                      rounds: int) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Each day view at 1 and 32 connections on each database, the databases taking turns (small, big; then big,
    small; ...) so that a machine whose speed moves within minutes moves both alike.

    Before a database's turn, one pass over every sampled parent and mini-program engagement (``warm_up``)
    loads what its requests read, as far as the buffer pool holds it: each turn starts as a server that has been
    answering these families would be, and what big data costs is what the pool cannot hold.
    """
    figures: dict[str, dict[str, list[dict[str, Any]]]] = {label: {} for label in servers}
    file = tmp / "scale-requests.txt"
    rng = random.Random(11)
    for turn in range(rounds):
        for label in (list(servers) if turn % 2 == 0 else list(reversed(servers))):
            url = servers[label].url
            for name in EXPECT:
                count = len(views.parents) if name == "chat 今天" else len(views.mp)
                warm_up(url, views.requests(name, count, rng), EXPECT[name])
            for name, connections in PATHS:
                write_requests(file, views.requests(name, int(duration * (150 if connections == 1 else 700)) + 100, rng))
                before = _page_reads(engine)
                result = run_wrk(url, file, connections=connections, duration=duration, expect=EXPECT[name])
                result["page_reads"] = (_page_reads(engine) - before) / max(1, result["requests"])
                figures[label].setdefault(f"{name} @{connections}", []).append(result)
                bad = sum(v for k, v in result["statuses"].items() if not k.startswith("2")) + result["unexpected"]
                print(f"  turn {turn + 1} {label:<10} {name:<12} {connections:>2} connections: {result['rps']:6.0f} req/s"
                      f"   p50 {result['p50']:7.1f} ms   p99 {result['p99']:7.1f} ms   disk page reads "
                      f"{result['page_reads']:5.2f} a request   bad answers {bad}", flush=True)
    return figures


def warm_up(url: str, made: Iterator[HttpRequest], expect: str, clients: int = 16) -> None:
    """Send every request once, ``clients`` at a time (wrk replays for a duration, not a count)."""
    local = threading.local()

    def send(req: HttpRequest) -> None:
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        res = http.request(req.method, url + req.path, headers=dict(req.headers), data=req.body.encode("utf-8"),
                           timeout=30)
        if res.status_code != 200 or expect not in res.text:
            raise RuntimeError(f"warm-up: {req.method} {req.path[:60]} answered {res.status_code}: {res.text[:200]}")

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, list(made)))


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def copy_database(engine: Engine, source: str, target: str) -> None:
    """Every row of every table of database ``source`` into the same (migrated, empty) tables of ``target``."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")
        for (table,) in conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                                          "AND table_type = 'BASE TABLE'"), {"s": source}).all():
            conn.exec_driver_sql(f"DELETE FROM `{target}`.`{table}`")
            conn.exec_driver_sql(f"INSERT INTO `{target}`.`{table}` SELECT * FROM `{source}`.`{table}`")


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
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each database (default 3; medians reported)")
    parser.add_argument("--server-workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--parents", type=int, default=2000, help="parents asking 今天 (default 2,000)")
    parser.add_argument("--database", default="anxin_scale", help="the big database; the small one gets _small")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    fake = start_fake()
    small_name, big_name = f"{args.database}_small", args.database
    try:
        with (scratch_database(small_name, keep=args.keep) as url, scratch_database(big_name, keep=args.keep) as big_url,
              tempfile.TemporaryDirectory() as tmp_name):
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
                out["buffer_pool_mb"] = conn.execute(text("SELECT @@innodb_buffer_pool_size")).scalar_one() / 2**20
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
            parents = [parent(e) for e in rng.sample(ids, min(args.parents, len(ids)))]
            app.extensions["anxin_db"].engine.dispose()
            # The big database starts as a copy of the small one (the same registry, bindings, logins and
            # today's entries), then gets the history: the two differ only in the other D-1 days.
            big_engine = make_engine(big_url)
            upgrade(big_engine)
            t0 = time.perf_counter()
            copy_database(engine, small_name, big_name)
            print(f"copied into {big_name}: {time.perf_counter() - t0:.0f} s", flush=True)
            history_rows = len(ids) * (args.days - 1) * args.per_day
            t0 = time.perf_counter()

            def history() -> Iterator[tuple[Any, ...]]:
                for back in range(1, args.days):
                    yield from entry_rows(ids, today - dt.timedelta(days=back), args.per_day, None, tz, shapes)

            bulk_entries(big_engine, history(), history_rows, "history")
            seconds = time.perf_counter() - t0
            with big_engine.connect() as conn:
                total = conn.execute(text("SELECT COUNT(*) FROM diary_entry")).scalar_one()
                size = conn.execute(text(
                    "SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM information_schema.tables "
                    "WHERE table_schema = DATABASE() AND table_name = 'diary_entry'")).scalar_one()
            print(f"history: {history_rows:,} entries in {seconds:.0f} s ({history_rows / max(seconds, 1e-9):,.0f} a "
                  f"second); diary_entry now {total:,} rows, {size} MB with its indexes (the small database: "
                  f"{today_rows + len(shapes):,}); MariaDB's buffer pool: {out['buffer_pool_mb']:.0f} MB", flush=True)
            out["entries"] = total
            servers = {
                label: Server(f"anxin-scale-{label}", "bot:create_app()", args.server_workers,
                              environ({**values, "ANXIN_DATABASE_URL": db_url}), tmp, tmp / f"scale-{label}.log",
                              worker_class="sync")  # as bench.load: one queue, so a slow request holds no other back
                for label, db_url in (("small data", url), ("big data", big_url))
            }
            try:
                for server in servers.values():
                    server.start(ready_path="/healthz")
                figures = measure_day_views(servers, DayViews(seeder, parents, mp), engine, tmp, args.duration,
                                            args.rounds)
            finally:
                for server in servers.values():
                    server.stop()
            out["small"], out["big"] = figures["small data"], figures["big data"]
            # Twice: right after the measurements, today's rows compete with the history for the buffer pool:
            # "cold". At 21:30 in real life they were written during the day and are in memory: "warm", the
            # same run again with the digests it queued deleted.
            for run in ("cold", "warm"):
                if run == "warm":
                    with big_engine.begin() as conn:
                        conn.execute(delete(Notification).where(Notification.kind == "digest"))
                out[f"digest_{run}"] = d = measure_digest(big_url, str(tz))
                print(f"digest ({run}) for {d['counts']['engagements']:,} engagements ({d['counts']['queued']:,} "
                      f"messages queued): {d['seconds']:.1f} s, peak RSS {d['peak_rss_mb']:.0f} MB "
                      f"(at start {d['rss_before_mb']:.0f} MB)", flush=True)
            out["digest"] = out["digest_cold"]
            engine.dispose()
            big_engine.dispose()
    finally:
        fake.stop()
    print()
    print(f"medians of {args.rounds} turns each, the databases taking turns; disk: pages read from disk a request")
    print(f"{'day view':<14} {'conns':>5} {'small req/s':>11} {'p50':>7} {'p99':>7} {'disk':>5} {'big req/s':>9} "
          f"{'p50':>7} {'p99':>7} {'disk':>5} {'big/small req/s':>15}")
    for key in out["small"]:
        s, b = out["small"][key], out["big"][key]
        name, conns = key.split(" @")
        ratio = median_of(b, "rps") / median_of(s, "rps")
        out.setdefault("ratios", {})[key] = ratio
        print(f"{name:<14} {conns:>5} {median_of(s, 'rps'):11.0f} {median_of(s, 'p50'):7.1f} {median_of(s, 'p99'):7.1f} "
              f"{median_of(s, 'page_reads'):5.2f} {median_of(b, 'rps'):9.0f} {median_of(b, 'p50'):7.1f} "
              f"{median_of(b, 'p99'):7.1f} {median_of(b, 'page_reads'):5.2f} {ratio:15.2f}")
    return out


if __name__ == "__main__":
    main()
