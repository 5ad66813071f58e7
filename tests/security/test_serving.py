"""Issue 12, slow clients: the shipped gunicorn.conf.py and a trickling attack (the nginx site: tests/deploy)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.store.db import make_engine
from bot.store.migrate import upgrade

pytestmark = pytest.mark.slow  # gunicorn servers of its own: make check runs it, make test leaves it out

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn started exactly as the README says, with the shipped config, on a fresh SQLite database."""
    url = f"sqlite:///{tmp_path / 'anxin.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "ANXIN_DATABASE_URL": url, "ANXIN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "4",
           "ANXIN_SECRET_KEY": "serving-test-key", "ANXIN_LOG_LEVEL": "WARNING"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "bot:create_app()"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _trickle(port: int, stop: threading.Event) -> None:
    """Promise a 100 kB body and send one byte every half second (a slowloris body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"POST /mp/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
        while not stop.wait(0.5):
            try:
                s.sendall(b" ")
            except OSError:
                return


def test_four_trickling_bodies_do_not_stall_healthz(gunicorn: tuple[str, Path]) -> None:
    base, _ = gunicorn
    port = int(base.rsplit(":", 1)[1])
    stop = threading.Event()
    attackers = [threading.Thread(target=_trickle, args=(port, stop), daemon=True) for _ in range(4)]
    for t in attackers:
        t.start()
    try:
        time.sleep(1.5)  # every attacker is connected and holding whatever it can hold
        for _ in range(5):
            started = time.monotonic()
            res = requests.get(f"{base}/healthz", timeout=5)
            elapsed = time.monotonic() - started
            assert res.status_code == 200 and res.json()["ok"] is True
            assert elapsed < 1.0, f"/healthz took {elapsed:.2f} s while four bodies trickled"
            time.sleep(0.3)
    finally:
        stop.set()
        for t in attackers:
            t.join(timeout=5)


def test_the_access_log_never_holds_a_query_string(gunicorn: tuple[str, Path]) -> None:
    base, log = gunicorn
    requests.get(f"{base}/wechat", params={"signature": "s3cr3tsig", "timestamp": "1", "nonce": "n0nce9",
                                           "echostr": "e"}, timeout=5)
    requests.post(f"{base}/wechat", params={"signature": "s3cr3tsig", "timestamp": "1", "nonce": "n0nce9"},
                  data=b"<xml/>", timeout=5)
    time.sleep(0.5)
    text = log.read_text()
    assert '"GET /wechat"' in text and '"POST /wechat"' in text
    assert "s3cr3tsig" not in text and "n0nce9" not in text
