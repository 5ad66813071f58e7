"""What the HTTP benchmarks share: gunicorn servers, their CPU time, and wrk replaying pre-generated requests.

Every server is started with the same gunicorn settings (``gunicorn_args``); only the app and the
worker count differ. Server CPU is the sum of utime + stime of the gunicorn master and its workers,
read from /proc before and after a run.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
REPLAY_LUA = Path(__file__).with_name("replay.lua")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def worker_class() -> str:
    """The worker class deploy/gunicorn.conf.py uses, else gunicorn's default ``sync``."""
    conf = ROOT / "deploy" / "gunicorn.conf.py"
    if conf.exists():
        return str(runpy.run_path(str(conf)).get("worker_class", "sync"))
    return "sync"


def gunicorn_args(workers: int, port: int, worker_class_: str | None = None, threads: int = 1) -> list[str]:
    """The one set of gunicorn settings every benchmarked server runs with."""
    return ["-w", str(workers), "-k", worker_class_ or worker_class(), "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "60", "--graceful-timeout", "5"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _proc_cpu(pid: int) -> tuple[float, int]:
    """(utime + stime in seconds, parent pid) of one process, from /proc/PID/stat."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS, int(fields[1])


@dataclass
class Server:
    """A gunicorn server of ``app`` with ``workers`` workers; its output goes to ``log``."""

    name: str
    app: str
    workers: int
    env: Mapping[str, str]
    cwd: Path
    log: Path
    port: int = field(default_factory=free_port)
    worker_class: str | None = None  # None: deploy/gunicorn.conf.py's
    threads: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/", timeout: float = 60.0) -> Server:
        # The checkout first; a directory the caller adds (bench.load --gc: a sitecustomize) after it.
        env = {**os.environ, **self.env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), self.env.get("PYTHONPATH")]))}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn",
                 *gunicorn_args(self.workers, self.port, self.worker_class, self.threads), self.app],
                env=env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log}")
            try:
                requests.get(self.url + ready_path, timeout=2)
                if len(self.pids()) > self.workers:  # every worker forked
                    time.sleep(0.5)
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s; see {self.log}")

    def pids(self) -> list[int]:
        """The master and its live workers."""
        assert self.process is not None
        master = self.process.pid
        found = [master]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if _proc_cpu(int(entry.name))[1] == master:
                        found.append(int(entry.name))
                except (OSError, ValueError, IndexError):
                    continue
        return found

    def cpu_seconds(self) -> dict[int, float]:
        """utime + stime of the master and each worker, by pid."""
        seconds = {}
        for pid in self.pids():
            try:
                seconds[pid] = _proc_cpu(pid)[0]
            except OSError:
                continue
        return seconds

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def database_cpu(names: tuple[str, ...] = ("mariadbd", "mysqld")) -> float | None:
    """utime + stime of the local MariaDB server (its threads included), or None when it cannot be read.

    The benchmark's database shares the machine with the servers and wrk; its CPU per request shows
    how much of the machine each path costs beyond the app's own.
    """
    total = None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() in names:
                total = (total or 0.0) + _proc_cpu(int(entry.name))[0]
        except OSError:
            continue
    return total


def cpu_used(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU seconds spent between two readings (a worker that appeared counts from zero)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


@dataclass(frozen=True)
class HttpRequest:
    """One request for replay.lua."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""

    def line(self) -> str:
        for part in (self.path, self.body, *self.headers.values()):
            if "\t" in part or "\n" in part or "\r" in part:
                raise ValueError(f"a tab or newline cannot be replayed: {part[:60]!r}")
        headers = "|".join(f"{name}: {value}" for name, value in self.headers.items())
        return f"{self.method}\t{self.path}\t{headers}\t{self.body}"


def write_requests(path: Path, requests_: Iterable[HttpRequest]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for req in requests_:
            out.write(req.line() + "\n")
            count += 1
    return count


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, request_file: Path, *, connections: int, duration: float, threads: int = 2,
            expect: str = "", timeout: float = 10.0) -> dict[str, Any]:
    """Replay ``request_file`` against ``url``; return wrk's figures (latencies in ms) and the statuses seen."""
    threads = min(threads, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", f"--timeout={timeout:g}s",
               "-s", str(REPLAY_LUA), url, "--", str(request_file), str(threads), expect]
    done = subprocess.run(command, capture_output=True, check=False, timeout=duration + timeout + 120)
    out = done.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        if line.startswith("WRKRESULT "):
            raw = json.loads(line[len("WRKRESULT "):])
            seconds = raw["duration_us"] / 1e6
            return {
                "requests": raw["requests"], "seconds": seconds, "rps": raw["requests"] / seconds if seconds else 0.0,
                "p50": raw["p50_us"] / 1000, "p90": raw["p90_us"] / 1000, "p99": raw["p99_us"] / 1000,
                "max": raw["max_us"] / 1000, "statuses": raw["statuses"],
                "socket_errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
                "exhausted": raw["exhausted_threads"] > 0, "unexpected": raw["unexpected"],
                "unexpected_sample": raw["unexpected_sample"],
            }
    raise RuntimeError(f"wrk gave no result (exit {done.returncode}): {out[-500:]} {done.stderr.decode()[-500:]}")


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * pct / 100))]
