"""The code's own rules, run by the test command: where code may import from, strict types, lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_import_contracts_hold() -> None:
    """Domain packages know no Flask and no WeChat; handlers know no Flask; surfaces do not import each other."""
    result = run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_mypy_strict_passes() -> None:
    result = run(sys.executable, "-m", "mypy", "--strict", "bot", "miniprogram_api", "config")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_ruff_is_clean() -> None:
    result = run(str(BIN / "ruff"), "check", "bot", "config", "miniprogram_api", "tests", "bench")
    assert result.returncode == 0, result.stdout[-4000:]
