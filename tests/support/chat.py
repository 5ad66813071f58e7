"""The chat as its users have it: an agency with a worker and an engagement, and a conversation through /wechat."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from bot.wechat.simulator import WeChatSender, reply_text
from tests.support.backends import SETTINGS
from tests.support.factories import make_agency, make_worker

TZ = ZoneInfo(SETTINGS["ANXIN_TIMEZONE"])
# The nurse and the mother of the shared ``family`` fixture (tests/conftest.py).
NURSE, MOM = "o-nurse", "o-mom"


def today() -> dt.date:
    return dt.datetime.now(TZ).date()


def yesterday_at(hour: int, minute: int = 0) -> dt.datetime:
    """``hour:minute`` yesterday, local time: wholly past, and inside every engagement ``open_family`` opens."""
    return dt.datetime.combine(today() - dt.timedelta(days=1), dt.time(hour, minute), tzinfo=TZ)


def content(reply: dict[str, Any] | None) -> str:
    """The text of a decoded passive reply; the test fails when there was none (``success``)."""
    assert reply is not None, "no passive reply (success)"
    return str(reply["Content"])


@dataclass
class Family:
    agency_id: int
    key: str
    worker_id: int
    engagement_id: int
    nurse_code: str
    family_code: str


class Chat:
    """Sends signed pushes to /wechat as WeChat would, and reads what the user sees."""

    def __init__(self, client: FlaskClient, safe: bool = False) -> None:
        self.client = client
        self.sender = WeChatSender.from_settings(SETTINGS, safe=safe)
        self.sent_at: dt.datetime | None = None

    def at(self, moment: dt.datetime) -> dt.datetime:
        """From here on the conversation happens at ``moment``: each push carries it as its CreateTime and
        the app's chat clock (``app.extensions["anxin_clock"]``) reads it as now. Returns ``moment``."""
        self.sent_at = moment
        self.client.application.extensions["anxin_clock"] = lambda: moment.astimezone(dt.UTC)
        return moment

    def post(self, body: str) -> bytes:
        params, data = self.sender.sign(body)
        res = self.client.post("/wechat", query_string=params, data=data, content_type="text/xml")
        assert res.status_code == 200, res.data
        reply: bytes = res.data
        return reply

    def say(self, openid: str, text: str, msg_id: int | None = None) -> str:
        created = int(self.sent_at.timestamp()) if self.sent_at else None
        return reply_text(self.sender.read_reply(self.post(self.sender.text(openid, text, msg_id, created))))

    def image(self, openid: str, media_id: str) -> bytes:
        return self.post(self.sender.image(openid, media_id))


def open_family(app: Flask, client: FlaskClient, *, agency: tuple[int, str] | None = None, family_name: str = "王家",
                birth_days_ago: int | None = 3, birth_weight_g: int | None = 3400) -> Family:
    """An agency (or the given one), a worker and an engagement opened through the agency API."""
    with app.extensions["anxin_db"].new_session() as session:
        if agency is None:
            row, key = make_agency(session)
            agency = (row.id, key)
        from bot.models import Agency

        worker = make_worker(session, session.get(Agency, agency[0]))
        worker_id = worker.id
    payload: dict[str, object] = {
        "worker_id": worker_id, "starts_on": (today() - dt.timedelta(days=2)).isoformat(),
        "ends_on": (today() + dt.timedelta(days=26)).isoformat(), "family_name": family_name, "baby_nickname": "小米",
    }
    if birth_days_ago is not None:
        payload["baby_birth_date"] = (today() - dt.timedelta(days=birth_days_ago)).isoformat()
    if birth_weight_g is not None:
        payload["birth_weight_g"] = birth_weight_g
    res = client.post("/admin/v1/engagements", json=payload, headers={"Authorization": f"Bearer {agency[1]}"})
    assert res.status_code == 201, res.get_json()
    data = res.get_json()
    return Family(agency[0], agency[1], worker_id, data["id"], data["nurse_code"], data["family_code"])


def open_twins(app: Flask, client: FlaskClient, *, born: dt.datetime | None = None, gestation_weeks: int | None = 36,
               nicknames: tuple[str | None, str | None] = ("小豆苗", "小豆芽"),
               risk_factors: list[str] | None = None) -> Family:
    """An engagement with twins (a boy, then a girl) opened through the agency API, born ``born`` (default: three
    days ago at 08:30 local time). The nicknames are those of the twin-log app in the corpus (小豆苗 / 小豆芽)."""
    with app.extensions["anxin_db"].new_session() as session:
        row, key = make_agency(session)
        worker_id = make_worker(session, row).id
        agency_id = row.id
    born = born or dt.datetime.combine(today() - dt.timedelta(days=3), dt.time(8, 30), tzinfo=TZ)
    babies: list[dict[str, object]] = [
        {"nickname": nicknames[0], "sex": "male", "born_at": born.isoformat(), "gestation_weeks": gestation_weeks,
         "birth_weight_g": 2600},
        {"nickname": nicknames[1], "sex": "female", "born_at": (born + dt.timedelta(minutes=12)).isoformat(),
         "gestation_weeks": gestation_weeks, "birth_weight_g": 2400},
    ]
    if risk_factors is not None:  # the AAP 2022 neurotoxicity risk factors the agency knows ([]: none)
        for baby in babies:
            baby["risk_factors"] = risk_factors
    payload = {"worker_id": worker_id, "starts_on": (today() - dt.timedelta(days=2)).isoformat(),
               "ends_on": (today() + dt.timedelta(days=26)).isoformat(), "family_name": "周家", "babies": babies}
    res = client.post("/admin/v1/engagements", json=payload, headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 201, res.get_json()
    data = res.get_json()
    return Family(agency_id, key, worker_id, data["id"], data["nurse_code"], data["family_code"])


def bound_family(app: Flask, client: FlaskClient, chat: Chat, nurse: str, *parents: str) -> Family:
    """A family whose nurse and parents have bound in chat (``绑定 CODE``), as they do on day one."""
    fam = open_family(app, client)
    assert "绑定成功" in chat.say(nurse, f"绑定 {fam.nurse_code}")
    for parent in parents:
        assert "绑定成功" in chat.say(parent, f"绑定 {fam.family_code}")
    return fam
