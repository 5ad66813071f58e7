"""A smoke run of bench/instructions.py: a diary write counted under callgrind, in millions a request."""

from __future__ import annotations

import shutil

import pytest

from bench.instructions import main

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("callgrind_control") is None, reason="valgrind is not installed"),
]


def test_the_instruction_count_of_a_diary_write_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    results = main(["--paths", "diary_write", "--requests", "3"])
    per_request = results["this"]["diary_write"]
    assert 1e6 < per_request < 1e8, per_request  # a few million: Flask, the parser, the rules, SQLAlchemy
    assert "diary_write" in capsys.readouterr().out
