"""A smoke run of bench/load.py: the echo and Anxin on SQLite, a second each, every path answered."""

from __future__ import annotations

import importlib.util
import re
import shutil

import pytest

from bench.load import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)"),
    pytest.mark.skipif(importlib.util.find_spec("werobot") is None, reason="requirements-bench.txt not installed"),
]


def test_the_load_bench_replays_every_path_and_prints_the_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    rows = main(["--servers", "echo,werobot,anxin-sqlite", "--small", "--workers", "2", "--connections", "4",
                 "--duration", "1"])
    out = capsys.readouterr().out
    by_path = {(r.server, r.path): r for r in rows}
    assert set(by_path) == {("echo", "echo"), ("werobot", "echo"), *(("anxin-sqlite", p) for p in
                            ("diary_write", "parent_today", "badge_chat", "badge_web", "mp_entries", "mp_day"))}
    for row in rows:
        f = row.figures
        assert f["requests"] > 0 and 0 < f["p50"] <= f["p99"], row
        assert set(f["statuses"]) == ({"201"} if row.path == "mp_entries" else {"200"}), row
        assert f["unexpected"] == 0 and f["socket_errors"] == 0, row
        assert row.cpu_ms > 0
    assert all(by_path[("anxin-sqlite", p)].sql for p in ("diary_write", "parent_today", "badge_chat"))
    assert out.splitlines()[-1].startswith("ratios diary_write/echo=n/a diary_write/werobot_session=n/a")


def test_the_load_bench_reports_the_servers_collector_pauses(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--servers", "echo", "--workers", "2", "--connections", "4", "--duration", "1", "--gc"])
    lines = capsys.readouterr().out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("echo ") and " 4 echo" in line)
    # The probe loaded in the master and both workers; the run's pauses are counted under its row.
    assert re.fullmatch(r"    gc: \d+ full collections \(\d+ ms in all\), \d+ younger ones of 1 ms or more; "
                        r"the longest pause \d+\.\d ms \(the server's 3 processes so far\)", lines[row + 1])


@pytest.mark.skipif(importlib.util.find_spec("MySQLdb") is None, reason="mysqlclient not installed "
                    "(requirements-mysqlclient.txt)")
def test_the_load_bench_runs_anxin_on_the_mysql_driver_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.backends import mysql_or_skip

    mysql_or_skip().close()
    main(["--servers", "anxin-mariadb", "--only-sql", "--small", "--paths", "diary_write", "--mysql-driver", "mysqldb"])
    captured = capsys.readouterr()
    assert "anxin-mariadb: mysql+mysqldb; seeding" in captured.err
    assert re.search(r"anxin-mariadb: diary_write: [\d.]+ SQL statements a request", captured.out)
