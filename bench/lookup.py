"""Benchmark of the badge lookup path with a registry of N workers (default 100,000).

Seeds a fresh database with bulk inserts (workers with encrypted numbers, six
verifications each, consent, a badge, some engagements, ratings and complaints),
then times:

* ``find_profile`` (the domain function, with its rate-limit upsert and log insert, committed),
* ``GET /b/CODE`` (the web page) and ``GET /mp/v1/badges/CODE`` (JSON) through the Flask app,

and prints requests per second and p50/p99 latency for each. Not part of the test suite.

    .venv/bin/python -m bench.lookup                     # SQLite file, 100,000 workers
    .venv/bin/python -m bench.lookup --mysql             # also MariaDB at 127.0.0.1:3306 (a scratch database)
    .venv/bin/python -m bench.lookup --workers 1000 --requests 200
    .venv/bin/python -m bench.lookup --http 8             # also over real HTTP: gunicorn, 8 concurrent clients
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql
from sqlalchemy import Engine, insert

from bot import create_app
from bot.core.clock import utcnow
from bot.core.security import FieldCipher, hash_api_key
from bot.lookup.codes import generate_code
from bot.lookup.profile import Limits, Profile, find_profile
from bot.models import VERIFICATION_KINDS, Agency, Badge, Complaint, Engagement, Rating, Verification, Worker
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from config import settings_for_tests

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "秀芳丽娟英华玉兰红梅霞春燕桂珍琴云莲凤洁静敏慧"
BATCH = 5000


def seed(engine: Engine, workers: int, cipher: FieldCipher, today: dt.date, rng: random.Random) -> list[str]:
    """Fill the registry with bulk inserts; return the badge codes."""
    now = utcnow()
    codes: list[str] = []
    with engine.begin() as conn:
        agency_ids = []
        for i in range(20):
            result = conn.execute(insert(Agency).values(name=f"基准家政服务有限公司{i:02d}",
                                                        api_key_hash=hash_api_key(f"bench-{i}-{uuid.uuid4()}"),
                                                        created_at=now))
            assert result.inserted_primary_key is not None
            agency_ids.append(result.inserted_primary_key[0])
    next_id = 1
    for start in range(0, workers, BATCH):
        n = min(BATCH, workers - start)
        ids = list(range(next_id, next_id + n))
        next_id += n
        worker_rows, verification_rows, badge_rows, engagement_rows = [], [], [], []
        for wid in ids:
            id_number = f"33020319{rng.randint(60, 99)}0101{wid:04d}"[-18:]
            worker_rows.append({
                "id": wid, "agency_id": agency_ids[wid % len(agency_ids)],
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "id_number_enc": cipher.encrypt(id_number, "worker.id_number"),
                "id_number_digest": cipher.digest(id_number, "worker.id_number"),
                "phone_enc": cipher.encrypt(f"139{wid:08d}", "worker.phone"),
                "gender": "female", "birth_date": dt.date(1965 + wid % 35, 1 + wid % 12, 1 + wid % 28),
                "service_types": ["月嫂", "育婴师"], "experience_years": wid % 25, "hometown": None,
                "consent_signed_on": today, "consent_recorded_at": now, "created_at": now,
            })
            for kind in VERIFICATION_KINDS:
                if kind != "identity" and rng.random() < 0.1:
                    continue  # some checks missing: yellow lights too
                verification_rows.append({
                    "worker_id": wid, "kind": kind, "status": "verified",
                    "document_no_enc": None, "issued_on": today - dt.timedelta(days=100),
                    "expires_on": today + dt.timedelta(days=rng.randint(-30, 700)),
                    "checked_on": today - dt.timedelta(days=100), "created_at": now,
                })
            code = generate_code()
            codes.append(code)
            badge_rows.append({"code": code, "worker_id": wid, "issued_at": now,
                               "expires_on": today + dt.timedelta(days=700), "revoked_at": None})
            if wid % 4 == 0:
                engagement_rows.append({
                    "id": wid, "agency_id": agency_ids[wid % len(agency_ids)], "worker_id": wid, "family_name": "张",
                    "baby_nickname": None, "starts_on": today - dt.timedelta(days=60),
                    "ends_on": today - dt.timedelta(days=34), "baby_birth_date": None, "birth_weight_g": None,
                    "nurse_code": f"N{wid}", "nurse_code_used_at": None, "family_code": f"F{wid}", "created_at": now,
                })
        with engine.begin() as conn:
            conn.execute(insert(Worker), worker_rows)
            conn.execute(insert(Verification), verification_rows)
            conn.execute(insert(Badge), badge_rows)
            if engagement_rows:
                conn.execute(insert(Engagement), engagement_rows)
                conn.execute(insert(Rating), [
                    {"engagement_id": e["id"], "day": today - dt.timedelta(days=40 + d), "stars": rng.randint(3, 5),
                     "comment": None, "rated_by": "o-bench", "created_at": now, "updated_at": now}
                    for e in engagement_rows for d in range(5)
                ])
                conn.execute(insert(Complaint), [
                    {"agency_id": e["agency_id"], "worker_id": e["worker_id"], "engagement_id": e["id"],
                     "openid": "o-bench", "text": "迟到", "created_at": now, "response_text": None,
                     "responded_at": None}
                    for e in engagement_rows[::10]
                ])
    return codes


def measure(name: str, requests: int, call: Callable[[int], Any]) -> dict[str, float]:
    """Call ``call(i)`` ``requests`` times; print and return requests/s, p50 and p99 (ms)."""
    latencies = []
    started = time.perf_counter()
    for i in range(requests):
        t0 = time.perf_counter()
        call(i)
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    figures = {
        "rps": requests / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }
    print(f"  {name:<34} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.2f} ms   p99 {figures['p99']:6.2f} ms",
          flush=True)
    return figures


@contextmanager
def mysql_database() -> Iterator[str]:
    conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", charset="utf8mb4", autocommit=True)
    name = f"anxin_bench_{uuid.uuid4().hex[:8]}"
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def run(url: str, workers: int, requests: int, label: str, http_clients: int = 0,
        http_workers: int = 4) -> dict[str, dict[str, float]]:
    settings = settings_for_tests(
        ANXIN_DATABASE_URL=url, ANXIN_LOOKUP_LIMIT_USER=10**9, ANXIN_LOOKUP_LIMIT_ADDRESS=10**9, ANXIN_LOOKUP_LIMIT_TOTAL=10**9,
        ANXIN_LOOKUP_FAILED_USER=10**9, ANXIN_LOOKUP_FAILED_ADDRESS=10**9, ANXIN_LOOKUP_ALERT_VIEWS=10**9,
        ANXIN_MP_LIMIT_USER=10**9,  # measure the lookup, not the per-user API limit
    )
    engine = make_engine(url)
    upgrade(engine)
    today = dt.date.today()
    rng = random.Random(20261122)
    t0 = time.perf_counter()
    codes = seed(engine, workers, FieldCipher.from_settings(settings), today, rng)
    engine.dispose()
    print(f"{label}: seeded {workers:,} workers with badges in {time.perf_counter() - t0:.1f} s", flush=True)
    app = create_app(settings)
    db = app.extensions["anxin_db"]
    limits = Limits.from_settings(app.config)
    sample = [rng.choice(codes) for _ in range(requests)]
    results: dict[str, dict[str, float]] = {}

    def domain(i: int) -> None:
        with db.new_session() as session:
            result = find_profile(session, sample[i], "mp", who=f"o-bench-{i % 50}", address="10.0.0.1",
                                  today=today, limits=limits)
            session.commit()
        assert isinstance(result, Profile)

    results["find_profile"] = measure("find_profile (domain, logged)", requests, domain)
    client = app.test_client()

    def web(i: int) -> None:
        res = client.get(f"/b/{sample[i]}")
        assert res.status_code == 200, res.status_code

    results["web"] = measure("GET /b/CODE (HTML)", requests, web)
    with app.app_context():
        from miniprogram_api.auth import issue_token

        token = issue_token("o-bench-mp")

    def mp(i: int) -> None:
        res = client.get(f"/mp/v1/badges/{sample[i]}", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 200, res.status_code

    results["mp"] = measure("GET /mp/v1/badges/CODE (JSON)", requests, mp)

    def mistyped(i: int) -> None:
        code = sample[i]
        res = client.get(f"/b/{code[:10]}{'0' if code[10] != '0' else '1'}")
        assert res.status_code == 400

    results["mistyped"] = measure("GET /b/CODE, mistyped", requests, mistyped)
    db.engine.dispose()
    if http_clients:
        results["http"] = measure_http(settings, sample, http_clients, http_workers)
    return results


def measure_http(settings: dict[str, Any], sample: list[str], clients: int, workers: int) -> dict[str, float]:
    """``GET /b/CODE`` over real HTTP: gunicorn with ``workers`` processes, ``clients`` concurrent clients."""
    import os
    import socket
    import subprocess
    import sys
    import threading

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update({k: str(v) for k, v in settings.items() if v is not None})
    env.update(ANXIN_LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "bot:create_app()"],
        env=env, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        latencies: list[float] = []
        lock = threading.Lock()

        def client(offset: int) -> None:
            session = requests.Session()
            mine = []
            for code in sample[offset::clients]:
                t0 = time.perf_counter()
                res = session.get(f"{base}/b/{code}", timeout=30)
                mine.append((time.perf_counter() - t0) * 1000)
                assert res.status_code == 200, res.status_code
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    figures = {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }
    name = f"HTTP GET /b/CODE ({workers} gunicorn workers, {clients} clients)"
    print(f"  {name:<34} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.2f} ms   p99 {figures['p99']:6.2f} ms",
          flush=True)
    return figures


def main(argv: list[str] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--mysql", action="store_true", help="also run on MariaDB at 127.0.0.1:3306 (root)")
    parser.add_argument("--sqlite-path", type=Path, default=None, help="SQLite file (default: a temporary one)")
    parser.add_argument("--http", type=int, default=0, metavar="CLIENTS",
                        help="also drive GET /b/CODE over real HTTP (gunicorn) with this many concurrent clients")
    parser.add_argument("--http-workers", type=int, default=4, help="gunicorn worker processes for --http")
    args = parser.parse_args(argv)
    all_results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.sqlite_path or Path(tmp) / "bench.db"
        if path.exists():
            path.unlink()
        all_results["sqlite"] = run(f"sqlite:///{path}", args.workers, args.requests, "SQLite", args.http,
                                    args.http_workers)
    if args.mysql:
        with mysql_database() as url:
            all_results["mysql"] = run(url, args.workers, args.requests, "MariaDB", args.http, args.http_workers)
    return all_results


if __name__ == "__main__":
    main()
