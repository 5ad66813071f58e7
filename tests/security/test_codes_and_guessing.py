"""Issue 12: single-use codes stay single-use under concurrency; codes and badges cannot be guessed in bulk."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import create_app
from bot.chat.handlers.diary_binding import BIND_TOO_MANY
from bot.lookup.profile import PAUSED, REFUSAL_TEXT
from bot.models import Binding, Supervisor, SupervisorCode
from bot.wechat.simulator import WeChatSender, reply_text
from tests.support.backends import SETTINGS, redis_or_skip
from tests.support.chat import Chat, open_family
from tests.support.serving import serving

pytestmark = pytest.mark.xdist_group("redis")  # counters in Redis database 15, shared by every worker


def concurrently(live_server: str, openids: list[str], text: str, hold: Callable[[], object] | None = None) -> list[str]:
    """Each openid sends ``text`` at the same moment, over real HTTP; return the replies.

    ``hold`` (called while the pushes are in flight) keeps a lock they need for a moment, so that
    every one of them has read the code before any can write.
    """
    sender = WeChatSender.from_settings(SETTINGS)
    texts = [sender.text(openid, text) for openid in openids]
    pushes = [sender.sign(body) for body in texts]
    barrier = threading.Barrier(len(pushes))
    replies: list[str] = [""] * len(pushes)

    def send(i: int) -> None:
        params, body = pushes[i]
        barrier.wait()
        res = requests.post(f"{live_server}/wechat", params=params, data=body, timeout=30)
        # As WeChat does: a push answered 5xx is sent again (re-signed, same MsgId), up to three times.
        # (MariaDB may pick one of several first-time users' chat_user inserts as a deadlock victim.)
        for _ in range(3):
            if res.status_code < 500:
                break
            params, _ = sender.sign(texts[i])
            res = requests.post(f"{live_server}/wechat", params=params, data=body, timeout=30)
        replies[i] = f"{res.status_code} " + (reply_text(sender.read_reply(res.content)) if res.ok else res.text)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(pushes))]
    for t in threads:
        t.start()
    if hold is not None:
        hold()
    for t in threads:
        t.join()
    return replies


def hold_row(app: Flask, table: str, row_id: int) -> Callable[[], object]:
    """On MySQL, lock one row for a second (plain reads pass, writes wait); SQLite writes one at a time anyway."""
    engine = app.extensions["anxin_db"].engine

    def hold() -> None:
        if engine.dialect.name != "mysql":
            return
        with engine.connect() as conn, conn.begin():
            conn.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"), {"id": row_id})
            time.sleep(1.0)

    return hold

@pytest.fixture(params=["database", "redis"])
def racing_server(request: pytest.FixtureRequest, app: Flask, app_settings: dict[str, object]) -> Iterator[str]:
    """The app over real HTTP, its rate-limit counters in the database or in Redis.

    With Redis nothing else in a bind serialises the copies: the code itself must hold.
    """
    settings = dict(app_settings)
    if request.param == "redis":
        url = redis_or_skip()
        settings["ANXIN_REDIS_URL"] = url
        client = redis.Redis.from_url(url)
        for key in client.scan_iter("anxin:rl:bind:*"):  # counters of earlier runs in this window
            client.delete(key)
    served = create_app(settings)
    with serving(served) as origin:
        yield origin
    served.extensions["anxin_db"].engine.dispose()


def test_six_concurrent_binds_of_one_nurse_code_bind_one_nurse(app: Flask, client: FlaskClient, racing_server: str,
                                                              session: Session) -> None:
    family = open_family(app, client)
    replies = concurrently(racing_server, [f"o-nurse-race-{i}" for i in range(6)], f"绑定 {family.nurse_code}",
                           hold_row(app, "engagement", family.engagement_id))
    assert all(r.startswith("200 ") for r in replies), replies
    assert sum("绑定成功" in r for r in replies) == 1, replies
    assert sum("已被使用" in r for r in replies) == 5, replies
    nurses = session.scalars(select(Binding).where(Binding.role == "nurse")).all()
    assert len(nurses) == 1


def test_six_concurrent_binds_of_one_supervisor_code_bind_one_supervisor(
        app: Flask, client: FlaskClient, racing_server: str, session: Session) -> None:
    family = open_family(app, client)
    res = client.post("/admin/v1/supervisor-codes", json={}, headers={"Authorization": f"Bearer {family.key}"})
    assert res.status_code == 201, res.get_json()
    code_id = session.scalars(select(SupervisorCode.id)).one()
    session.rollback()  # a fresh snapshot for the checks below
    replies = concurrently(racing_server, [f"o-sup-race-{i}" for i in range(6)], f"绑定 {res.get_json()['code']}",
                           hold_row(app, "supervisor_code", code_id))
    assert all(r.startswith("200 ") for r in replies), replies
    assert len(session.scalars(select(Supervisor)).all()) == 1, replies
    assert sum("已被使用" in r or "已使用" in r for r in replies) == 5, replies


def test_the_same_nurse_binding_twice_at_once_is_bound_once(app: Flask, client: FlaskClient, live_server: str,
                                                            session: Session) -> None:
    family = open_family(app, client)
    replies = concurrently(live_server, ["o-double-tap"] * 2, f"绑定 {family.nurse_code}",
                           hold_row(app, "engagement", family.engagement_id))
    assert all("绑定成功" in r for r in replies), replies
    assert len(session.scalars(select(Binding)).all()) == 1


def test_binding_attempts_are_limited_per_user(app: Flask, client: FlaskClient) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    wrong = [chat.say("o-guesser", f"绑定 ZZZZ{n:04d}".replace("0", "A")) for n in range(10)]
    assert all("绑定码不存在" in r for r in wrong)
    assert chat.say("o-guesser", f"绑定 {family.nurse_code}") == BIND_TOO_MANY
    assert "绑定成功" in chat.say("o-honest", f"绑定 {family.nurse_code}")


def test_rotating_openids_does_not_multiply_the_binding_budget(make_app: Callable[..., Flask]) -> None:
    app = make_app(ANXIN_BIND_LIMIT_TOTAL=5)
    chat = Chat(app.test_client())
    replies = [chat.say(f"o-rot-{n}", "绑定 ZZZZZZZZ") for n in range(6)]
    assert replies[:5] == [replies[0]] * 5 and "绑定码不存在" in replies[0]
    assert replies[5] == BIND_TOO_MANY


def test_rotating_openids_does_not_multiply_the_failed_lookup_budget(make_app: Callable[..., Flask]) -> None:
    app = make_app(ANXIN_LOOKUP_LIMIT_TOTAL=5)
    chat = Chat(app.test_client())
    replies = [chat.say(f"o-look-{n}", "00000-00001-Y") for n in range(6)]
    assert all("不存在" in r for r in replies[:5])
    assert replies[5] == REFUSAL_TEXT[PAUSED].format(code="00000-00001-Y")  # 稍后再试, for unknown codes only
    web = app.test_client().get("/b/00000-00001-Y", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert web.status_code == 429


@pytest.mark.parametrize("surface", ["page", "photo"])
def test_failed_web_lookups_share_the_failed_total(make_app: Callable[..., Flask], surface: str) -> None:
    app = make_app(ANXIN_LOOKUP_LIMIT_TOTAL=3)
    client = app.test_client()
    path = "/b/00000-00001-Y" + ("/photo" if surface == "photo" else "")
    statuses = [client.get(path, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]
