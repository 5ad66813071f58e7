"""Anxin's hot paths against its peers, in one run, over real HTTP.

Starts, with identical gunicorn settings (``bench.harness.gunicorn_args``: sync workers unless
``--worker-class`` says otherwise), four servers:

* ``echo``           a bare Flask + wechatpy echo (``bench/servers/echo.py``): the floor;
* ``werobot``        WeRoBot with its default SQLite session store (``bench/servers/werobot_echo.py``);
* ``anxin-sqlite``   Anxin on a SQLite file;
* ``anxin-mariadb``  Anxin on MariaDB (a scratch database at 127.0.0.1:3306, dropped at the end);

and replays with wrk (``bench/replay.lua``) pre-signed pushes — a fresh nonce and MsgId each, signed
right before the run — for: the nurse's diary write, the parent's ``今天``, a badge code in chat,
``GET /b/CODE``, the mini-program's entry batch and its day view. For each it prints req/s, p50, p99,
server CPU per request (utime + stime of the gunicorn master and workers, from /proc) and SQL statements
per request (counted in process with a ``before_cursor_execute`` listener, the app driven by its test
client over the same kind of requests). Anxin's data goes in through its own entry points
(``bench/anxin.py``); rate limits are raised through settings, never taken off the code path.

The last line is ``ratios diary_write/echo=… diary_write/werobot_session=… lookup/echo=… p99_ms=…``
(MariaDB, 4 workers, 32 connections; ``lookup`` is the badge code in chat, ``p99_ms`` the worst p99 of
the chat paths).

    .venv/bin/pip install -r requirements-bench.txt && apt-get install -y wrk
    .venv/bin/python -m bench.load                                   # the full run: 2 and 4 workers, 8 and 32 connections
    .venv/bin/python -m bench.load --workers 4 --connections 32 --duration 5 --servers echo,anxin-sqlite
    .venv/bin/python -m bench.load --only-sql --show-sql --profile --servers anxin-mariadb  # no HTTP: statements, profile
    .venv/bin/python -m bench.load --gc --workers 4 --connections 32 --servers anxin-mariadb  # and the GC's pauses

``--gc`` prints, under each run's row, the servers' garbage-collector pauses during it (every full collection
and every pause of 1 ms or more, from a ``gc.callbacks`` hook that a ``sitecustomize`` on the servers'
``PYTHONPATH`` installs).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import CacheStats

from bench.anxin import PATHS, Seeded, environ, replay_in_process, seed, settings, start_fake
from bench.harness import Server, cpu_used, database_cpu, run_wrk, worker_class, write_requests, wrk_available
from bench.mariadb import SERVER_URL, scratch_database
from bench.pushes import text_pushes
from bot import create_app
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.wechat.simulator import WeChatSender
from config import MYSQL_DRIVERS, Config

SERVERS = ("echo", "werobot", "anxin-sqlite", "anxin-mariadb")
# Rough ceilings of req/s on a 2-core machine: enough requests are generated for the whole run.
CEILING = {"echo": 4500, "werobot": 1200, "anxin": 900}
CHAT_PATHS = [name for name, p in PATHS.items() if p.chat]


@dataclass
class Row:
    server: str
    workers: int
    connections: int
    path: str
    figures: dict[str, Any]
    cpu_ms: float
    sql: float | None
    load: float  # the machine's 1-minute load average when the run started (others share it)
    db_cpu_ms: float | None = None  # the database server's CPU per request (MariaDB runs only)


@dataclass
class SqlCount:
    per_request: float
    commits_per_request: float
    sample: list[str]
    compiled_per_request: float = 0.0  # compiled afresh each time: a construct SQLAlchemy cannot cache
    uncached: list[str] = field(default_factory=list)


def shorten(statement: str) -> str:
    return " ".join(statement.split())[:150]


def count_sql(app: Any, seeded: Seeded, path: str, requests: int = 20, warmup: int = 5) -> SqlCount:
    """Statements (and commits) per request of ``path``, in process; the statements of the last request."""
    engine = app.extensions["anxin_db"].engine
    statements: list[str] = []
    commits = [0]

    compiled: list[str] = []  # statements SQLAlchemy compiled afresh, not taken from its cache

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append(statement)
        if context is not None and context.compiled is not None and context.cache_hit != CacheStats.CACHE_HIT:
            compiled.append(statement)

    def on_commit(conn: Any) -> None:
        commits[0] += 1

    client = app.test_client()
    made = list(PATHS[path].make(seeded, warmup + requests))
    for req in made[:warmup]:
        replay_in_process(client, req)
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        per: list[int] = []
        last: list[str] = []
        compiled.clear()
        for req in made[warmup:]:
            before = len(statements)
            status, body = replay_in_process(client, req)
            if status >= 400 or PATHS[path].expect.encode() not in body:
                raise RuntimeError(f"{path}: {status} {body[:300]!r}")
            per.append(len(statements) - before)
            last = statements[before:]
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
    return SqlCount(statistics.mean(per), commits[0] / requests, [shorten(s) for s in last],
                    len(compiled) / requests, sorted({shorten(s) for s in compiled}))


def profile(app: Any, seeded: Seeded, path: str, requests: int) -> str:
    """pyinstrument's text profile of ``requests`` requests of ``path`` through the test client."""
    from pyinstrument import Profiler

    client = app.test_client()
    made = list(PATHS[path].make(seeded, requests + 5))
    for req in made[:5]:
        replay_in_process(client, req)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for req in made[5:]:
        replay_in_process(client, req)
    profiler.stop()
    text: str = profiler.output_text(unicode=True, color=False, show_all=False)
    root = profiler.last_session.root_frame() if profiler.last_session else None
    return text + ("\n" + flat_profile(root, requests) if root else "")


