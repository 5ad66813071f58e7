"""What reading a nurse's line costs: OpenCC, jieba and cn2an at start-up, and ``parse_lines`` a line.

Prints the start-up of the reading's libraries (OpenCC's two converters as ``bot.diary.reading.warm_up`` builds them;
the diary's private jieba Tokenizer as ``bot.diary.words.warm_up`` builds it, and a cold one, its cache file not yet
written), then µs a line of
``parse_lines`` over the corpus lines (``tests/diary/corpus``), every line read anew each round (the parser's
caches cleared), and of the three steps inside it (``fold_writing``, ``words.tokens``, ``words.digits``).

With ``--against REV`` the ``parse_lines`` figure is also taken on a checkout of REV (a temporary git worktree):
each round runs one child process for REV and one for this checkout, taking turns, on the same lines, so the
machine's drift touches both alike (two revisions of ``bot`` cannot share one interpreter); the last lines give
the best and the median rounds and the change.

    .venv/bin/python -m bench.reading
    .venv/bin/python -m bench.reading --against 3761291 --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "diary" / "corpus"


def corpus_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        lines += [item["line"] for item in doc.get("items") or []]
    return lines


def per_line_us(lines: list[str], repeats: int) -> float:
    """µs a line of ``parse_lines`` in this interpreter (whichever ``bot`` is first on sys.path), caches cleared."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bot.diary import parse

    tz = ZoneInfo("Asia/Shanghai")
    sent = dt.datetime(2026, 12, 7, 11, 0, tzinfo=tz)
    clear = _cache_clearers()
    for line in lines:  # warm-up: imports, the segmenter, regex compilation
        parse.parse_lines(line, sent, tz)
    best = float("inf")
    for _ in range(repeats):
        for cache_clear in clear:
            cache_clear()
        start = time.perf_counter()
        for line in lines:
            parse.parse_lines(line, sent, tz)
        best = min(best, (time.perf_counter() - start) / len(lines) * 1e6)
    return best


def _cache_clearers() -> list[Callable[[], None]]:
    """The ``cache_clear`` of every lru_cache the reading keeps (so each round reads every line anew)."""
    import importlib

    found: list[Callable[[], None]] = []
    for module_name in ("bot.diary.parse", "bot.diary.reading", "bot.diary.words"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # an older revision without the module
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                found.append(value.cache_clear)
    return found


def child(lines_file: str, repeats: int) -> None:
    lines = json.loads(Path(lines_file).read_text(encoding="utf-8"))
    print(json.dumps({"us_per_line": per_line_us(lines, repeats)}), flush=True)


def start_up() -> dict[str, float]:
    """Milliseconds to build what the reading needs, in this process."""
    import logging

    import jieba

    from bot.diary import reading, words

    figures = {}
    start = time.perf_counter()
    reading.warm_up()
    figures["opencc_ms"] = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    words.warm_up()
    figures["jieba_warm_up_ms"] = (time.perf_counter() - start) * 1e3
    jieba.setLogLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cold = jieba.Tokenizer()
        cold.cache_file = os.path.join(tmp, "cold.cache")
        cold.initialize()
        for word, frequency, tag in words.dictionary_words():
            cold.add_word(word, frequency, tag)
        figures["jieba_cold_ms"] = (time.perf_counter() - start) * 1e3
    return figures


def steps(lines: list[str], repeats: int) -> dict[str, float]:
    """µs a line of each step of the reading, caches cleared."""
    from bot.diary import words
    from bot.diary.reading import fold_writing

    folded = [fold_writing(line) for line in lines]
    figures = {}
    for name, step, inputs in (("fold_writing", fold_writing, lines), ("tokens", words.tokens, folded),
                               ("digits", words.digits, folded)):
        best = float("inf")
        for _ in range(repeats):
            words.tokens.cache_clear()
            start = time.perf_counter()
            for text in inputs:
                step(text)
            best = min(best, (time.perf_counter() - start) / len(inputs) * 1e6)
        figures[f"{name}_us"] = best
    return figures


def run_child(root: Path, lines_file: str, repeats: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                          "from bench.reading import child; child(sys.argv[2], int(sys.argv[3]))",
                          str(root), lines_file, str(repeats)],
                         cwd=root, env=env, check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["us_per_line"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", help="a revision to compare parse_lines against (git worktree)")
    parser.add_argument("--rounds", type=int, default=5, help="child runs of each revision, taking turns (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="passes over the corpus in each measurement (default 5)")
    args = parser.parse_args(argv)

    lines = corpus_lines()
    print(f"lines {len(lines)} from {CORPUS.relative_to(ROOT)}", flush=True)
    up = start_up()
    print("start-up " + " ".join(f"{k}={v:.1f}" for k, v in up.items()), flush=True)
    print("steps " + " ".join(f"{k}={v:.1f}" for k, v in steps(lines, args.repeats).items()), flush=True)
    print(f"parse_lines_us={per_line_us(lines, args.repeats):.1f} (this process)", flush=True)
    if not args.against:
        return
    with tempfile.TemporaryDirectory() as tmp:
        lines_file = os.path.join(tmp, "lines.json")
        Path(lines_file).write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
        other = Path(tmp) / "against"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.against],
                       check=True)
        # The other revision may predate this file: its child runs this checkout's bench module on its bot.
        (other / "bench" / "reading.py").write_text((ROOT / "bench" / "reading.py").read_text(encoding="utf-8"))
        figures: dict[str, list[float]] = {args.against: [], "this": []}
        try:
            for i in range(args.rounds):
                for label, root in ((args.against, other), ("this", ROOT)):
                    figures[label].append(run_child(root, lines_file, args.repeats))
                print(f"round {i + 1} " + " ".join(f"{k}={v[-1]:.1f}" for k, v in figures.items()), flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    for name, pick in (("best", min), ("median", statistics.median)):
        base, this = pick(figures[args.against]), pick(figures["this"])
        print(f"parse_lines_us {name} {args.against}={base:.1f} this={this:.1f} change={100 * (this / base - 1):+.1f}%",
              flush=True)


if __name__ == "__main__":
    main()
