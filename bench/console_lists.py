"""How fast the console's worker list is with 10,000 workers: python -m bench.console_lists [--mysql]."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid

from sqlalchemy import insert, text

from bot.agency.listing import find_workers
from bot.models import Agency, Verification, Worker
from bot.store.db import make_engine
from bot.store.migrate import upgrade

TODAY = dt.date(2026, 11, 20)


def seed(engine, workers: int) -> int:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    with engine.begin() as conn:
        agency_id = conn.execute(insert(Agency).values(name="bench", api_key_hash=uuid.uuid4().hex,
                                                       created_at=dt.datetime.now(dt.UTC))).inserted_primary_key[0]
        rows = [dict(agency_id=agency_id, name=f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice('秀美丽芳红英')}{i}",
                     id_number_enc="x", id_number_digest=f"{i:064d}", phone_enc=None, gender="female",
                     birth_date=dt.date(1985, 1, 1), service_types=["月嫂"], experience_years=3,
                     created_at=dt.datetime.now(dt.UTC)) for i in range(workers)]
        conn.execute(insert(Worker), rows)
        ids = [r[0] for r in conn.execute(text("SELECT id FROM worker WHERE agency_id = :a"), {"a": agency_id})]
        checks = []
        for worker_id in ids:
            for kind in ("identity", "health", "no_criminal_record", "training_exam", "vocational_cert", "insurance"):
                expires = TODAY + dt.timedelta(days=rng.randint(-60, 400))
                checks.append(dict(worker_id=worker_id, kind=kind, status=rng.choice(["verified"] * 8 + ["pending"]),
                                   expires_on=expires, checked_on=TODAY, created_at=dt.datetime.now(dt.UTC)))
        conn.execute(insert(Verification), checks)
    return int(agency_id)


def measure(url: str, label: str, workers: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    agency_id = seed(engine, workers)
    from sqlalchemy.orm import Session

    for name, kwargs in [("page 1, no filter", {}), ("light=yellow", {"light": "yellow"}),
                         ("q=秀 (name)", {"q": "秀"}), ("page 200", {"page": 200})]:
        times = []
        for _ in range(20):
            with Session(engine) as session:
                start = time.perf_counter()
                found = find_workers(session, agency_id, TODAY, per_page=20, **kwargs)  # type: ignore[arg-type]
                times.append((time.perf_counter() - start) * 1000)
        print(f"{label:8} {name:18} total={found.total:6}  p50 {statistics.median(times):6.1f} ms  "
              f"max {max(times):6.1f} ms")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=10000)
    parser.add_argument("--mysql", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{folder}/bench.db", "SQLite", args.workers)
    if args.mysql:
        import pymysql

        name = f"anxin_bench_{uuid.uuid4().hex[:8]}"
        conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
        conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        try:
            measure(f"mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4", "MariaDB", args.workers)
        finally:
            conn.cursor().execute(f"DROP DATABASE `{name}`")


if __name__ == "__main__":
    main()