def _package(path: str) -> str:
    """``sqlalchemy``, ``pymysql``, ``bot.diary.parse``…: where a frame's code lives."""
    parts = Path(path).with_suffix("").parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    for top in ("bot", "miniprogram_api", "bench"):
        if top in parts:
            return ".".join(parts[parts.index(top):])
    return "python" if "lib" in parts else Path(path).name


def flat_profile(root: Any, requests: int, top: int = 12) -> str:
    """Self time per package and per function, in ms a request: where the CPU goes, not who called it."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    stack = [root]
    while stack:
        frame = stack.pop()
        if frame.is_synthetic:  # pyinstrument's "[self]" leaf: counted with its parent below
            continue
        stack.extend(frame.children)
        own = frame.time - sum(child.time for child in frame.children if not child.is_synthetic)
        if own <= 0:
            continue
        path = frame.file_path or "?"
        package = _package(path)
        by_package[package.split(".")[0] if not package.startswith("bot") else package] += own
        by_function[f"{frame.function} ({frame.file_path_short}:{frame.line_no})"] += own
    total = sum(by_package.values()) or 1.0
    lines = [f"self time, ms a request (of {total * 1000 / requests:.2f}):"]
    for name, seconds in by_package.most_common(top):
        lines.append(f"  {seconds * 1000 / requests:6.3f}  {100 * seconds / total:4.1f} %  {name}")
    lines.append("functions:")
    for name, seconds in by_function.most_common(2 * top):
        lines.append(f"  {seconds * 1000 / requests:6.3f}  {100 * seconds / total:4.1f} %  {name}")
    return "\n".join(lines)


@contextlib.contextmanager
def database(kind: str, tmp: Path, mysql_driver: str | None = None) -> Iterator[str]:
    if kind == "anxin-sqlite":
        yield f"sqlite:///{tmp / 'anxin-bench.db'}"
    else:
        server = make_url(SERVER_URL)
        if mysql_driver is not None:
            server = server.set(drivername=f"{server.get_backend_name()}+{mysql_driver}")
        with scratch_database(server_url=server.render_as_string(hide_password=False)) as url:
            yield url


def pool_size(server: str, duration: float) -> int:
    return int(CEILING["anxin" if server.startswith("anxin") else server] * duration * 1.5) + 200


# The servers' sitecustomize with --gc: each process appends "unix time, generation, ms" of every full collection
# and of every pause of 1 ms or more to BENCH_GC_LOG/PID.log.
GC_PROBE = """import gc, os, time

