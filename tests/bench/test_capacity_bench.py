"""A smoke run of bench/capacity.py on MariaDB: the two databases built, every nurse writing, straight to the database."""

from __future__ import annotations

import pytest

from bench.capacity import main
from tests.support.backends import mysql_or_skip

pytestmark = pytest.mark.slow

INDEXES = {"PRIMARY", "ix_diary_entry_baby_id", "uq_diary_entry_engagement_id_client_id",
           "ix_diary_entry_engagement_id_occurred_at", "ix_diary_entry_engagement_id_kind_occurred_at",
           "ix_diary_entry_engagement_id_author_openid_recorded_at"}


def test_the_capacity_bench_writes_on_both_databases_and_says_what_each_statement_read(
        capsys: pytest.CaptureFixture[str]) -> None:
    mysql_or_skip().close()
    # The server's buffer pool is left as it is (no pool: stage): the server is shared with every other test.
    out = main(["--workers", "40", "--engagements", "20", "--days", "3", "--per-day", "8", "--stages", "as-is",
                "--sql-only", "--sql-threads", "2", "--duration", "1", "--warmup", "0.5", "--rounds", "2",
                "--database", "anxin_capacity_smoke"])
    printed = capsys.readouterr().out
    stage = out["stages"]["1. as-is"]
    for label in ("small", "big"):
        runs = stage["runs"]["sql"][label]
        assert len(runs) == 2 and all(r["writes"] > 0 and r["rps"] > 0 for r in runs), runs
        assert all(r["Innodb_buffer_pool_reads"] >= 0 for r in runs)
        assert stage["runs"]["http"][label] == []  # --sql-only
        assert set(stage["statement_reads"][label]) == {"binding", "entry", "timeline", "message", "commit"}
        assert set(stage["pool_share"][label]) == INDEXES
        assert all(0 <= cached <= size for cached, size in stage["pool_share"][label].values())
        assert f"warm pass, {label}: every nurse wrote once (20 writes" in printed
    assert stage["ratio"]["sql"] > 0
    # The big database holds the three days, the small one today's; the explain names the flag rules' index.
    assert "ix_diary_entry_engagement_id_kind_occurred_at (range)" in printed
    assert printed.splitlines()[-1].startswith("1. as-is")
