"""Anxin seeded through its own code, and the request mixes the benchmarks replay against it.

The data goes in the way a real agency and real users put it in: ``create-agency`` (CLI), workers,
verifications, consent, badges and engagements through ``/admin/v1``, nurses and parents bound in chat
(``绑定 CODE`` pushed to ``/wechat``), mini-program users logged in through ``jscode2session`` (the
loopback WeChat fake) and bound with ``POST /mp/v1/bind``, and a day of diary written in chat.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from bench.harness import HttpRequest
from bench.pushes import signed_push, text_pushes
from bot.agency.schemas import id_check_symbol
from bot.lookup.codes import format_code
from bot.models import VERIFICATION_KINDS
from bot.wechat.simulator import WeChatSender, reply_text
from tests.fakes.wechat_api import WeChatApiFake

SECRET_KEY = "anxin-bench-secret-key-not-for-production"
DATA_KEY = "YmVuY2gtZGF0YS1rZXktMzItYnl0ZXMtbG9uZyEhISE="
UNLIMITED = 10**9

# What a nurse writes in one push (one line, one entry); none of them raises a flag.
NURSE_LINES = ("喂奶 120ml", "换尿布 小便", "母乳 左 15分钟", "配方奶 90ml", "抚触 10分钟", "换尿布 大便 黄色",
               "洗澡", "睡觉 90分钟", "拍嗝", "月子餐 午餐 小米粥 吃完")


def settings(database_url: str, api_base: str) -> dict[str, Any]:
    """The settings of a benchmark run: production defaults, rate limits raised by configuration."""
    return {
        "ANXIN_DATABASE_URL": database_url, "ANXIN_SECRET_KEY": SECRET_KEY, "ANXIN_DATA_KEY": DATA_KEY,
        "ANXIN_WECHAT_API_BASE": api_base, "ANXIN_WECHAT_TIMEOUT": 2.0,
        # The limits stay on the code path (every request counts), just out of reach of the load.
        "ANXIN_LOOKUP_LIMIT_USER": UNLIMITED, "ANXIN_LOOKUP_LIMIT_ADDRESS": UNLIMITED, "ANXIN_LOOKUP_LIMIT_TOTAL": UNLIMITED,
        "ANXIN_LOOKUP_FAILED_USER": UNLIMITED, "ANXIN_LOOKUP_FAILED_ADDRESS": UNLIMITED, "ANXIN_LOOKUP_ALERT_VIEWS": UNLIMITED,
        "ANXIN_MP_LIMIT_USER": UNLIMITED, "ANXIN_MP_LIMIT_LOGIN": UNLIMITED,
    }


def environ(values: Mapping[str, Any]) -> dict[str, str]:
    """The same settings as environment variables, for a gunicorn server."""
    return {key: str(value) for key, value in values.items() if value is not None}


def start_fake(app_settings: Mapping[str, Any] | None = None) -> WeChatApiFake:
    """The loopback WeChat API, knowing the Official Account and the mini-program."""
    from config import Config

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's access log would drown the figures
    fake = WeChatApiFake().start()
    values = app_settings or {}
    fake.register_app(values.get("ANXIN_WECHAT_APPID", Config.ANXIN_WECHAT_APPID),
                      values.get("ANXIN_WECHAT_SECRET", Config.ANXIN_WECHAT_SECRET))
    fake.register_app(values.get("ANXIN_MP_APPID", Config.ANXIN_MP_APPID),
                      values.get("ANXIN_MP_SECRET", Config.ANXIN_MP_SECRET))
    return fake


@dataclass
class Engagement:
    id: int
    nurse: str = ""  # chat openid, or mini-program openid
    parent: str = ""
    nurse_token: str = ""
    parent_token: str = ""


@dataclass
class Seeded:
    """Who and what the request mixes use."""

    sender: WeChatSender
    tz: ZoneInfo
    chat_writers: list[Engagement] = field(default_factory=list)  # nurse writes in chat
    chat_readers: list[Engagement] = field(default_factory=list)  # a day of diary; parent reads it in chat
    mp_writers: list[Engagement] = field(default_factory=list)  # nurse posts batches from the mini-program
    mp_readers: list[Engagement] = field(default_factory=list)  # parent reads the day in the mini-program
    badges: list[str] = field(default_factory=list)


class Seeder:
    """Puts the data in through the app's own entry points (``client`` is the app's test client)."""

    def __init__(self, app: Flask, fake: WeChatApiFake) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.fake = fake
        self.sender = WeChatSender.from_settings(app.config)
        self.tz = ZoneInfo(app.config["ANXIN_TIMEZONE"])
        self.today = dt.datetime.now(self.tz).date()
        self.serial = itertools.count(1)
        result = app.test_cli_runner().invoke(args=["create-agency", "基准测试家政服务有限公司"])
        assert result.exit_code == 0, result.output
        self.headers = {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}

    def _api(self, method: str, path: str, body: Any = None, ok: int = 201) -> Any:
        res = self.client.open(f"/admin/v1{path}", method=method, json=body, headers=self.headers)
        assert res.status_code == ok, (path, res.status_code, res.get_data(as_text=True))
        return res.get_json()

    def worker(self) -> int:
        n = next(self.serial)
        birth = dt.date(1985, 1, 1) + dt.timedelta(days=n // 1000)
        first17 = f"330203{birth:%Y%m%d}{n % 1000:03d}"
        id_number = first17 + id_check_symbol(first17)
        body = {"name": "伍秀芳", "id_number": id_number, "phone": f"138{n:08d}", "gender": "female",
                "birth_date": birth.isoformat(), "service_types": ["月嫂", "育婴师"], "experience_years": 6,
                "hometown": "浙江宁波"}
        worker_id: int = self._api("POST", "/workers", body)["id"]
        return worker_id

    def badge(self) -> str:
        worker_id = self.worker()
        self._api("PUT", f"/workers/{worker_id}/consent", {"signed_on": self.today.isoformat()}, ok=200)
        for kind in VERIFICATION_KINDS:
            self._api("POST", f"/workers/{worker_id}/verifications", {
                "kind": kind, "status": "verified", "document_no": f"DOC{worker_id:06d}{kind[:3]}",
                "issued_on": (self.today - dt.timedelta(days=100)).isoformat(),
                "expires_on": (self.today + dt.timedelta(days=600)).isoformat()})
        code: str = self._api("POST", f"/workers/{worker_id}/badge")["code"]
        return code

    def engagement(self, days_before: int = 2, days_after: int = 26) -> tuple[int, str, str]:
        worker_id = self.worker()
        data = self._api("POST", "/engagements", {
            "worker_id": worker_id, "starts_on": (self.today - dt.timedelta(days=days_before)).isoformat(),
            "ends_on": (self.today + dt.timedelta(days=days_after)).isoformat(), "family_name": "王",
            "baby_nickname": "小米", "baby_birth_date": (self.today - dt.timedelta(days=days_before + 1)).isoformat(),
            "birth_weight_g": 3400})
        return data["id"], data["nurse_code"], data["family_code"]

    def say(self, openid: str, text: str) -> str:
        push = signed_push(self.sender, self.sender.text(openid, text))
        res = self.client.open(push.path, method="POST", data=push.body.encode(), headers=dict(push.headers))
        assert res.status_code == 200, (text, res.status_code, res.get_data(as_text=True))
        return reply_text(self.sender.read_reply(res.data))

    def bind_in_chat(self, openid: str, code: str) -> None:
        reply = self.say(openid, f"绑定 {code}")
        assert "绑定成功" in reply, reply

    def mp_bind(self, openid: str, code: str) -> str:
        """Log in to the mini-program (jscode2session on the fake), bind with ``code``; return the token."""
        self.fake.add_session(f"code-{openid}", openid=openid, session_key=f"sk-{openid}")
        res = self.client.post("/mp/v1/login", json={"code": f"code-{openid}"})
        assert res.status_code == 200, res.get_data(as_text=True)
        token: str = res.get_json()["token"]
        res = self.client.post("/mp/v1/bind", json={"code": code}, headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 201, res.get_data(as_text=True)
        return token

    def write_a_day(self, nurse: str, entries: int) -> None:
        """A realistic day so far: ``entries`` entries written in chat, five lines a push."""
        lines = [NURSE_LINES[i % len(NURSE_LINES)] for i in range(entries)]
        for start in range(0, entries, 5):
            reply = self.say(nurse, "\n".join(lines[start:start + 5]))
            assert "已记录" in reply, reply


def seed(app: Flask, fake: WeChatApiFake, *, chat_writers: int = 200, readers: int = 20, mp_writers: int = 100,
         badges: int = 40, day_entries: int = 30, log: Callable[[str], None] = print) -> Seeded:
    """Agency, workers, badges, engagements and bindings for the request mixes; returns who is who."""
    s = Seeder(app, fake)
    out = Seeded(sender=s.sender, tz=s.tz)
    out.badges = [s.badge() for _ in range(badges)]
    log(f"  {badges} workers with six checks, consent and a badge")
    for i in range(chat_writers):
        eid, nurse_code, _ = s.engagement()
        e = Engagement(eid, nurse=f"o-bench-nurse-{i}")
        s.bind_in_chat(e.nurse, nurse_code)
        out.chat_writers.append(e)
    log(f"  {chat_writers} engagements with a nurse bound in chat")
    for i in range(readers):
        eid, nurse_code, family_code = s.engagement()
        e = Engagement(eid, nurse=f"o-bench-reader-nurse-{i}", parent=f"o-bench-parent-{i}")
        s.bind_in_chat(e.nurse, nurse_code)
        s.bind_in_chat(e.parent, family_code)
        e.parent_token = s.mp_bind(f"o-bench-mp-parent-{i}", family_code)
        s.write_a_day(e.nurse, day_entries)
        out.chat_readers.append(e)
        out.mp_readers.append(e)
    log(f"  {readers} engagements with {day_entries} entries today, a parent bound in chat and one in the mini-program")
    for i in range(mp_writers):
        eid, nurse_code, _ = s.engagement()
        e = Engagement(eid, nurse=f"o-bench-mp-nurse-{i}")
        e.nurse_token = s.mp_bind(e.nurse, nurse_code)
        out.mp_writers.append(e)
    log(f"  {mp_writers} engagements with a nurse bound in the mini-program")
    return out


# -- the request mixes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Path:
    """One benchmarked path: how to make ``count`` fresh requests, and what every good answer contains."""

    name: str
    label: str
    chat: bool
    expect: str
    make: Callable[[Seeded, int], Iterator[HttpRequest]]


def _diary_write(s: Seeded, count: int) -> Iterator[HttpRequest]:
    return text_pushes(s.sender, [e.nurse for e in s.chat_writers], NURSE_LINES, count)


def _parent_today(s: Seeded, count: int) -> Iterator[HttpRequest]:
    return text_pushes(s.sender, [e.parent for e in s.chat_readers], ["今天"], count)


def _badge_chat(s: Seeded, count: int) -> Iterator[HttpRequest]:
    rng = random.Random(count)
    visitors = [f"o-bench-visitor-{i}" for i in range(500)]
    codes = [format_code(rng.choice(s.badges)) for _ in range(min(count, 5000))]
    return text_pushes(s.sender, visitors, codes, count)


def _badge_web(s: Seeded, count: int) -> Iterator[HttpRequest]:
    rng = random.Random(count)
    for _ in range(count):
        yield HttpRequest("GET", f"/b/{rng.choice(s.badges)}")


_batch_serial = itertools.count(1)


def _mp_entries(s: Seeded, count: int) -> Iterator[HttpRequest]:
    """A phone's batch of three entries (client ids never seen before), a few minutes old."""
    now = dt.datetime.now(s.tz).replace(microsecond=0)
    for i in range(count):
        e = s.mp_writers[i % len(s.mp_writers)]
        n = next(_batch_serial)
        when = (now - dt.timedelta(minutes=3)).isoformat()
        batch = [
            {"client_id": f"bench-{n}-a", "occurred_at": when, "kind": "feeding", "type": "formula", "amount_ml": 90},
            {"client_id": f"bench-{n}-b", "occurred_at": when, "kind": "diaper", "wet": True, "stool": False},
            {"client_id": f"bench-{n}-c", "occurred_at": when, "kind": "massage", "duration_min": 10},
        ]
        yield HttpRequest("POST", f"/mp/v1/engagements/{e.id}/entries",
                          {"Authorization": f"Bearer {e.nurse_token}", "Content-Type": "application/json"},
                          json.dumps(batch, ensure_ascii=False))


def _mp_day(s: Seeded, count: int) -> Iterator[HttpRequest]:
    today = dt.datetime.now(s.tz).date().isoformat()
    for i in range(count):
        e = s.mp_readers[i % len(s.mp_readers)]
        yield HttpRequest("GET", f"/mp/v1/engagements/{e.id}/days/{today}", {"Authorization": f"Bearer {e.parent_token}"})


PATHS = {p.name: p for p in (
    Path("diary_write", "nurse diary write (chat)", True, "已记录", _diary_write),
    Path("parent_today", "parent 今天 (chat)", True, "月子日记", _parent_today),
    Path("badge_chat", "badge code in chat", True, "绿码", _badge_chat),
    Path("badge_web", "GET /b/CODE", False, "绿码", _badge_web),
    Path("mp_entries", "mini-program entry batch (3)", False, '"client_id"', _mp_entries),
    Path("mp_day", "mini-program day view", False, '"entries"', _mp_day),
)}


def replay_in_process(client: FlaskClient, req: HttpRequest) -> tuple[int, bytes]:
    """Send one pre-generated request through the app's test client."""
    res = client.open(req.path, method=req.method, headers=dict(req.headers),
                      data=req.body.encode() if req.body else None)
    return res.status_code, res.data
