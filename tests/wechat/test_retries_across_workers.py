"""WeChat's three copies of one message, arriving at once on three worker processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine

from bot.wechat.simulator import WeChatSender
from tests.support.backends import SETTINGS, count_rows
from tests.support.chat import content
from tests.support.serving import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def gunicorn(settings: dict[str, object], workers: int, log_path: Path) -> Iterator[str]:
    """Run the app as production does: ``gunicorn "bot:create_app()"`` with N worker processes."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update({k: str(v) for k, v in settings.items() if v is not None})
    env.update(ANXIN_LOG_FORMAT="json", ANXIN_LOG_LEVEL="INFO", ANXIN_STARTUP_CHECK="on")
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "60", "bot:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 90  # each worker builds OpenCC and jieba before it serves; a busy machine is slow
            while True:
                booted = log_path.read_text(errors="replace").count('"msg": "app.ready"')
                try:
                    if booted >= workers and requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@contextmanager
def writers_held(engine: Engine) -> Iterator[None]:
    """Hold the database's write lock so that requests pile up, then let them all go at once."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                raw.execute("COMMIT")
        else:
            conn.exec_driver_sql("LOCK TABLES inbound_message WRITE")
            try:
                yield
            finally:
                conn.exec_driver_sql("UNLOCK TABLES")


def log_events(path: Path, name: str, dedup_key: str) -> list[dict[str, Any]]:
    events = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("msg") == name and record.get("dedup_key") == dedup_key:
                events.append(record)
    return events


@pytest.mark.slow
def test_three_simultaneous_copies_on_three_workers_are_processed_once(
    app: Flask, app_settings: dict[str, object], tmp_path: Path
) -> None:
    sender = WeChatSender.from_settings(SETTINGS, safe=True)
    xml = sender.text("o-retry-parent", "宝宝今天怎么样？", msg_id=7_100_000_000_000_000_001)
    params, body = sender.sign(xml)
    engine = app.extensions["anxin_db"].engine
    log_path = tmp_path / "gunicorn.log"
    replies: list[requests.Response] = []

    def send() -> None:
        replies.append(requests.post(f"{base}/wechat", params=params, data=body, timeout=60))

    with gunicorn(app_settings, workers=3, log_path=log_path) as base:
        with writers_held(engine):
            threads = [threading.Thread(target=send) for _ in range(3)]
            for t in threads:
                t.start()
            time.sleep(1.5)  # every copy is now inside a worker, waiting on the database
            assert replies == []
        for t in threads:
            t.join(timeout=60)

    assert [r.status_code for r in replies] == [200, 200, 200]
    texts = [content(sender.read_reply(r.content)) for r in replies]
    assert len(set(texts)) == 1 and "宝宝今天怎么样" in texts[0]
    key = f"msg:{7_100_000_000_000_000_001}"
    handled = log_events(log_path, "chat.handled", key)
    repeats = log_events(log_path, "chat.repeat", key)
    assert len(handled) == 1, log_path.read_text()
    assert len(repeats) == 2
    assert len({r["request_id"] for r in handled + repeats}) == 3
    assert len({r["pid"] for r in handled + repeats}) == 3  # three different worker processes
    assert count_rows(engine, "inbound_message") == 1
