"""Anxin under faults, on a MariaDB instance of its own (port 3307, a temporary data directory).

Three scripted faults, each printing sent / acknowledged / lost / doubled:

* ``db-restart``  MariaDB is stopped and started again in the middle of a diary-write load. While it is
                  down, /wechat must not answer 200 (so that WeChat retries) and /healthz must say 503;
                  afterwards every entry a nurse was told was recorded (``已记录``) is in the database, once,
                  and the same gunicorn workers answer again (no restart).
* ``kill-worker`` a gunicorn worker is killed with ``kill -9`` mid-load (twice): nothing lost or doubled.
* ``wechat-down`` the WeChat API (the loopback fake of tests/fakes/wechat_api.py) refuses every send for a
                  while: the evening digest is queued, the ``deliver`` job runs on a clock that moves on, and
                  every parent gets the digest exactly once after WeChat accepts again.

The load behaves as WeChat does: each push waits up to 5 s for an answer and is resent (same MsgId,
freshly signed) up to three times when it got none or an error status. Never touches the shared server
on 3306.

    .venv/bin/python -m bench.faults                         # all three
    .venv/bin/python -m bench.faults db-restart --seconds 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.anxin import Seeder, environ, settings, start_fake
from bench.harness import Server
from bench.pushes import signed_push
from bot import create_app
from bot.core.clock import utcnow
from bot.jobs import run_job
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.wechat.simulator import WeChatSender, reply_text
from tests.fakes.wechat_api import WeChatApiFake

PORT = 3307
WECHAT_WAIT = 5.0  # WeChat gives a server 5 s to answer
WECHAT_RETRIES = 3


class OwnMariaDB:
    """mariadbd on 127.0.0.1:3307 with its data, socket and log in ``base`` (no grant tables: scratch only)."""

    def __init__(self, base: Path, port: int = PORT) -> None:
        self.base = base
        self.port = port
        self.datadir = base / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"mysql+pymysql://root@127.0.0.1:{port}/anxin_faults?charset=utf8mb4"

    def install(self) -> None:
        installer = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        if installer is None:
            raise SystemExit("mariadb-install-db not found (apt-get install -y mariadb-server)")
        subprocess.run([installer, "--no-defaults", f"--datadir={self.datadir}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        daemon = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        self.process = subprocess.Popen(
            [daemon, "--no-defaults", f"--datadir={self.datadir}", f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--socket={self.base / 'mysqld.sock'}", f"--pid-file={self.base / 'mysqld.pid'}", "--user=root",
             "--skip-grant-tables", "--skip-name-resolve", "--innodb-buffer-pool-size=128M",
             f"--log-error={self.base / 'error.log'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        engine = create_engine(f"mysql+pymysql://root@127.0.0.1:{self.port}/?charset=utf8mb4")
        try:
            for _ in range(300):
                try:
                    with engine.connect() as conn:
                        conn.execute(text("SELECT 1"))
                    return
                except Exception:  # any failure means "not up yet"
                    if self.process.poll() is not None:
                        raise SystemExit(f"mariadbd exited; see {self.base / 'error.log'}") from None
                    time.sleep(0.1)
        finally:
            engine.dispose()
        raise SystemExit(f"mariadbd did not answer on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)

    def create_database(self) -> None:
        engine = create_engine(f"mysql+pymysql://root@127.0.0.1:{self.port}/?charset=utf8mb4",
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS anxin_faults"))
            conn.execute(text("CREATE DATABASE anxin_faults CHARACTER SET utf8mb4"))
        engine.dispose()


@contextmanager
def own_mariadb() -> Iterator[OwnMariaDB]:
    with tempfile.TemporaryDirectory(prefix="anxin-faults-db-") as base:
        db = OwnMariaDB(Path(base))
        db.install()
        db.start()
        try:
            yield db
        finally:
            db.stop()


@dataclass
class Outcome:
    """What WeChat saw of one message."""

    marker: str
    attempts: list[str] = field(default_factory=list)  # "200", "500", "timeout", "refused", ...
    acknowledged: bool = False  # the nurse was shown 已记录
    answered_by: str = ""  # the server of the attempt that was answered
    reply: str = ""  # what it answered
    answered_at: float = 0.0  # time.monotonic() of that answer


class WeChatLoad:
    """Nurses writing through /wechat as WeChat delivers: 5 s to answer, three resends of the same MsgId.

    Given several servers (``url`` a list), message n goes to server n, and each resend to the next one."""

    def __init__(self, url: str | list[str], sender: WeChatSender, nurses: list[str], tag: str,
                 clients: int = 8) -> None:
        self.urls = [url] if isinstance(url, str) else list(url)
        self.url, self.sender, self.nurses, self.tag, self.clients = self.urls[0], sender, nurses, tag, clients
        self.outcomes: list[Outcome] = []
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.timeline: list[tuple[float, str]] = []  # (time, status) of every attempt

    def _deliver(self, http: requests.Session, n: int) -> Outcome:
        marker = f"{self.tag}{n:06d}"
        outcome = Outcome(marker)
        body = self.sender.text(self.nurses[n % len(self.nurses)], f"备注 {marker}")  # one MsgId for every resend
        for attempt in range(1 + WECHAT_RETRIES):
            push = signed_push(self.sender, body)
            url = self.urls[(n + attempt) % len(self.urls)]
            try:
                res = http.post(url + push.path, data=push.body.encode(), headers=dict(push.headers),
                                timeout=WECHAT_WAIT)
                status = str(res.status_code)
            except requests.Timeout:
                status = "timeout"
            except requests.ConnectionError:
                status = "connection error"
            outcome.attempts.append(status)
            with self._lock:
                self.timeline.append((time.monotonic(), status))
            if status == "200":
                outcome.reply = reply_text(self.sender.read_reply(res.content))
                outcome.acknowledged = "已记录" in outcome.reply
                outcome.answered_by = url
                outcome.answered_at = time.monotonic()
                return outcome
            if status not in ("timeout",):
                time.sleep(1.0)  # WeChat resends a few seconds later
        return outcome

    def _client(self) -> None:
        http = requests.Session()
        while not self._stop.is_set():
            outcome = self._deliver(http, next(self._serial))
            with self._lock:
                self.outcomes.append(outcome)

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)


def count_rows(url: str, tag: str) -> Counter[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT text FROM diary_entry WHERE text LIKE :tag"), {"tag": f"%{tag}%"}).scalars()
        found = Counter(str(line).split()[-1] for line in rows)
    engine.dispose()
    return found


def report(name: str, load: WeChatLoad, url: str) -> dict[str, int]:
    rows = count_rows(url, load.tag)
    sent = len(load.outcomes)
    acked = [o for o in load.outcomes if o.acknowledged]
    figures = {
        "sent": sent,
        "acknowledged": len(acked),
        "lost": sum(1 for o in acked if rows[o.marker] == 0),
        "doubled": sum(1 for n in rows.values() if n > 1),
        "unanswered": sum(1 for o in load.outcomes if not o.attempts or o.attempts[-1] != "200"),
        "recorded_unanswered": sum(1 for o in load.outcomes if not o.acknowledged and rows[o.marker] > 0),
        "resent": sum(len(o.attempts) - 1 for o in load.outcomes),
    }
    print(f"{name}: sent {figures['sent']}  acknowledged {figures['acknowledged']}  lost {figures['lost']}  "
          f"doubled {figures['doubled']}  (resends {figures['resent']}; gave up after 3 resends "
          f"{figures['unanswered']}, of which recorded anyway {figures['recorded_unanswered']})", flush=True)
    return figures


def anxin_server(db: OwnMariaDB, fake: WeChatApiFake, tmp: Path, workers: int = 2) -> tuple[Server, Seeder, list[str]]:
    """Migrated schema, eight nurses bound in chat (through the app), and gunicorn serving it."""
    db.create_database()
    engine = make_engine(db.url)
    upgrade(engine)
    engine.dispose()
    values = settings(db.url, fake.url)
    app = create_app({**values, "ANXIN_LOG_LEVEL": "ERROR"})
    seeder = Seeder(app, fake)
    nurses = []
    for i in range(8):
        _, nurse_code, _ = seeder.engagement()
        nurses.append(f"o-fault-nurse-{i}")
        seeder.bind_in_chat(nurses[-1], nurse_code)
    app.extensions["anxin_db"].engine.dispose()
    server = Server("anxin-faults", "bot:create_app()", workers, environ(values), tmp, tmp / "faults-server.log")
    server.start(ready_path="/healthz")
    return server, seeder, nurses


def db_restart(db: OwnMariaDB, fake: WeChatApiFake, tmp: Path, seconds: float) -> dict[str, Any]:
    server, seeder, nurses = anxin_server(db, fake, tmp)
    workers_before = sorted(server.pids())
    load = WeChatLoad(server.url, seeder.sender, nurses, "R")
    health: list[tuple[float, int | str]] = []
    polling = threading.Event()

    def poll_health() -> None:
        while not polling.is_set():
            try:
                status: int | str = requests.get(server.url + "/healthz", timeout=WECHAT_WAIT).status_code
            except requests.RequestException:
                status = "no answer"
            health.append((time.monotonic(), status))
            time.sleep(0.25)

    poller = threading.Thread(target=poll_health, daemon=True)
    try:
        load.start()
        poller.start()
        time.sleep(seconds / 3)
        down = time.monotonic()
        db.stop()
        time.sleep(3)
        db.start()
        up = time.monotonic()
        time.sleep(seconds * 2 / 3)
        load.stop()
        polling.set()
        poller.join()
        during = Counter(str(s) for t, s in load.timeline if down <= t <= up)
        health_during = Counter(str(s) for t, s in health if down + 0.5 <= t <= up)
        acked_after = [t for t, s in load.timeline if t > up and s == "200"]
        print(f"db-restart: MariaDB down for {up - down:.1f} s; /wechat answered during the outage: "
              f"{dict(during)}; /healthz during the outage: {dict(health_during)}; first 200 after it came back: "
              f"{(min(acked_after) - up) if acked_after else float('nan'):.1f} s; gunicorn pids unchanged: "
              f"{sorted(server.pids()) == workers_before}", flush=True)
        figures: dict[str, Any] = report("db-restart", load, db.url)
        figures["wechat_during_outage"] = dict(during)
        figures["healthz_during_outage"] = dict(health_during)
        return figures
    finally:
        load.stop()
        polling.set()
        server.stop()


def kill_worker(db: OwnMariaDB, fake: WeChatApiFake, tmp: Path, seconds: float) -> dict[str, Any]:
    server, seeder, nurses = anxin_server(db, fake, tmp)
    load = WeChatLoad(server.url, seeder.sender, nurses, "K")
    assert server.process is not None
    try:
        load.start()
        killed = []
        for _ in range(2):
            time.sleep(seconds / 3)
            victim = next(pid for pid in server.pids() if pid != server.process.pid)
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
        time.sleep(seconds / 3)
        load.stop()
        print(f"kill-worker: killed workers {killed} with SIGKILL; statuses seen: "
              f"{dict(Counter(s for _, s in load.timeline))}", flush=True)
        return report("kill-worker", load, db.url)
    finally:
        load.stop()
        server.stop()


def wechat_down(db: OwnMariaDB, fake: WeChatApiFake, tmp: Path, families: int = 50) -> dict[str, Any]:
    """Digest to ``families`` parents while WeChat refuses; the deliver job runs every (simulated) minute."""
    db.create_database()
    engine = make_engine(db.url)
    upgrade(engine)
    engine.dispose()
    app = create_app({**settings(db.url, fake.url), "ANXIN_LOG_LEVEL": "ERROR"})
    seeder = Seeder(app, fake)
    parents = []
    for i in range(families):
        _, nurse_code, family_code = seeder.engagement()
        seeder.bind_in_chat(f"o-wd-nurse-{i}", nurse_code)
        parents.append(f"o-wd-parent-{i}")
        seeder.bind_in_chat(parents[-1], family_code)
        seeder.write_a_day(f"o-wd-nurse-{i}", 5)
    refusing = ["/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"]
    for path in refusing:
        fake.fail_next(path, status=503, times=10**6)
    now = dt.datetime.combine(seeder.today, dt.time(21, 30), seeder.tz).astimezone(dt.UTC)
    now = max(now, utcnow())
    runs = [run_job(app, "digest", now=now)]
    minutes = 0
    refused_minutes = 20
    while minutes < 180:
        minutes += 1
        if minutes == refused_minutes:
            fake.failures.clear()  # WeChat accepts again
        result = run_job(app, "deliver", now=now + dt.timedelta(minutes=minutes))
        runs.append(result)
        if minutes > refused_minutes:
            with app.extensions["anxin_db"].new_session() as session:
                pending = session.execute(text("SELECT COUNT(*) FROM notification WHERE status <> 'sent'")).scalar_one()
            if pending == 0:
                break
    accepted = Counter(p for p in parents for _ in fake.messages_to(p) + fake.templates_to(p))
    refused = sum(1 for c in fake.state.calls
                  if c.path in refusing and not (isinstance(c.body, dict) and c.body.get("_accepted")))
    figures = {
        "sent": len(parents), "acknowledged": sum(1 for p in parents if accepted[p] >= 1),
        "lost": sum(1 for p in parents if accepted[p] == 0), "doubled": sum(1 for p in parents if accepted[p] > 1),
    }
    print(f"wechat-down: WeChat refused every send for {refused_minutes} minutes ({refused} refusals); all delivered "
          f"{minutes - refused_minutes} minutes after it accepted again", flush=True)
    print(f"wechat-down: sent {figures['sent']}  acknowledged {figures['acknowledged']}  lost {figures['lost']}  "
          f"doubled {figures['doubled']}", flush=True)
    app.extensions["anxin_db"].engine.dispose()
    return figures


FAULTS: dict[str, Callable[..., dict[str, Any]]] = {"db-restart": db_restart, "kill-worker": kill_worker,
                                                    "wechat-down": wechat_down}


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("faults", nargs="*", default=list(FAULTS), help=f"of {', '.join(FAULTS)} (default: all)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each write load (default 15)")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    fake = start_fake()
    try:
        with own_mariadb() as db, tempfile.TemporaryDirectory(prefix="anxin-faults-") as tmp_name:
            tmp = Path(tmp_name)
            for name in args.faults:
                if name == "wechat-down":
                    results[name] = wechat_down(db, fake, tmp)
                else:
                    results[name] = FAULTS[name](db, fake, tmp, args.seconds)
                fake.reset()
    finally:
        fake.stop()
    print()
    print(f"{'fault':<12} {'sent':>6} {'acknowledged':>12} {'lost':>5} {'doubled':>7}")
    for name, f in results.items():
        print(f"{name:<12} {f['sent']:>6} {f['acknowledged']:>12} {f['lost']:>5} {f['doubled']:>7}")
    if any(f["lost"] or f["doubled"] for f in results.values()):
        sys.exit(1)
    return results


if __name__ == "__main__":
    main()
