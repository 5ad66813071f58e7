"""Anxin on a three-node MariaDB Galera cluster: three app servers, each on its own node, one Redis.

The cluster is ``deploy/galera/cluster.sh`` in a scratch directory (MySQL on 13306…13308 unless
``--port``); each app server is gunicorn with ``ANXIN_DATABASE_URL`` on its own node and the two
others as ``failover`` hosts; the WeChat API is the loopback fake. What it checks, from outside:

* **retried through another server**: the same message (one MsgId) pushed to two servers on two
  nodes at the same moment is answered the same by both and recorded once;
* **a nurse code bound on two nodes at the same moment** binds one nurse; the other is told it is used;
* **rate limits** count across the servers (Redis), and the **customer-service quota** of one user
  is spent on three nodes at once without going over;
* the **digest** and the **escalation** of an urgent flag, run by three schedulers on three nodes at once
  (leases in the database: a conditional UPDATE that conflicts across nodes), reach each person once;
* **steady load**: nurses writing through the three servers, WeChat's resends going to the next server:
  writes a second per node and for the cluster;
* **kill -9 of a node** mid-load: nothing acknowledged lost, nothing doubled; the servers go on through
  the others; the node restarts, rejoins by IST and holds every row the others hold.

It prints the counts and exits 1 on any loss, double or broken check (2: cannot run here).

    .venv/bin/python -m bench.cluster                       # 20 s of steady load, 30 s around the kill
    .venv/bin/python -m bench.cluster --seconds 8 --keep    # shorter; leave the cluster's directory
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import redis
import requests
from sqlalchemy import create_engine, text

from bench.anxin import Seeder, environ, settings, start_fake
from bench.faults import WeChatLoad, count_rows
from bench.harness import ROOT, Server
from bench.pushes import signed_push
from bot import create_app
from bot.core.clock import utcnow
from bot.delivery import plan as plans
from bot.diary.texts import BIND_USED, DIGEST_HEADER, ESCALATION_FAMILY
from bot.jobs import RunResult, run_job
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.wechat.simulator import WeChatSender, reply_text
from tests.fakes.wechat_api import WeChatApiFake

CLUSTER_SH = ROOT / "deploy" / "galera" / "cluster.sh"
GALERA = Path("/usr/lib/galera/libgalera_smm.so")
NODES = 3
DATABASE = "anxin_cluster"
LOOKUP_LIMIT = 4
WECHAT_WAIT = 5.0
DOWN_AT_LEAST = 10.0  # seconds a killed node stays down: longer than Galera's evs.suspect_timeout (5 s)
T = TypeVar("T")


def missing() -> str | None:
    """Why the cluster cannot run on this machine, or None."""
    if not GALERA.exists():
        return f"galera-4 is not installed ({GALERA}: apt-get install -y galera-4 rsync)"
    for tool in ("mariadbd", "mariadb-install-db", "mariadb", "rsync"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (apt-get install -y mariadb-server rsync)"
    return None


class Cluster:
    """The three nodes of ``deploy/galera/cluster.sh`` under ``base``."""

    def __init__(self, base: Path, port: int, gcomm: int) -> None:
        self.base, self.port, self.gcomm = base, port, gcomm

    def _sh(self, *args: str) -> str:
        env = {**os.environ, "ANXIN_GALERA_PORT": str(self.port), "ANXIN_GALERA_GCOMM": str(self.gcomm)}
        done = subprocess.run([str(CLUSTER_SH), args[0], str(self.base), *args[1:]], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"cluster.sh {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self) -> None:
        self._sh("start")

    def stop(self) -> None:
        self._sh("stop")

    def start_node(self, n: int) -> None:
        self._sh("start-node", str(n))

    def status(self) -> str:
        return self._sh("status").strip()

    def pid(self, n: int) -> int:
        return int((self.base / f"node{n}" / "mysqld.pid").read_text().strip())

    def mysql_port(self, n: int) -> int:
        return self.port + n - 1

    def url(self, n: int, database: str = DATABASE, failover: bool = True) -> str:
        others = ",".join(f"127.0.0.1:{self.mysql_port(m)}" for m in range(1, NODES + 1) if m != n)
        return (f"mysql+pymysql://root@127.0.0.1:{self.mysql_port(n)}/{database}?charset=utf8mb4"
                + (f"&failover={others}" if failover else ""))

    def wsrep(self, n: int, name: str) -> str:
        engine = create_engine(self.url(n, "", failover=False))
        try:
            with engine.connect() as conn:
                row = conn.execute(text("SHOW STATUS LIKE :n"), {"n": name}).first()
        finally:
            engine.dispose()
        return str(row[1]) if row else ""


def ports_free(first: int, count: int) -> bool:
    for port in range(first, first + count):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return False
    return True


@contextmanager
def running_cluster(port: int, gcomm: int, keep: bool) -> Iterator[Cluster]:
    if not ports_free(port, NODES) or not ports_free(gcomm, 10 * NODES):
        raise SystemExit(f"ports {port}…{port + NODES - 1} or {gcomm}…{gcomm + 10 * NODES} are taken "
                         "(another cluster running? --port / --gcomm)")
    # Under /tmp, not a private directory: the nodes (user mysql when started by root) must reach it.
    base = Path(tempfile.mkdtemp(prefix="anxin-galera-", dir="/tmp"))
    base.chmod(0o755)
    cluster = Cluster(base, port, gcomm)
    try:
        started = time.monotonic()
        cluster.start()
        print(f"cluster: three nodes Synced in {time.monotonic() - started:.1f} s (MySQL {port}…{port + NODES - 1}, "
              f"data under {base})", flush=True)
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            if keep:
                print(f"cluster: kept {base}")
            else:
                shutil.rmtree(base, ignore_errors=True)


def concurrently(*works: Callable[[], T]) -> list[T]:
    """Run each work in a thread of its own, released at the same moment; their results in order."""
    gate = threading.Barrier(len(works), timeout=60)
    results: list[Any] = [None] * len(works)
    errors: list[BaseException] = []

    def run(i: int, work: Callable[[], T]) -> None:
        try:
            gate.wait()
            results[i] = work()
        except BaseException as exc:  # reported in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    if errors:
        raise errors[0]
    return results


class Check:
    """The counts every scenario adds to, and whether any went wrong."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.figures: dict[str, Any] = {}

    def expect(self, name: str, ok: bool, detail: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)
        if not ok:
            self.failures.append(f"{name}: {detail}")


