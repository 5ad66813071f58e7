"""A smoke run of bench/reading.py: start-up, the reading's steps and parse_lines against a revision."""

from __future__ import annotations

import re

import pytest

from bench.reading import main

# A git worktree and two child processes: with the other benchmarks, under make check only.
pytestmark = pytest.mark.slow


def test_the_benchmark_prints_start_up_and_a_line_against_a_revision(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--against", "HEAD", "--rounds", "1", "--repeats", "1"])
    out = capsys.readouterr().out
    assert re.search(r"start-up opencc_ms=[\d.]+ jieba_warm_up_ms=[\d.]+ jieba_cold_ms=[\d.]+", out)
    assert re.search(r"steps fold_writing_us=[\d.]+ tokens_us=[\d.]+ digits_us=[\d.]+", out)
    assert re.search(r"parse_lines_us best HEAD=[\d.]+ this=[\d.]+ change=[+-][\d.]+%", out)
