"""The production layout, scaled out: two app servers on different ports, one MariaDB, one Redis.

Each server is ``gunicorn "bot:create_app()"`` with two worker processes, as a web box
runs it; the jobs run as ``flask --app bot run-job`` processes, as the scheduler on one box
does. Everything is checked from outside: the replies, what WeChat (the loopback fake) was
asked to send, and the shared Redis.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis
import requests
from sqlalchemy import text

from bot import create_app
from bot.diary.texts import DIGEST_HEADER
from bot.lookup.codes import format_code
from bot.ops.demo import NURSE_OPENID, PARENT_OPENID, demo_key, seed
from bot.store.db import utcnow
from bot.store.locks import RedisLeases
from bot.wechat.simulator import WeChatSender, reply_text
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.backends import REQUIRE_REDIS, SETTINGS, clear
from tests.support.serving import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ANXIN_TEST_REDIS_URL", "")
CUSTOM = "/cgi-bin/message/custom/send"
TZ = ZoneInfo("Asia/Shanghai")
LOOKUP_LIMIT = 4

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_redis() -> Iterator[str]:
    """A Redis database of its own for this run (given, or the first empty one of 15 … 1, claimed)."""
    claim = f"anxin-test-claim-{uuid.uuid4().hex}"
    candidates = [REDIS_URL] if REDIS_URL else [f"redis://127.0.0.1:6379/{n}" for n in range(15, 0, -1)]
    try:
        for url in candidates:
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            if client.dbsize() == 0 and client.set("anxin:test-claim", claim, nx=True, ex=900):
                break
            client.close()
        else:
            pytest.skip("no empty Redis database to use (set ANXIN_TEST_REDIS_URL)")
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {candidates[0]}: {exc}"
        if REQUIRE_REDIS:
            pytest.fail(reason + " (ANXIN_TEST_REQUIRE_REDIS=1)")
        pytest.skip(reason)
    yield url
    client.flushdb()
    client.close()


@contextmanager
def web_box(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """One web box: gunicorn with two workers on a port of its own; yields its origin."""
    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "bot:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    if (log_path.read_text(errors="replace").count('"msg": "app.ready"') >= 2
                            and requests.get(f"{base}/healthz", timeout=5).status_code == 200):
                        break
                except requests.RequestException:
                    pass
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start:\n" + log_path.read_text(errors="replace"))
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def run_job(env: dict[str, str], name: str) -> subprocess.Popen[str]:
    """``flask --app bot run-job NAME``, as the one scheduler of the layout runs it."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "bot", "run-job", name], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_two_servers_share_tokens_retries_limits_leases_and_the_outbox(
    database_url: str, wechat_fake: WeChatApiFake, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if not database_url.startswith("mysql"):
        pytest.skip("two app servers share one MariaDB; SQLite is a file on one box (the [mysql] half runs this)")
    shared_redis: str = request.getfixturevalue("shared_redis")
    wechat_fake.reset()
    settings = {**SETTINGS, "ANXIN_DATABASE_URL": database_url, "ANXIN_WECHAT_API_BASE": wechat_fake.url,
                "ANXIN_REDIS_URL": shared_redis, "ANXIN_LOOKUP_LIMIT_USER": LOOKUP_LIMIT}
    app = create_app(settings)
    engine = app.extensions["anxin_db"].engine
    clear(engine)
    with app.extensions["anxin_db"].new_session() as session, session.begin():
        seeded = seed(session, app.extensions["anxin_cipher"], TZ, utcnow(), fixed_key=demo_key("k"))
        badge = format_code(seeded.badges[0][0].code)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update({k: str(v) for k, v in settings.items() if v is not None})
    env.update(ANXIN_LOG_FORMAT="json", ANXIN_LOG_LEVEL="INFO", ANXIN_STARTUP_CHECK="on")
    sender = WeChatSender.from_settings(settings)

    def say(base: str, openid: str, words: str, msg_id: int | None = None) -> str:
        params, data = sender.sign(sender.text(openid, words, msg_id=msg_id))
        res = requests.post(f"{base}/wechat", params=params, data=data, headers={"Content-Type": "text/xml"}, timeout=30)
        assert res.status_code == 200, res.text
        return reply_text(sender.read_reply(res.content))

    try:
        with ExitStack() as stack:
            a = stack.enter_context(web_box(env, tmp_path / "a.log"))
            b = stack.enter_context(web_box(env, tmp_path / "b.log"))

            # WeChat retries a message; the retry lands on the other server, at the same moment.
            msg_id = int(time.time() * 1000)
            replies: dict[str, str] = {}
            copies = [threading.Thread(target=lambda base=base: replies.__setitem__(base, say(
                base, NURSE_OPENID, "喂奶 105ml", msg_id))) for base in (a, b)]
            for copy in copies:
                copy.start()
            for copy in copies:
                copy.join(60)
            assert replies[a] == replies[b] and "已记录 1 条" in replies[a]
            assert say(b, PARENT_OPENID, "今天").count("喂奶 105ml") == 1  # answered once, recorded once

            # Urgent flags raised on both servers reach the parent with one access token between them.
            assert "建议" in say(a, NURSE_OPENID, "体温 38.5")
            assert "建议" in say(b, NURSE_OPENID, "体温 38.6")
            wait_for(lambda: sum("38.5" in m["text"]["content"] or "38.6" in m["text"]["content"]
                                 for m in wechat_fake.messages_to(PARENT_OPENID)) >= 2)
            assert wechat_fake.token_fetches == 1
            refused = [c for c in wechat_fake.calls_to(CUSTOM) if not (isinstance(c.body, dict) and c.body.get("_accepted"))]
            assert refused == []  # no 40001: neither server refreshed the token over the other

            # Rate limits count across both servers.
            visitor = f"visitor-{uuid.uuid4().hex[:8]}"
            answers = [say((a, b)[i % 2], visitor, badge) for i in range(LOOKUP_LIMIT + 2)]
            assert all("伍*芳" in answer for answer in answers[:LOOKUP_LIMIT])
            assert all("查询过于频繁" in answer for answer in answers[LOOKUP_LIMIT:])
            assert redis.Redis.from_url(shared_redis).keys("anxin:rl:*")

            # Leases: while the scheduler on one box runs the digest, another box's run skips it.
            leases = RedisLeases(shared_redis)
            assert leases.acquire("digest", "box-a-scheduler", dt.timedelta(minutes=1))
            held = run_job(env, "digest")
            assert "held by another process" in held.communicate(timeout=120)[0]
            leases.release("digest", "box-a-scheduler")
            # Two schedulers started by mistake, at once, still send one digest per parent.
            runs = [run_job(env, "digest"), run_job(env, "digest")]
            outputs = [run.communicate(timeout=120)[0] for run in runs]
            assert all(run.returncode == 0 for run in runs), outputs
            deliver = run_job(env, "deliver")
            deliver.communicate(timeout=120)
            # The parent's customer-service messages of her last word went to the urgent flags (the digest may use
            # only 2 of 5: bot.delivery.plan): one digest, on whichever channel the plan chose, sent once.
            header = DIGEST_HEADER.split("{")[0]
            digests = [m for m in wechat_fake.messages_to(PARENT_OPENID) if m["text"]["content"].startswith(header)]
            with engine.connect() as conn:
                sent_digests = conn.execute(text(
                    "SELECT channel FROM notification WHERE openid = :o AND kind = 'digest' AND status = 'sent'"),
                    {"o": PARENT_OPENID}).scalars().all()
            assert len(sent_digests) == 1, outputs
            assert len(digests) + len(wechat_fake.templates_to(PARENT_OPENID)) == 1, outputs

            # The outbox: every notification was sent exactly once, by whichever process took it.
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT openid, status FROM notification")).all()
            assert rows and all(status == "sent" for _, status in rows)
            sent_to_parent = sum(1 for openid, _ in rows if openid == PARENT_OPENID)
            assert len(wechat_fake.messages_to(PARENT_OPENID)) + len(wechat_fake.templates_to(PARENT_OPENID)) == sent_to_parent
    finally:
        clear(engine)
        engine.dispose()