class Bench:
    def __init__(self, cluster: Cluster, fake: WeChatApiFake, redis_url: str, tmp: Path, clients: int = 6) -> None:
        self.cluster, self.fake, self.redis_url, self.tmp, self.clients = cluster, fake, redis_url, tmp, clients
        self.check = Check()
        self.servers: list[Server] = []

    # -- setting up -------------------------------------------------------------------------------------------
    def prepare(self) -> None:
        admin = create_engine(self.cluster.url(1, "", failover=False), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE}"))
            conn.execute(text(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4"))
        admin.dispose()
        # Migrations from two nodes at the same moment: one runs them under the migration lock (bot.store.migrate),
        # the other then finds the schema current.
        engines = [make_engine(self.cluster.url(n)) for n in (1, 2)]
        started = time.monotonic()
        concurrently(*(partial(upgrade, e) for e in engines))
        versions = [self.scalar(n, "SELECT COUNT(*) FROM alembic_version") for n in range(1, NODES + 1)]
        tables = [self.scalar(n, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = :d", d=DATABASE)
                  for n in range(1, NODES + 1)]
        self.check.expect("migrations run once", versions == [1] * NODES and len(set(tables)) == 1,
                          f"two nodes migrating at once, done in {time.monotonic() - started:.1f} s: alembic_version "
                          f"rows per node {versions}, tables per node {tables}")
        for engine in engines:
            engine.dispose()

    def app_settings(self, n: int, **extra: Any) -> dict[str, Any]:
        return {**settings(self.cluster.url(n), self.fake.url), "ANXIN_LOOKUP_LIMIT_USER": LOOKUP_LIMIT, **extra}

    def start_servers(self) -> None:
        for n in range(1, NODES + 1):
            values = self.app_settings(n, ANXIN_REDIS_URL=self.redis_url, ANXIN_LOG_FORMAT="json",
                                       ANXIN_LOG_LEVEL="INFO")
            server = Server(f"anxin-node{n}", "bot:create_app()", 2, environ(values), ROOT,
                            self.tmp / f"server{n}.log", threads=4)
            self.servers.append(server.start(ready_path="/healthz"))
        print(f"servers: {', '.join(f'{s.url} → node{i + 1}' for i, s in enumerate(self.servers))}", flush=True)

    def scalar(self, n: int, sql: str, **params: Any) -> Any:
        engine = create_engine(self.cluster.url(n, failover=False))
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()

    def say(self, sender: WeChatSender, server: int, openid: str, words: str, body: str | None = None) -> str:
        push = signed_push(sender, body or sender.text(openid, words))
        res = requests.post(self.servers[server].url + push.path, data=push.body.encode(), headers=dict(push.headers),
                            timeout=30)
        if res.status_code != 200:
            return f"HTTP {res.status_code}"
        return reply_text(sender.read_reply(res.content))

    # -- the scenarios ----------------------------------------------------------------------------------------
    def run(self, seconds: float, pairs: int) -> dict[str, Any]:
        app = create_app({**self.app_settings(1), "ANXIN_LOG_LEVEL": "ERROR"})
        seeder = Seeder(app, self.fake)
        sender = seeder.sender
        nurses, parents, spare_codes = [], [], []
        for i in range(6):
            _, nurse_code, family_code = seeder.engagement()
            nurses.append(f"o-cluster-nurse-{i}")
            seeder.bind_in_chat(nurses[-1], nurse_code)
            parents.append(f"o-cluster-parent-{i}")
            seeder.bind_in_chat(parents[-1], family_code)
        for _ in range(pairs // 4 + 2):
            spare_codes.append(seeder.engagement()[1])
        badge = seeder.badge()
        app.extensions["anxin_db"].engine.dispose()
        self.start_servers()

        self.same_message_twice(sender, nurses, pairs)
        self.bind_race(sender, spare_codes)
        self.shared_limits(sender, badge)
        self.steady(sender, nurses, seconds)
        self.jobs_once(nurses, parents, sender)
        self.kill_a_node(sender, nurses, seconds * 1.5)
        self.check.figures["conflicts_retried"] = self.retries()
        return self.check.figures

    def same_message_twice(self, sender: WeChatSender, nurses: list[str], pairs: int) -> None:
        print("retried through another server (same MsgId on two nodes at the same moment):", flush=True)
        tag, same, answered = f"D{uuid.uuid4().hex[:4]}", 0, 0
        for i in range(pairs):
            body = sender.text(nurses[i % len(nurses)], f"备注 {tag}{i:04d}")
            a, b = i % NODES, (i + 1) % NODES
            replies = concurrently(partial(self.say, sender, a, "", "", body), partial(self.say, sender, b, "", "", body))
            answered += all("已记录 1 条" in r for r in replies)
            same += replies[0] == replies[1]
        rows = count_rows(self.cluster.url(1), tag)
        doubled = sum(1 for n in rows.values() if n > 1)
        self.check.expect("answered and recorded once", answered == pairs and same == pairs and len(rows) == pairs
                          and doubled == 0, f"{pairs} messages pushed twice: both copies answered 已记录 {answered}, "
                          f"same answer {same}, recorded {len(rows)}, doubled {doubled}")
        self.check.figures["retried_through_another"] = {"pairs": pairs, "recorded": len(rows), "doubled": doubled}

    def bind_race(self, sender: WeChatSender, codes: list[str]) -> None:
        print("a nurse code bound on two nodes at the same moment:", flush=True)
        bound_once = 0
        for i, code in enumerate(codes):
            who = [f"o-race-{i}-a", f"o-race-{i}-b"]
            a, b = i % NODES, (i + 1) % NODES
            replies = concurrently(partial(self.say, sender, a, who[0], f"绑定 {code}"),
                                   partial(self.say, sender, b, who[1], f"绑定 {code}"))
            bindings = self.scalar(1, "SELECT COUNT(*) FROM binding WHERE openid IN (:a, :b)", a=who[0], b=who[1])
            told_used = sum(BIND_USED in r for r in replies)
            succeeded = sum("绑定成功" in r for r in replies)
            bound_once += bindings == 1 and succeeded == 1 and told_used == 1
        self.check.expect("binds once", bound_once == len(codes),
                          f"{len(codes)} codes each bound by two nurses on two nodes: bound once and the other "
                          f"told it is used {bound_once}")

    def shared_limits(self, sender: WeChatSender, badge: str) -> None:
        print("rate limits and the customer-service quota, shared:", flush=True)
        visitor = f"o-visitor-{uuid.uuid4().hex[:6]}"
        answers = [self.say(sender, i % NODES, visitor, badge) for i in range(LOOKUP_LIMIT + 2)]
        shown = sum("伍*芳" in a for a in answers)
        refused = sum("查询过于频繁" in a for a in answers)
        self.check.expect("rate limit across servers", shown == LOOKUP_LIMIT and refused == 2,
                          f"{len(answers)} look-ups by one visitor over three servers (limit {LOOKUP_LIMIT}): "
                          f"answered {shown}, refused {refused}")
        # One user's customer-service window spent from three nodes at once: never more than the allowance.
        parent = f"o-quota-{uuid.uuid4().hex[:6]}"
        window = plans.Window(utcnow(), plans.CUSTOM_LIMIT)
        allowance = plans.custom_allowance("flag", window)
        apps = [create_app({**self.app_settings(n), "ANXIN_LOG_LEVEL": "ERROR"}) for n in range(1, NODES + 1)]
        factories = [a.extensions["anxin_db"].session_factory for a in apps]
        taken = concurrently(*(lambda f=f: sum(plans.take_custom(f, parent, window, allowance) for _ in range(4))
                               for f in factories))
        used = [self.scalar(n, "SELECT used FROM custom_quota WHERE openid = :o", o=parent) for n in range(1, NODES + 1)]
        self.check.expect("customer-service quota across nodes", sum(taken) == allowance and used == [allowance] * NODES,
                          f"{4 * NODES} takes on three nodes (allowance {allowance}): taken {sum(taken)} "
                          f"({taken} per node), used per node {used}")
        for a in apps:
            a.extensions["anxin_db"].engine.dispose()

    def steady(self, sender: WeChatSender, nurses: list[str], seconds: float) -> None:
        print(f"steady load, {seconds:g} s over three servers:", flush=True)
        load = WeChatLoad([s.url for s in self.servers], sender, nurses, f"S{uuid.uuid4().hex[:4]}",
                          clients=self.clients)
        started = time.monotonic()
        load.start()
        time.sleep(seconds)
        load.stop()
        elapsed = time.monotonic() - started
        figures = self.losses(load)
        per_server = Counter(o.answered_by for o in load.outcomes if o.acknowledged)
        per_node = {f"node{i + 1}": round(per_server[s.url] / elapsed, 1) for i, s in enumerate(self.servers)}
        cluster = round(sum(per_server.values()) / elapsed, 1)
        print(f"  writes/s (acknowledged diary writes): {per_node}, cluster {cluster}", flush=True)
        self.check.figures["steady"] = {**figures, "writes_per_s": per_node, "cluster_writes_per_s": cluster}

    def jobs_once(self, nurses: list[str], parents: list[str], sender: WeChatSender) -> None:
        print("digest and escalation, three schedulers on three nodes at once (leases in the database):", flush=True)
        for i in range(2):  # two urgent flags, answered at once and sent to the parents
            assert "建议" in self.say(sender, i, nurses[i], "体温 38.6")
        deadline = time.time() + 30
        while time.time() < deadline and not all(self.fake.messages_to(p) for p in parents[:2]):
            time.sleep(0.2)
        apps = [create_app({**self.app_settings(n), "ANXIN_LOG_LEVEL": "ERROR", "ANXIN_ESCALATE_MINUTES": 1.0})
                for n in range(1, NODES + 1)]
        # The digest's clock: today 21:30 local, or now when later (bench.faults does the same).
        tz = ZoneInfo(apps[0].config["ANXIN_TIMEZONE"])
        now = max(dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(21, 30), tz).astimezone(dt.UTC), utcnow())
        runs: list[RunResult] = concurrently(*(lambda a=a: run_job(a, "digest", now=now) for a in apps))
        later = now + dt.timedelta(minutes=2)
        runs += concurrently(*(lambda a=a: run_job(a, "escalate", now=later) for a in apps))
        runs += concurrently(*(lambda a=a: run_job(a, "deliver", now=later) for a in apps))
        errors = [r.error for r in runs if r.error]
        header = DIGEST_HEADER.split("{")[0]
        again = ESCALATION_FAMILY.split("{")[0]
        digests = {p: sum(m["text"]["content"].startswith(header) for m in self.fake.messages_to(p))
                   + len(self.fake.templates_to(p)) for p in parents}
        escalations = {p: sum(m["text"]["content"].startswith(again) for m in self.fake.messages_to(p))
                       for p in parents[:2]}
        ran = Counter(r.name for r in runs if r.ran)
        self.check.expect("digest once per parent", set(digests.values()) == {1} and not errors,
                          f"digests per parent {sorted(digests.values())}; runs that took the lease {dict(ran)}; "
                          f"errors {errors}")
        self.check.expect("escalation once per parent", set(escalations.values()) == {1},
                          f"escalations per parent of a flagged family {sorted(escalations.values())}")
        for a in apps:
            a.extensions["anxin_db"].engine.dispose()

    def kill_a_node(self, sender: WeChatSender, nurses: list[str], seconds: float) -> None:
        victim = NODES
        print(f"kill -9 of node{victim} mid-load ({seconds:g} s):", flush=True)
        load = WeChatLoad([s.url for s in self.servers], sender, nurses, f"K{uuid.uuid4().hex[:4]}",
                          clients=self.clients)
        load.start()
        time.sleep(seconds / 3)
        killed = time.monotonic()
        os.kill(self.cluster.pid(victim), signal.SIGKILL)
        time.sleep(max(seconds / 3, DOWN_AT_LEAST))
        restarted = time.monotonic()
        self.cluster.start_node(victim)
        rejoined = time.monotonic()
        time.sleep(seconds / 3)
        load.stop()
        figures = self.losses(load)
        victim_server = self.servers[victim - 1].url
        # Answered by the dead node's server while its node was down or rejoining: through its failover hosts.
        carried = sum(1 for o in load.outcomes if o.acknowledged and o.answered_by == victim_server
                      and killed + 1 < o.answered_at < rejoined)
        statuses = Counter(s for t, s in load.timeline if killed <= t <= restarted)
        # The longest time without an answered write from the kill until the node was started again.
        answered_at = [killed, *sorted(t for t, s in load.timeline if s == "200" and killed <= t <= restarted)]
        paused = max(b - a for a, b in zip(answered_at, [*answered_at[1:], restarted], strict=True))
        ist = "IST" if "IST received" in (self.cluster.base / f"node{victim}" / "error.log").read_text(errors="replace") \
            else "SST"
        counts = {f"node{n}": sum(count_rows(self.cluster.url(n, failover=False), load.tag).values())
                  for n in range(1, NODES + 1)}
        states = {f"node{n}": self.cluster.wsrep(n, "wsrep_local_state_comment") for n in range(1, NODES + 1)}
        size = self.cluster.wsrep(1, "wsrep_cluster_size")
        print(f"  longest wait for an answered write after the kill {paused:.1f} s (Galera waits evs.suspect_timeout "
              f"before it drops a silent node); statuses while node{victim} was down: {dict(statuses)}; its server answered "
              f"{carried} writes while its node was down or rejoining; node{victim} rejoined by {ist} in "
              f"{rejoined - restarted:.1f} s; cluster size {size}; {states}", flush=True)
        self.check.expect("no acknowledged entry lost or doubled", figures["lost"] == 0 and figures["doubled"] == 0,
                          f"sent {figures['sent']}, acknowledged {figures['acknowledged']}, lost {figures['lost']}, "
                          f"doubled {figures['doubled']}")
        self.check.expect("the rejoined node caught up", len(set(counts.values())) == 1 and size == str(NODES)
                          and set(states.values()) == {"Synced"}, f"rows of this load per node {counts}")
        busy = sum(1 for o in load.outcomes if "系统繁忙" in o.reply)
        self.check.expect("the dead node's server carried on", carried > 0
                          and figures["unanswered"] == 0 and busy == 0,
                          f"{carried} writes answered through its failover hosts; messages never answered after 3 resends "
                          f"{figures['unanswered']}, answered 系统繁忙 {busy}")
        self.check.figures["kill"] = {**figures, "rows_per_node": counts, "rejoin": ist, "paused_seconds": round(paused, 1),
                                      "carried_by_dead_nodes_server": carried,
                                      "rejoin_seconds": round(rejoined - restarted, 1)}

    # -- counting ---------------------------------------------------------------------------------------------
    def losses(self, load: WeChatLoad) -> dict[str, int]:
        rows = count_rows(self.cluster.url(1), load.tag)
        acked = [o for o in load.outcomes if o.acknowledged]
        odd = Counter(o.reply[:40] for o in load.outcomes if o.reply and not o.acknowledged)
        if odd:
            print(f"  answered without 已记录: {dict(odd)}", flush=True)
        figures = {"sent": len(load.outcomes), "acknowledged": len(acked),
                   "lost": sum(1 for o in acked if rows[o.marker] == 0),
                   "doubled": sum(1 for n in rows.values() if n > 1),
                   "unanswered": sum(1 for o in load.outcomes if not o.attempts or o.attempts[-1] != "200"),
                   "resent": sum(len(o.attempts) - 1 for o in load.outcomes)}
        print(f"  sent {figures['sent']}  acknowledged {figures['acknowledged']}  lost {figures['lost']}  "
              f"doubled {figures['doubled']}  (resends {figures['resent']}, never answered {figures['unanswered']})",
              flush=True)
        return figures

    def retries(self) -> dict[str, int]:
        """The conflicts the servers retried (``db.conflict_retried`` in their JSON logs), by unit and code."""
        seen: Counter[str] = Counter()
        for n in range(1, NODES + 1):
            for line in (self.tmp / f"server{n}.log").read_text(errors="replace").splitlines():
                if '"db.conflict_retried"' in line:
                    fields = json.loads(line)
                    seen[f"{fields.get('unit')}:{fields.get('code')}"] += 1
        print(f"conflicts retried by the servers (unit:code): {dict(seen) or 'none'}", flush=True)
        return dict(seen)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="steady load (the kill load is 1.5 times it)")
    parser.add_argument("--clients", type=int, default=6,
                        help="WeChat clients of the loads, each waiting for its answer (default 6)")
    parser.add_argument("--pairs", type=int, default=24, help="messages pushed twice at once (default 24)")
    parser.add_argument("--port", type=int, default=13306, help="node 1's MySQL port (2 and 3 follow)")
    parser.add_argument("--gcomm", type=int, default=14567, help="node 1's gcomm port (+10 per node)")
    parser.add_argument("--redis", default=os.environ.get("ANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/7"),
                        help="an empty Redis database of its own (emptied again at the end)")
    parser.add_argument("--keep", action="store_true", help="leave the cluster's directory for inspection")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        sys.exit(2)
    client = redis.Redis.from_url(args.redis, socket_connect_timeout=2)
    try:
        if any(not key.startswith(b"anxin:test-claim") for key in client.scan_iter(count=100)):
            print(f"cannot run: Redis {args.redis} is not empty (give --redis an empty database)", file=sys.stderr)
            sys.exit(2)
    except redis.RedisError as exc:
        print(f"cannot run: Redis {args.redis}: {exc}", file=sys.stderr)
        sys.exit(2)
    fake = start_fake()
    bench: Bench | None = None
    try:
        with ExitStack() as stack:
            cluster = stack.enter_context(running_cluster(args.port, args.gcomm, args.keep))
            logs = cluster.base / "servers"  # kept with the cluster's directory (--keep)
            logs.mkdir()
            bench = Bench(cluster, fake, args.redis, logs, args.clients)
            try:
                bench.prepare()
                figures = bench.run(args.seconds, args.pairs)
            finally:
                for server in bench.servers:
                    server.stop()
    finally:
        fake.stop()
        client.flushdb()
        client.close()
    print()
    if bench.check.failures:
        print("FAILED: " + "; ".join(bench.check.failures))
        sys.exit(1)
    print("all checks held")
    return figures


if __name__ == "__main__":
    main()
