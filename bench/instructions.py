"""Instructions a request, counted: the app's own work per hot path, which the machine's speed does not move.

Timings on a shared 2-core machine move by half within a day; instruction counts do not. This runs
Anxin in process (its test client, a scratch MariaDB database, the loopback WeChat fake, the data of
``bench.anxin.seed``) under ``valgrind --tool=callgrind`` and counts the instructions the Python process
executes for ``--requests`` requests of each path, after 50 of warm-up (``callgrind_control`` dumps the
counters around each path). MariaDB's own work is not in the count. With ``--against REV`` the same runs
are made, side by side, on a checkout of another revision (a temporary git worktree), and the last line
gives each path's change.

    apt-get install -y valgrind
    .venv/bin/python -m bench.instructions                                  # ~5 min
    .venv/bin/python -m bench.instructions --against HEAD~5 --paths diary_write,badge_chat
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARMUP = 50
ROOT = Path(__file__).resolve().parent.parent


def child(root: str, paths: list[str], requests: int, signals: Path) -> None:
    """Under callgrind: seed, then for each path warm up, say READY, wait, run, say DONE, wait."""
    sys.path.insert(0, root)  # the revision being counted, not necessarily this checkout
    from bench.anxin import PATHS as MAKERS
    from bench.anxin import replay_in_process, seed, settings, start_fake
    from bench.mariadb import scratch_database
    from bot import create_app
    from bot.store.db import make_engine
    from bot.store.migrate import upgrade

    def wait_for(name: str) -> None:
        while not (signals / name).exists():
            time.sleep(0.1)

    fake = start_fake()
    try:
        with scratch_database() as url:
            values = settings(url, fake.url)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            app = create_app({**values, "ANXIN_LOG_LEVEL": "WARNING"})
            seeded = seed(app, fake, chat_writers=20, readers=5, mp_writers=5, badges=5, log=lambda m: None)
            client = app.test_client()
            for path in paths:
                made = list(MAKERS[path].make(seeded, requests + WARMUP))
                for req in made[:WARMUP]:
                    replay_in_process(client, req)
                print(f"READY {path}", flush=True)
                wait_for(f"{path}.go")
                for req in made[WARMUP:]:
                    status, body = replay_in_process(client, req)
                    if status >= 400 or MAKERS[path].expect.encode() not in body:
                        raise RuntimeError(f"{path}: {status} {body[:200]!r}")
                print(f"DONE {path}", flush=True)
                wait_for(f"{path}.next")
    finally:
        fake.stop()


def _wait_line(log: Path, line: str, process: subprocess.Popen[bytes]) -> None:
    while line not in log.read_text(errors="replace"):
        if process.poll() is not None:
            raise RuntimeError(f"the counted process ended before {line!r}:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)


def count(root: Path, paths: list[str], requests: int, work: Path, label: str) -> dict[str, float]:
    """Instructions a request of each path for the checkout at ``root``."""
    work.mkdir(parents=True, exist_ok=True)
    log = work / "child.log"
    out = work / "callgrind.out"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(Path(__file__).resolve()),
             "--child", str(root), "--paths", ",".join(paths), "--requests", str(requests), "--signals", str(work)],
            stdout=sink, stderr=subprocess.STDOUT, cwd=root,
        )
    result: dict[str, float] = {}
    try:
        for path in paths:
            _wait_line(log, f"READY {path}", process)
            subprocess.run(["callgrind_control", "-d", f"before-{path}", str(process.pid)], check=True,
                           capture_output=True)
            (work / f"{path}.go").touch()
            _wait_line(log, f"DONE {path}", process)
            subprocess.run(["callgrind_control", "-d", path, str(process.pid)], check=True, capture_output=True)
            (work / f"{path}.next").touch()
            result[path] = _dumped(work, path) / requests
            print(f"{label:>10} {path:14s} {result[path] / 1e6:8.2f} M instructions a request", flush=True)
    finally:
        if process.wait(timeout=600) != 0:
            raise RuntimeError(f"the counted process failed:\n{log.read_text(errors='replace')[-2000:]}")
    return result


def _dumped(work: Path, path: str) -> float:
    """The instruction total of the dump callgrind wrote for the trigger ``path``."""
    for _ in range(100):
        for dump in work.glob("callgrind.out.*"):
            text = dump.read_text(errors="replace")
            if re.search(rf"^desc: Trigger: .*dump {re.escape(path)}$", text, re.M):
                found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
                if found:
                    dump.unlink()
                    return float(found.group(1))
        time.sleep(0.2)
    raise RuntimeError(f"no callgrind dump for {path}")


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", default="diary_write,parent_today,badge_chat,mp_entries",
                        help="comma-separated, of bench.load's paths")
    parser.add_argument("--requests", type=int, default=200, help="counted requests of each path (default 200)")
    parser.add_argument("--against", metavar="REV", help="also count this git revision, side by side")
    parser.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    parser.add_argument("--signals", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    paths = [p for p in args.paths.split(",") if p]
    if args.child:  # imports the counted revision's own modules: nothing of this checkout's is loaded first
        child(args.child, paths, args.requests, Path(args.signals))
        return {}
    from bench.anxin import PATHS

    for name in paths:
        if name not in PATHS:
            parser.error(f"unknown path {name!r} (of {', '.join(PATHS)})")
    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed (apt-get install -y valgrind)")
    with tempfile.TemporaryDirectory(prefix="anxin-instructions-") as tmp_name:
        tmp = Path(tmp_name)
        trees = {"this": ROOT}
        if args.against:
            other = tmp / "against"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.against],
                           check=True)
            trees = {args.against: other, "this": ROOT}
        try:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(trees)) as pool:  # counts do not depend on what else runs
                futures = {label: pool.submit(count, root, paths, args.requests, tmp / f"work-{i}", label)
                           for i, (label, root) in enumerate(trees.items())}
                results = {label: future.result() for label, future in futures.items()}
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "against")],
                               check=False)
    if args.against:
        base, this = results[args.against], results["this"]
        print("changes " + " ".join(f"{p}={100 * (this[p] / base[p] - 1):+.1f}%" for p in paths), flush=True)
    return results


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
