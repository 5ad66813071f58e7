"""The nurse's diary write on a small and a big diary, before and after what brings the big one back to speed.

The data is ``bench.scale``'s (its bulk inserts, not a copy of them): N workers, M engagements with a nurse and a
parent bound in chat, E entries an engagement a day; the small database holds today's entries only, the big one
D days of them. Unlike ``bench.scale`` (the day views), this measures the write: every nurse of the M engagements
writes one line a push in chat (``POST /wechat``, the path ``bench.load`` calls ``diary_write``), wrk at 32
connections against one gunicorn server of 4 sync workers a database, the databases taking turns.

For each stage, each database, each turn: a warm-up run (not counted: the pool settles into what this load
keeps in memory), then the measured run; medians of the turns. Each run also reads MariaDB's counters: pages read
from disk (``Innodb_buffer_pool_reads``), pages written (``Innodb_buffer_pool_pages_flushed``) and index page
splits (``information_schema.INNODB_METRICS``) a request. The counters are the server's, so other clients of the
same server add to them (a test suite's small databases add little to the disk reads).

The stages (``--stages``), in order, on the same two databases:

* ``as-is``     the server's buffer pool as it was when the run started (MariaDB's default: 128 MB);
* ``pool:MB``   ``SET GLOBAL innodb_buffer_pool_size`` to MB for the stage (restored at the end, whatever happens);
* ``migrate``   both databases brought to the newest migration, then measured with the pool as ``as-is`` (a
                build with ``migrate`` among its stages stops one revision short of it, so a schema change can be
                measured before and after in one run).

Before anything, it prints the sizes of ``diary_entry``'s indexes and what a write's statements read (ANALYZE of
each read). Before each stage, a warm pass: every nurse writes once, straight to the database (the steady state of
a pool that has seen a day's writing). After each stage, how much of each index the buffer pool holds
(``information_schema.INNODB_BUFFER_PAGE``) and the pages read from disk a write, statement by statement (one
connection). ``--keep`` keeps the two databases; ``--reuse`` measures kept ones again without building.

    .venv/bin/python -m bench.capacity --workers 10000 --days 10 --stages as-is --keep   # build ~4 M: ~17 min busy
    .venv/bin/python -m bench.capacity --reuse --stages as-is,pool:1024,as-is --rounds 2  # ~7 min a stage
    .venv/bin/python -m bench.capacity --reuse --sql-only                                 # the database's part only
    .venv/bin/python -m bench.capacity                            # 40 days (~16 M, as bench.scale): the build ~55 min busy

The server's buffer pool is restored to what it was, and InnoDB's ``index_page_splits`` counter turned off again if
it was off; nothing else of the server is changed. The databases are ``anxin_capacity`` and
``anxin_capacity_small`` (dropped at the end unless ``--keep`` or ``--reuse``). Figures and what they mean:
docs/capacity.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, make_url, select, text

from bench.anxin import NURSE_LINES, Seeder, environ, settings, start_fake
from bench.harness import Server, run_wrk, write_requests
from bench.mariadb import SERVER_URL, scratch_database
from bench.pushes import text_pushes
from bench.scale import bulk_entries, bulk_registry, copy_database, entry_rows, nurse, templates
from bot import create_app
from bot.core.security import FieldCipher
from bot.models import Engagement
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.wechat.simulator import WeChatSender

EXPECT = "已记录"
COUNTERS = ("Innodb_buffer_pool_reads", "Innodb_buffer_pool_pages_flushed", "Innodb_buffer_pool_wait_free",
            "Innodb_log_waits")
SPLITS = ("index_page_splits",)
LABELS = ("small", "big")


def server_engine() -> Engine:
    """The MariaDB server itself (no database), for its counters and its global variables."""
    return create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")




def counters(server: Engine) -> dict[str, int]:
    """MariaDB's global counters this bench reads (``COUNTERS``) and the index page splits so far."""
    with server.connect() as conn:
        found = {name: int(value) for name, value in conn.execute(text("SHOW GLOBAL STATUS")).all() if name in COUNTERS}
        found["index_page_splits"] = int(conn.execute(text(
            "SELECT count FROM information_schema.INNODB_METRICS WHERE name = 'index_page_splits'")).scalar_one())
    return found