_started = [0.0]


def _log():
    return os.path.join(os.environ["BENCH_GC_LOG"], f"{os.getpid()}.log")


def _begin():  # every process has a log, pauses or not: gunicorn's workers are forked from the master
    open(_log(), "a").close()


def _note(phase, info):
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    took = time.perf_counter() - _started[0]
    if info["generation"] == 2 or took >= 0.001:
        with open(_log(), "a") as out:
            out.write(f"{time.time():.6f} {info['generation']} {took * 1000:.3f}\\n")


_begin()
os.register_at_fork(after_in_child=_begin)
gc.callbacks.append(_note)
"""


def gc_probe(tmp: Path) -> dict[str, str]:
    """The environment that makes a server's processes log their collector's pauses (``--gc``)."""
    where = tmp / "gc"
    (where / "probe").mkdir(parents=True, exist_ok=True)
    (where / "probe" / "sitecustomize.py").write_text(GC_PROBE)
    return {"PYTHONPATH": str(where / "probe"), "BENCH_GC_LOG": str(where)}


def gc_pauses(env: dict[str, str], since: float, until: float) -> str:
    """What the servers' collectors did between ``since`` and ``until`` (unix times), as one line."""
    full: list[float] = []
    other: list[float] = []
    logs = list(Path(env["BENCH_GC_LOG"]).glob("*.log"))
    for log in logs:
        for line in log.read_text().splitlines():
            at, generation, ms = line.split()
            if since <= float(at) <= until:
                (full if generation == "2" else other).append(float(ms))
    longest = max(full + other, default=0.0)
    return (f"    gc: {len(full)} full collections ({sum(full):.0f} ms in all), {len(other)} younger ones of 1 ms "
            f"or more; the longest pause {longest:.1f} ms (the server's {len(logs)} processes so far)")


def run_server(name: str, app_spec: str, env: dict[str, str], tmp: Path, args: argparse.Namespace,
               paths: list[tuple[str, str, Any]], sql: dict[str, SqlCount], rows: list[Row]) -> None:
    """Start ``name`` with each worker count and replay every path at each connection count."""
    if args.gc:
        env = {**env, **gc_probe(tmp)}
    for workers in args.workers:
        server = Server(name, app_spec, workers, env, tmp, tmp / f"{name}-{workers}.log",
                        worker_class=args.worker_class, threads=args.threads)
        server.start(ready_path="/healthz" if name.startswith("anxin") else "/")
        try:
            for connections in args.connections:
                for path, expect, make in paths:
                    file = tmp / "requests.txt"
                    write_requests(file, make(pool_size(name, args.duration)))
                    load = os.getloadavg()[0]
                    db_before = database_cpu() if name == "anxin-mariadb" else None
                    before = server.cpu_seconds()
                    since = time.time()
                    figures = run_wrk(server.url, file, connections=connections, duration=args.duration, expect=expect)
                    until = time.time()
                    after = server.cpu_seconds()
                    db_after = database_cpu() if db_before is not None else None
                    done = max(figures["requests"], 1)
                    cpu_ms = 1000 * cpu_used(before, after) / done
                    db_ms = 1000 * (db_after - db_before) / done if db_before is not None and db_after is not None else None
                    count = sql.get(path)
                    row = Row(name, workers, connections, path, figures, cpu_ms, count.per_request if count else None, load,
                              db_ms)
                    rows.append(row)
                    print(format_row(row), flush=True)
                    if args.gc:
                        print(gc_pauses(env, since, until), flush=True)
                    time.sleep(1)
        finally:
            server.stop()


