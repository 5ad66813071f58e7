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
    result = run(sys.executable, "-m", "mypy", "--strict", "bot", "miniprogram_api", "config", "tests", "bench")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_ruff_is_clean() -> None:
    result = run(str(BIN / "ruff"), "check", "bot", "config", "miniprogram_api", "tests", "bench")
    assert result.returncode == 0, result.stdout[-4000:]


_DRIVERS = ("pymysql", "MySQLdb")
# The drivers' modules the app may use: their documented converters, handed to the driver's public ``conv=``.
_DRIVER_MODULES = {"pymysql.converters", "MySQLdb.converters", "MySQLdb.times"}


def _imports(path: Path) -> list[tuple[str, str]]:
    """Every (module, name) a file imports; the name is "" for ``import module``."""
    import ast

    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def test_the_app_uses_only_public_apis_of_sqlalchemy_and_the_drivers() -> None:
    """No private module or name of SQLAlchemy or a driver is imported, and a driver only by ``bot/store/db.py``,
    for its converters: the app talks to the database through SQLAlchemy's public API alone."""
    wrong = []
    for package in ("bot", "miniprogram_api", "config"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for module, name in _imports(path):
                top = module.split(".")[0]
                if top not in ("sqlalchemy", *_DRIVERS):
                    continue
                full = f"{module}.{name}" if name else module
                if any(part.startswith("_") for part in full.split(".")):
                    wrong.append(f"{path.relative_to(ROOT)}: {full} is private")
                allowed = module in _DRIVER_MODULES or full in _DRIVER_MODULES
                if top in _DRIVERS and (path.relative_to(ROOT).as_posix() != "bot/store/db.py" or not allowed):
                    wrong.append(f"{path.relative_to(ROOT)}: {full}: drivers are SQLAlchemy's business")
    assert not wrong, "\n".join(wrong)


def test_no_private_attribute_of_a_library_object_is_read_or_written() -> None:
    """``request._cached_data``, ``cursor._rows``, ``connection._has_events``: a library's private attribute, reached
    through one of the objects the app holds, breaks silently on its next release (STYLE.md, rule 12)."""
    import ast

    held = {"request", "response", "app", "current_app", "session", "engine", "connection", "conn", "cursor",
            "dbapi_connection", "result", "g"}
    wrong = []
    for package in ("bot", "miniprogram_api", "config"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                        and isinstance(node.value, ast.Name) and node.value.id in held):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not wrong, "\n".join(wrong)