@contextmanager
def page_split_counter(server: Engine) -> Iterator[None]:
    """InnoDB's ``index_page_splits`` counter on for the run (off again after, if it was off)."""
    with server.connect() as conn:
        was = conn.execute(text("SELECT enabled FROM information_schema.INNODB_METRICS "
                                "WHERE name = 'index_page_splits'")).scalar_one()
        if not was:
            conn.execute(text("SET GLOBAL innodb_monitor_enable = 'index_page_splits'"))
    try:
        yield
    finally:
        if not was:
            with server.connect() as conn:
                conn.execute(text("SET GLOBAL innodb_monitor_disable = 'index_page_splits'"))


@contextmanager
def buffer_pool(server: Engine) -> Iterator[Any]:
    """Yield ``resize(mb)``, which sets the server's buffer pool; the size it had is restored on the way out."""
    with server.connect() as conn:
        original = int(conn.execute(text("SELECT @@innodb_buffer_pool_size")).scalar_one())
    changed = [False]

    def resize(mb: int) -> None:
        target = int(mb) * 2**20
        with server.connect() as conn:
            if int(conn.execute(text("SELECT @@innodb_buffer_pool_size")).scalar_one()) == target:
                return
            changed[0] = True
            conn.execute(text(f"SET GLOBAL innodb_buffer_pool_size = {target}"))
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:  # the resize runs in the background
                state = conn.execute(text("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_resize_status'")).one()[1]
                if int(conn.execute(text("SELECT @@innodb_buffer_pool_size")).scalar_one()) == target and (
                        not state or "ompleted" in state):
                    return
                time.sleep(0.5)
        raise RuntimeError(f"the buffer pool did not reach {mb} MB")

    try:
        yield resize
    finally:
        if changed[0]:
            resize(original // 2**20)
            print(f"MariaDB's buffer pool restored to {original // 2**20} MB", flush=True)


# -- the two databases ---------------------------------------------------------------------------------------------

def database_url(name: str) -> str:
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def build(args: argparse.Namespace, fake: Any, small_url: str, big_url: str, revision: str) -> None:
    """``bench.scale``'s two databases: the registry and today's entries in the small one, a copy of it plus the
    other D-1 days in the big one. The schema at ``revision``."""
    values = settings(small_url, fake.url)
    engine = make_engine(small_url)
    upgrade(engine, revision)
    app = create_app({**values, "ANXIN_LOG_LEVEL": "WARNING"})
    seeder = Seeder(app, fake)
    tz, today = seeder.tz, seeder.today
    eid, nurse_code, _ = seeder.engagement()
    seeder.bind_in_chat("o-scale-template-nurse", nurse_code)
    seeder.write_a_day("o-scale-template-nurse", max(len(NURSE_LINES), 10))
    shapes = templates(engine, eid)
    with engine.connect() as conn:
        agency_id = conn.execute(select(Engagement.agency_id).where(Engagement.id == eid)).scalar_one()
    t0 = time.perf_counter()
    ids = bulk_registry(engine, agency_id, args.workers, args.engagements, args.days, today,
                        FieldCipher.from_settings(app.config))
    now_local = dt.datetime.now(tz)
    today_rows = len(ids) * args.per_day
    bulk_entries(engine, entry_rows(ids, today, args.per_day, now_local, tz, shapes), today_rows, "today")
    print(f"small: {args.workers:,} workers, {len(ids):,} engagements, {today_rows:,} entries today: "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    app.extensions["anxin_db"].engine.dispose()
    big = make_engine(big_url)
    upgrade(big, revision)
    copy_database(engine, make_url(small_url).database or "", make_url(big_url).database or "")
    history_rows = len(ids) * (args.days - 1) * args.per_day
    t0 = time.perf_counter()

    def history() -> Iterator[tuple[Any, ...]]:
        for back in range(1, args.days):
            yield from entry_rows(ids, today - dt.timedelta(days=back), args.per_day, None, tz, shapes)

    bulk_entries(big, history(), history_rows, "history")
    print(f"big: a copy of small and {history_rows:,} entries of the other {args.days - 1} days: "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    engine.dispose()
    big.dispose()


def nurses_of(url: str) -> list[str]:
    """The chat openids of the generated engagements' nurses (``bench.scale.nurse``)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT engagement_id FROM binding WHERE role = 'nurse' AND openid LIKE 'o-scale-nurse-%' "
                                "ORDER BY engagement_id")).scalars().all()
    engine.dispose()
    return [nurse(e) for e in ids]


# -- what a write costs the database -------------------------------------------------------------------------------

def index_sizes(url: str) -> list[tuple[str, int, int, int]]:
    """(index, pages, leaf pages, MB) of each index of ``diary_entry``, from InnoDB's persistent statistics."""
    engine = make_engine(url)
    name = make_url(url).database
    with engine.connect() as conn:
        conn.execute(text("ANALYZE TABLE diary_entry")).all()
        rows = conn.execute(text(
            "SELECT index_name, stat_name, stat_value FROM mysql.innodb_index_stats WHERE database_name = :db "
            "AND table_name = 'diary_entry' AND stat_name IN ('size', 'n_leaf_pages')"), {"db": name}).all()
    engine.dispose()
    found: dict[str, dict[str, int]] = {}
    for index, stat, value in rows:
        found.setdefault(index, {})[stat] = int(value)
    return [(index, v["size"], v["n_leaf_pages"], v["size"] * 16 // 1024) for index, v in sorted(found.items())]


def write_statements(url: str, values: dict[str, Any], sender: WeChatSender, openid: str) -> list[tuple[str, Any]]:
    """The statements (with their parameters) one diary write in chat sends, captured in process."""
    app = create_app({**values, "ANXIN_DATABASE_URL": url, "ANXIN_LOG_LEVEL": "WARNING"})
    engine = app.extensions["anxin_db"].engine
    seen: list[tuple[str, Any]] = []

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, parameters))

    client = app.test_client()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        for line in ("喂奶 120ml", "换尿布 小便"):  # a feed reads the feeds' timeline (a flag rule); a nappy does not
            push = next(text_pushes(sender, [openid], [line], 1))
            res = client.open(push.path, method="POST", data=push.body.encode(), headers=dict(push.headers))
            assert res.status_code == 200 and EXPECT in res.get_data(as_text=True), res.get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        engine.dispose()
    return seen


def explain_write(url: str, values: dict[str, Any], sender: WeChatSender, openid: str) -> None:
    """EXPLAIN (ANALYZE for the reads) of each statement a diary write sends, on the database at ``url``."""
    engine = make_engine(url)
    statements = write_statements(url, values, sender, openid)
    with engine.connect() as conn:
        for statement, parameters in statements:
            short = " ".join(statement.split())[:110]
            if statement.lstrip().upper().startswith("SELECT"):
                plan = json.loads(conn.exec_driver_sql("ANALYZE FORMAT=JSON " + statement, parameters).scalar_one())
                print(f"  {short}\n    {describe(plan)}", flush=True)
            else:
                print(f"  {short}", flush=True)
        conn.rollback()
    engine.dispose()


def describe(plan: Any) -> str:
    """Each table an ANALYZE FORMAT=JSON plan reads: its index, rows examined, pages read (InnoDB)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "table_name" in node:
                stats = node.get("r_engine_stats", {})
                parts.append(f"{node['table_name']}: key {node.get('key')} ({node.get('access_type')}), "
                             f"rows {node.get('r_rows')} of loops {node.get('r_loops')}, "
                             f"pages accessed {stats.get('pages_accessed', '-')} read {stats.get('pages_read_count', 0)}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan)
    return "; ".join(parts)


def pool_share(db: Engine, names: dict[str, str]) -> dict[str, dict[str, tuple[int, int]]]:
    """For each database and each index of its ``diary_entry``: (pages of it in the buffer pool, its pages)."""
    found: dict[str, dict[str, tuple[int, int]]] = {}
    with db.connect() as conn:
        cached = conn.execute(text(
            "SELECT table_name, index_name, COUNT(*) FROM information_schema.INNODB_BUFFER_PAGE "
            "WHERE table_name IN :tables GROUP BY table_name, index_name").bindparams(
            bindparam("tables", expanding=True)), {"tables": [f"`{n}`.`diary_entry`" for n in names.values()]}).all()
        for name in names.values():  # the sizes as they are now (after the census: ANALYZE reads sample pages)
            conn.execute(text(f"ANALYZE TABLE `{name}`.diary_entry")).all()
        sizes = conn.execute(text(
            "SELECT database_name, index_name, stat_value FROM mysql.innodb_index_stats WHERE table_name = 'diary_entry' "
            "AND stat_name = 'size' AND database_name IN :dbs").bindparams(bindparam("dbs", expanding=True)),
            {"dbs": list(names.values())}).all()
    in_pool = {(table.split("`")[1], index): int(n) for table, index, n in cached}
    for label, name in names.items():
        found[label] = {index: (in_pool.get((name, index), 0), int(size)) for db_name, index, size in sizes
                        if db_name == name}
    return found


# The database's part of a diary write in chat, as the app sends it (``bench.load --only-sql --show-sql``): the
# sender's binding; the entry; for a feed or a nappy (half of ``NURSE_LINES``) the flag rules' timeline of its kind
# over two days, with when the diary begins (bot/diary/flags.py, with its index hints); the message's own row.
SQL_BINDING = "SELECT binding.engagement_id, binding.role FROM binding WHERE binding.openid = %(openid)s"
SQL_ENTRY = (
    "INSERT INTO diary_entry (engagement_id, baby_id, kind, fields, text, occurred_at, recorded_at, author_openid, "
    "client_id, version) VALUES (%(e)s, NULL, %(kind)s, '{}', '换尿布 小便', %(now)s, %(now)s, %(openid)s, NULL, 1)")
SQL_TIMELINE = (
    "SELECT diary_entry.id, diary_entry.occurred_at, diary_entry.fields, (SELECT first_entry.occurred_at FROM "
    "diary_entry AS first_entry USE INDEX (ix_diary_entry_engagement_id_occurred_at) WHERE first_entry.engagement_id "
    "= %(e)s AND first_entry.withdrawn_at IS NULL ORDER BY first_entry.occurred_at LIMIT 1) AS starts FROM "
    "diary_entry USE INDEX (ix_diary_entry_engagement_id_kind_occurred_at) WHERE diary_entry.engagement_id = %(e)s "
    "AND diary_entry.kind = %(kind)s AND diary_entry.withdrawn_at IS NULL AND diary_entry.occurred_at >= %(low)s "
    "AND diary_entry.occurred_at <= %(now)s ORDER BY diary_entry.occurred_at, diary_entry.id")
SQL_MESSAGE = (
    "INSERT INTO inbound_message (dedup_key, openid, msg_type, received_at, handler, reply, push_key) VALUES "
    "(%(key)s, %(openid)s, 'text', %(now)s, 'diary', NULL, %(push)s)")
KINDS = ("diaper", "bath", "feeding", "sleep")  # alternately one the flag rules read the timeline of, one not
RULED = ("diaper", "feeding")


def sql_writes(url: str, nurses: list[str], threads: int, duration: float | None, db: Engine) -> dict[str, Any]:
    """``threads`` connections sending a diary write's statements for random nurses for ``duration`` seconds
    (None: every nurse once, in a random order): writes a second with no app in front, and MariaDB's counters a
    write."""
    engine = create_engine(url, pool_size=threads, max_overflow=0)
    done = [0] * threads
    stop = time.monotonic() + (duration if duration is not None else 10**6)
    serial = itertools.count(int(time.time() * 1000) * 1000)
    queue = iter(random.sample(nurses, len(nurses)))
    lock = threading.Lock()

    def loop(slot: int) -> None:
        rng = random.Random(slot)
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            while time.monotonic() < stop:
                if duration is None:
                    with lock:
                        openid = next(queue, None)
                    if openid is None:
                        break
                else:
                    openid = rng.choice(nurses)
                n = next(serial)
                now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
                kind = KINDS[n % len(KINDS)]
                params = {"openid": openid, "e": int(openid.rsplit("-", 1)[1]), "now": now, "low": now - 2 * dt.timedelta(days=1),
                          "kind": kind, "key": f"msg:{n}", "push": hashlib.sha256(str(n).encode()).hexdigest()}
                for statement in (SQL_BINDING, SQL_ENTRY, *((SQL_TIMELINE,) if kind in RULED else ()), SQL_MESSAGE):
                    cursor.execute(statement, params)
                    cursor.fetchall()
                raw.commit()
                done[slot] += 1
            cursor.close()

    before = counters(db)
    started = time.monotonic()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.monotonic() - started
    after = counters(db)
    engine.dispose()
    total = max(1, sum(done))
    result: dict[str, Any] = {"writes": sum(done), "rps": sum(done) / seconds}
    for name in after:
        result[name] = (after[name] - before[name]) / total
    return result


def statement_reads(url: str, nurses: list[str], db: Engine, writes: int = 300) -> dict[str, float]:
    """Pages MariaDB read from disk for each statement of ``writes`` diary writes (a feed or a nappy: the timeline
    read included) of random nurses, one connection, one statement at a time (the server's counter before and
    after each: other clients of the server add to it)."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    reads: dict[str, int] = {"binding": 0, "entry": 0, "timeline": 0, "message": 0, "commit": 0}
    rng = random.Random(writes)
    serial = itertools.count(int(time.time() * 1000) * 1000 + 500_000)

    def page_reads() -> int:
        with db.connect() as conn:
            return int(conn.execute(text("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_reads'")).one()[1])

    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        for openid in rng.sample(nurses, min(writes, len(nurses))):
            n = next(serial)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            params = {"openid": openid, "e": int(openid.rsplit("-", 1)[1]), "now": now,
                      "low": now - 2 * dt.timedelta(days=1), "kind": RULED[n % len(RULED)], "key": f"msg:{n}",
                      "push": hashlib.sha256(str(n).encode()).hexdigest()}
            for name, statement in (("binding", SQL_BINDING), ("entry", SQL_ENTRY), ("timeline", SQL_TIMELINE),
                                    ("message", SQL_MESSAGE), ("commit", None)):
                before = page_reads()
                if statement is None:
                    raw.commit()
                else:
                    cursor.execute(statement, params)
                    cursor.fetchall()
                reads[name] += page_reads() - before
        cursor.close()
    engine.dispose()
    return {name: count / writes for name, count in reads.items()}

# -- the load ------------------------------------------------------------------------------------------------------

def run_once(server: Server, sender: WeChatSender, nurses: list[str], rng: random.Random, tmp: Path, args: argparse.Namespace,
             db: Engine, duration: float) -> dict[str, Any]:
    """One wrk run of diary writes by nurses in a random order; the server's counters a request."""
    file = tmp / "capacity-requests.txt"
    write_requests(file, text_pushes(sender, rng.sample(nurses, len(nurses)), NURSE_LINES,
                                     int(duration * args.ceiling) + 200))
    before = counters(db)
    result = run_wrk(server.url, file, connections=args.connections, duration=duration, expect=EXPECT)
    after = counters(db)
    done = max(1, result["requests"])
    for name in after:
        result[name] = (after[name] - before[name]) / done
    result["bad"] = sum(v for k, v in result["statuses"].items() if not k.startswith("2")) + result["unexpected"]
    return result


def measure(stage: str, servers: dict[str, Server], urls: dict[str, str], sender: WeChatSender,
            nurses: dict[str, list[str]], tmp: Path, args: argparse.Namespace, db: Engine, rng: random.Random
            ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Turns of the two databases (small, big; big, small; ...): a warm-up run, then the measured one over HTTP;
    then (``--sql-threads``) the write's statements alone, straight to the database."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {"http": {label: [] for label in urls},
                                                        "sql": {label: [] for label in urls}}
    for turn in range(args.rounds):
        for label in (list(urls) if turn % 2 == 0 else list(reversed(urls))):
            if not args.sql_only:
                run_once(servers[label], sender, nurses[label], rng, tmp, args, db, args.warmup)
                r = run_once(servers[label], sender, nurses[label], rng, tmp, args, db, args.duration)
                runs["http"][label].append(r)
                print(f"  {stage:<10} turn {turn + 1} {label:<5} HTTP {r['rps']:6.0f} req/s  p50 {r['p50']:6.1f} ms  "
                      f"p99 {r['p99']:6.1f} ms  disk reads {r['Innodb_buffer_pool_reads']:5.2f}  pages written "
                      f"{r['Innodb_buffer_pool_pages_flushed']:5.2f}  page splits {r['index_page_splits']:5.2f} a "
                      f"request  bad {r['bad']}", flush=True)
            if args.sql_threads:
                if args.sql_only:
                    sql_writes(urls[label], nurses[label], args.sql_threads, args.warmup, db)
                r = sql_writes(urls[label], nurses[label], args.sql_threads, args.duration, db)
                runs["sql"][label].append(r)
                print(f"  {stage:<10} turn {turn + 1} {label:<5} SQL  {r['rps']:6.0f} writes/s ({args.sql_threads} "
                      f"connections)  disk reads {r['Innodb_buffer_pool_reads']:5.2f}  pages written "
                      f"{r['Innodb_buffer_pool_pages_flushed']:5.2f}  page splits {r['index_page_splits']:5.2f} a write",
                      flush=True)
    return runs


def p99(runs: list[dict[str, Any]], kind: str) -> str:
    return f"{median(runs, 'p99'):6.0f}" if kind == "http" else f"{'-':>6}"


def median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def previous_revision() -> str:
    """The revision before the current head: what ``migrate`` upgrades from."""
    from alembic.script import ScriptDirectory

    from bot.store.migrate import alembic_config, head_revision

    down = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


def print_sizes(urls: dict[str, str], engagements: int) -> None:
    for label, url in urls.items():
        sizes = index_sizes(url)
        print(f"diary_entry's indexes in {label} ({make_url(url).database}): index, MB, leaf pages; a write touches one "
              f"leaf of each, at its engagement's tail ({engagements:,} engagements write)", flush=True)
        for index, _pages, leaves, mb in sizes:
            print(f"  {index:<56} {mb:6,} MB  {leaves:9,} leaf pages", flush=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--engagements", type=int, default=10_000, help="engagements, each with a nurse who writes")
    parser.add_argument("--days", type=int, default=40, help="days of entries in the big database (default 40)")
    parser.add_argument("--per-day", type=int, default=40, help="entries an engagement a day (default 40)")
    parser.add_argument("--stages", default="as-is,pool:1024,migrate",
                        help="comma-separated, in order: as-is, pool:MB, migrate (default as-is,pool:1024,migrate)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds a measured run (default 10)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of the warm-up run before each (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each database a stage (default 3; medians)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server-workers", type=int, default=4, help="gunicorn workers a server (default 4)")
    parser.add_argument("--sql-threads", type=int, default=8,
                        help="connections of the straight-to-the-database write runs (default 8; 0: none)")
    parser.add_argument("--sql-only", action="store_true", help="no HTTP runs: the database's part of the write only")
    parser.add_argument("--ceiling", type=int, default=900, help="requests a second to sign for (default 900)")
    parser.add_argument("--database", default="anxin_capacity", help="the big database; the small one gets _small")
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument("--reuse", action="store_true", help="measure the kept databases again, without building")
    args = parser.parse_args(argv)
    stages = [s for s in args.stages.split(",") if s]
    for stage in stages:
        if stage not in ("as-is", "migrate") and not (stage.startswith("pool:") and stage[5:].isdigit()):
            parser.error(f"unknown stage {stage!r}")
    names = {"small": f"{args.database}_small", "big": args.database}
    out: dict[str, Any] = {"stages": {}}
    rng = random.Random(5)
    fake = start_fake()
    db = server_engine()
    try:
        with ExitStack() as stack:
            if args.reuse:
                urls = {label: database_url(name) for label, name in names.items()}
            else:
                urls = {label: stack.enter_context(scratch_database(name, keep=args.keep))
                        for label, name in names.items()}
                build(args, fake, urls["small"], urls["big"], previous_revision() if "migrate" in stages else "head")
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="anxin-capacity-")))
            resize = stack.enter_context(buffer_pool(db))
            stack.enter_context(page_split_counter(db))
            with db.connect() as conn:
                original_mb = int(conn.execute(text("SELECT @@innodb_buffer_pool_size")).scalar_one()) // 2**20
            values = settings(urls["small"], fake.url)
            sender = WeChatSender.from_settings(create_app({**values, "ANXIN_LOG_LEVEL": "WARNING"}).config)
            nurses = {label: nurses_of(url) for label, url in urls.items()}
            print_sizes(urls, len(nurses["big"]))
            print("the statements of a diary write in chat (a feed, then a nappy), on the big database:", flush=True)
            explain_write(urls["big"], values, sender, nurses["big"][0])
            for number, stage in enumerate(stages, 1):
                if stage == "migrate":
                    for url in urls.values():
                        engine = make_engine(url)
                        t0 = time.perf_counter()
                        upgrade(engine)
                        print(f"migrated {make_url(url).database} to head: {time.perf_counter() - t0:.0f} s", flush=True)
                        engine.dispose()
                    print_sizes(urls, len(nurses["big"]))
                resize(int(stage[5:]) if stage.startswith("pool:") else original_mb)
                for label, url in urls.items():  # the steady state: every nurse has written since the pool was sized
                    warm = sql_writes(url, nurses[label], max(1, args.sql_threads), None, db)
                    print(f"  {stage:<10} warm pass, {label}: every nurse wrote once ({warm['writes']:,} writes, "
                          f"{warm['rps']:.0f} a second, disk reads {warm['Innodb_buffer_pool_reads']:.2f} a write)",
                          flush=True)
                servers = {} if args.sql_only else {
                    label: Server(f"anxin-capacity-{label}", "bot:create_app()", args.server_workers,
                                  environ({**values, "ANXIN_DATABASE_URL": url}), tmp, tmp / f"{label}.log",
                                  worker_class="sync") for label, url in urls.items()}
                try:
                    for server in servers.values():
                        server.start(ready_path="/healthz", timeout=300)  # a busy machine starts slowly
                    runs = measure(stage, servers, urls, sender, nurses, tmp, args, db, rng)
                finally:
                    for server in servers.values():
                        server.stop()
                share = pool_share(db, names)
                by_statement = {label: statement_reads(url, nurses[label], db) for label, url in urls.items()}
                out["stages"][f"{number}. {stage}"] = {"runs": runs, "pool_share": share, "statement_reads": by_statement}
                for label in urls:
                    print(f"  {stage}: {label}: diary_entry's pages in the buffer pool after the runs, by index: "
                          + ", ".join(f"{index.replace('ix_diary_entry_', '').replace('uq_diary_entry_', 'uq ')} "
                                      f"{cached:,}/{size:,}" for index, (cached, size) in sorted(share[label].items())),
                          flush=True)
                    print(f"  {stage}: {label}: pages read from disk a write, by statement (one connection, a feed or "
                          f"a nappy): " + ", ".join(f"{name} {v:.2f}" for name, v in by_statement[label].items()),
                          flush=True)
    finally:
        fake.stop()
        db.dispose()
    print()
    print(f"medians of {args.rounds} turns, {args.connections} connections, {args.server_workers} sync workers; "
          f"disk: pages MariaDB read from disk a request; written: pages it flushed a request")
    for kind in ("http", "sql"):
        if not any(found["runs"][kind]["small"] for found in out["stages"].values()):
            continue
        unit = "req/s" if kind == "http" else "wr/s"
        print(f"{'HTTP' if kind == 'http' else 'SQL only':<12} {'small ' + unit:>11} {'p99':>6} {'disk':>5} "
              f"{'written':>7} {'big ' + unit:>9} {'p99':>6} {'disk':>5} {'written':>7} {'big/small':>9}")
        for stage, found in out["stages"].items():
            small, big = found["runs"][kind]["small"], found["runs"][kind]["big"]
            ratio = median(big, "rps") / median(small, "rps")
            found.setdefault("ratio", {})[kind] = ratio
            print(f"{stage:<12} {median(small, 'rps'):11.0f} {p99(small, kind)} "
                  f"{median(small, 'Innodb_buffer_pool_reads'):5.2f} {median(small, 'Innodb_buffer_pool_pages_flushed'):7.2f} "
                  f"{median(big, 'rps'):9.0f} {p99(big, kind)} {median(big, 'Innodb_buffer_pool_reads'):5.2f} "
                  f"{median(big, 'Innodb_buffer_pool_pages_flushed'):7.2f} {ratio:9.2f}")
    return out


if __name__ == "__main__":
    main()