def format_errors(figures: dict[str, Any]) -> str:
    bad = {k: v for k, v in figures["statuses"].items() if not k.startswith("2")}
    parts = [f"{k}×{v}" for k, v in sorted(bad.items())]
    if figures["socket_errors"]:
        parts.append(f"socket×{figures['socket_errors']}")
    if figures["unexpected"]:
        parts.append(f"unexpected×{figures['unexpected']}")
    if figures["exhausted"]:
        parts.append("ran out of requests")
    return ", ".join(parts) or "-"


HEADER = (f"{'server':<14} {'w':>2} {'c':>3} {'path':<14} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU ms/req':>10} {'DB CPU':>6} {'SQL/req':>7} {'load':>5}  errors")


def format_row(row: Row) -> str:
    f = row.figures
    sql = f"{row.sql:7.1f}" if row.sql is not None else f"{'-':>7}"
    db = f"{row.db_cpu_ms:6.2f}" if row.db_cpu_ms is not None else f"{'-':>6}"
    return (f"{row.server:<14} {row.workers:>2} {row.connections:>3} {row.path:<14} {f['rps']:7.0f} {f['p50']:8.1f} "
            f"{f['p99']:8.1f} {row.cpu_ms:10.2f} {db} {sql} {row.load:5.1f}  {format_errors(f)}")


def ratios(rows: list[Row]) -> str:
    """The summary line: MariaDB, 4 workers, 32 connections (or the largest setting that was run)."""
    def pick(server: str, path: str) -> Row | None:
        found = [r for r in rows if r.server == server and r.path == path]
        return max(found, key=lambda r: (r.workers == 4, r.connections == 32, r.workers, r.connections), default=None)

    write, echo, wero, lookup = (pick("anxin-mariadb", "diary_write"), pick("echo", "echo"),
                                 pick("werobot", "echo"), pick("anxin-mariadb", "badge_chat"))

    def ratio(a: Row | None, b: Row | None) -> str:
        return f"{a.figures['rps'] / b.figures['rps']:.2f}" if a and b and b.figures["rps"] else "n/a"

    chat = [r for r in (pick("anxin-mariadb", p) for p in CHAT_PATHS) if r]
    p99 = f"{max(r.figures['p99'] for r in chat):.0f}" if chat else "n/a"
    return f"ratios diary_write/echo={ratio(write, echo)} diary_write/werobot_session={ratio(write, wero)} " \
           f"lookup/echo={ratio(lookup, echo)} p99_ms={p99}"


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"comma-separated, of {', '.join(SERVERS)}")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"Anxin paths, of {', '.join(PATHS)}")
    parser.add_argument("--workers", default="2,4", help="gunicorn worker counts (default 2,4)")
    parser.add_argument("--connections", default="8,32", help="wrk connection counts (default 8,32)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (default 10)")
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn worker class of every server (default sync; deploy/gunicorn.conf.py runs gthread)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread; default 1)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements one request of each path issues")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile N requests of each path in process (pyinstrument)")
    parser.add_argument("--only-sql", action="store_true", help="no HTTP runs: seed, count statements (and profile)")
    parser.add_argument("--small", action="store_true", help="seed a small data set (a quick check of the bench)")
    parser.add_argument("--gc", action="store_true", help="print the servers' garbage-collector pauses of each run")
    parser.add_argument("--mysql-driver", choices=MYSQL_DRIVERS, default=None,
                        help="anxin-mariadb's driver (default: ANXIN_TEST_MYSQL_URL's, else pymysql; mysqldb is "
                             "mysqlclient, requirements-mysqlclient.txt)")
    args = parser.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",")]
    args.connections = [int(c) for c in args.connections.split(",")]
    servers = [s for s in args.servers.split(",") if s]
    paths = [p for p in args.paths.split(",") if p]
    for name in servers:
        if name not in SERVERS:
            parser.error(f"unknown server {name!r}")
    for name in paths:
        if name not in PATHS:
            parser.error(f"unknown path {name!r}")
    if not args.only_sql and not wrk_available():
        parser.error("wrk is not installed (apt-get install -y wrk)")

    print(f"gunicorn worker class: {args.worker_class}, {args.threads} thread(s) a worker (deploy/gunicorn.conf.py "
          f"runs {worker_class()}); workers {args.workers}, connections {args.connections}, {args.duration:g} s a run",
          flush=True)
    rows: list[Row] = []
    sender = WeChatSender(token=Config.ANXIN_WECHAT_TOKEN, appid=Config.ANXIN_WECHAT_APPID)
    echo_env = {"BENCH_WECHAT_TOKEN": Config.ANXIN_WECHAT_TOKEN}
    visitors = [f"o-echo-{i}" for i in range(500)]

    def echo_pushes(count: int) -> Iterator[Any]:
        return text_pushes(sender, visitors, ["喂奶 120ml"], count)

    with tempfile.TemporaryDirectory(prefix="anxin-load-") as tmp_name:
        tmp = Path(tmp_name)
        if not args.only_sql:
            print(HEADER, flush=True)
            if "echo" in servers:
                run_server("echo", "bench.servers.echo:app", echo_env, tmp, args, [("echo", "喂奶", echo_pushes)], {}, rows)
            if "werobot" in servers:
                run_server("werobot", "bench.servers.werobot_echo:app", echo_env, tmp, args,
                           [("echo", "喂奶", echo_pushes)], {}, rows)
        for name in servers:
            if not name.startswith("anxin"):
                continue
            rows += run_anxin(name, tmp, args, paths)
    if rows:
        print()
        print(HEADER)
        for row in rows:
            print(format_row(row))
        print(ratios(rows), flush=True)
    return rows


