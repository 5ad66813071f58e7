"""A smoke run of bench/scale.py on MariaDB: two small databases taking turns, every answer a day view."""

from __future__ import annotations

import shutil

import pytest

from bench.scale import main
from tests.support.backends import mysql_or_skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)"),
]


def test_the_scale_bench_measures_both_databases_in_turns_and_queues_the_digest(
        capsys: pytest.CaptureFixture[str]) -> None:
    mysql_or_skip().close()
    out = main(["--workers", "60", "--engagements", "12", "--days", "3", "--per-day", "4", "--parents", "8",
                "--duration", "1", "--rounds", "2", "--server-workers", "1", "--database", "anxin_scale_smoke"])
    printed = capsys.readouterr().out
    assert out["entries"] == 12 * 3 * 4 + 10  # the template day's ten entries, and three days of twelve families
    for label in ("small", "big"):
        assert set(out[label]) == {"chat 今天 @1", "mp day view @1", "chat 今天 @32", "mp day view @32"}
        for runs in out[label].values():
            assert len(runs) == 2  # one a turn
            for run in runs:
                assert run["requests"] > 0 and set(run["statuses"]) == {"200"} and run["unexpected"] == 0, run
                assert run["page_reads"] >= 0
    # The turns alternate: small, big; then big, small.
    turns = [line.split()[2:4] for line in printed.splitlines() if line.lstrip().startswith("turn ")]
    firsts = [t for n, t in enumerate(turns) if n % 4 == 0]
    assert firsts == [["small", "data"], ["big", "data"], ["big", "data"], ["small", "data"]], turns
    # Each family has its chat parent and one in the mini-program (all twelve are in the sample of 200).
    assert out["digest"]["counts"]["engagements"] == 12 and out["digest"]["counts"]["queued"] == 24
    assert set(out["ratios"]) == set(out["small"]) and all(r > 0 for r in out["ratios"].values())
