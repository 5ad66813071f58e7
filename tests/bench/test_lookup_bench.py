"""A smoke run of bench/lookup.py on a small registry: it seeds, looks up and prints its figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.lookup import main


def test_the_benchmark_runs_on_a_small_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = main(["--workers", "300", "--requests", "150", "--sqlite-path", str(tmp_path / "bench.db"),
                    "--http", "2", "--http-workers", "2"])
    out = capsys.readouterr().out
    assert "seeded 300 workers" in out
    for name in ("find_profile", "web", "mp", "mistyped", "http"):
        figures = results["sqlite"][name]
        assert figures["rps"] > 0 and 0 < figures["p50"] <= figures["p99"]
    assert "GET /mp/v1/badges/CODE (JSON)" in out and "req/s" in out and "p99" in out