def run_anxin(name: str, tmp: Path, args: argparse.Namespace, paths: list[str]) -> list[Row]:
    fake = start_fake()
    rows: list[Row] = []
    try:
        with database(name, tmp, args.mysql_driver) as url:
            values = settings(url, fake.url)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            app = create_app({**values, "ANXIN_LOG_LEVEL": "WARNING"})
            started = time.perf_counter()
            print(f"{name}: {make_url(url).drivername}; seeding through the app's own entry points", file=sys.stderr,
                  flush=True)
            sizes = dict(chat_writers=20, readers=5, mp_writers=10, badges=5) if args.small else {}
            seeded = seed(app, fake, log=lambda m: print(m, file=sys.stderr, flush=True), **sizes)
            print(f"{name}: seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            sql = {}
            for path in paths:
                sql[path] = count_sql(app, seeded, path)
                print(f"{name}: {path}: {sql[path].per_request:.1f} SQL statements a request "
                      f"(+{sql[path].commits_per_request:.1f} commits, "
                      f"{sql[path].compiled_per_request:.1f} compiled afresh)", flush=True)
                for statement in sql[path].uncached:
                    print(f"    not cached: {statement}", flush=True)
                if args.show_sql:
                    for statement, n in Counter(sql[path].sample).items():
                        print(f"    {n}× {statement}", flush=True)
            if args.profile:
                for path in paths:
                    print(f"\n{name}: profile of {args.profile} × {path} (pyinstrument, in process)\n", flush=True)
                    print(profile(app, seeded, path, args.profile), flush=True)
            app.extensions["anxin_db"].engine.dispose()
            if not args.only_sql:
                targets = [(p, PATHS[p].expect, lambda n, p=p: PATHS[p].make(seeded, n)) for p in paths]
                run_server(name, "bot:create_app()", environ(values), tmp, args, targets, sql, rows)
    finally:
        fake.stop()
    return rows


if __name__ == "__main__":
    main()
