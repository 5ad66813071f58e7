"""Medication (用药), the kind added as one file: chat, the mini-program, the day view, the summary, OpenAPI."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.errors import BadRequest
from bot.diary.kinds import KIND_FIELDS
from bot.diary.parse import parse_line
from bot.diary.schemas import read_fields
from bot.models import DiaryEntry
from bot.store import background
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.chat import TZ, Chat, Family, open_family, yesterday_at

SENT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
NURSE, MOM = "o-med-nurse", "o-med-mom"


@pytest.mark.parametrize(("line", "fields"), [
    ("用药 维生素D 1粒", {"name": "维生素D", "dose": 1, "unit": "capsule"}),
    ("喂药 伊可新 一粒", {"name": "伊可新", "dose": 1, "unit": "capsule"}),
    ("宝宝 益生菌 半袋", {"name": "益生菌", "dose": 0.5, "unit": "sachet", "patient": "baby"}),
    ("妈妈吃药 布洛芬 1片", {"name": "布洛芬", "dose": 1, "unit": "tablet", "patient": "mother"}),
    ("维生素d3 400iu", {"name": "维生素D3", "dose": 400, "unit": "iu"}),
    ("退烧药 美林 2.5ml", {"name": "退烧药 美林", "dose": 2.5, "unit": "ml"}),
    ("吃药", {}),
    ("用药 益生菌 1", {"name": "益生菌 1"}),  # a number without a unit is no dose: it stays in the name
])
def test_a_medication_line_becomes_a_medication_entry(line: str, fields: dict[str, Any]) -> None:
    entry = parse_line(line, SENT, TZ)
    assert (entry.kind, entry.fields, entry.text) == ("medication", fields, line)
    read_fields("medication", entry.fields)  # what chat makes, the API accepts


@pytest.mark.parametrize(("line", "kind"), [
    ("体温 38.2 吃了退烧药", "temperature"),
    ("伤口 涂药 愈合好", "wound"),
    ("脐带 上药 干燥", "cord_care"),
    ("喂奶 120ml 加了维生素D", "feeding"),
    ("大便 黄色 吃了益生菌", "diaper"),
    ("去药店买尿不湿", "diaper"),
])
def test_lines_of_other_kinds_keep_their_kind(line: str, kind: str) -> None:
    assert parse_line(line, SENT, TZ).kind == kind


def test_the_fields_are_checked_like_every_kind() -> None:
    assert read_fields("medication", {"name": "维生素D", "dose": 1, "unit": "drop"}) == {
        "name": "维生素D", "dose": 1, "unit": "drop"}
    for bad in ({"dose": 1}, {"dose": -1, "unit": "ml"}, {"dose": 1, "unit": "spoon"}, {"name": "药" * 51},
                {"patient": "grandma"}):
        with pytest.raises(BadRequest) as refused:
            read_fields("medication", bad)
        assert refused.value.code == "invalid_field", bad
    assert [f.name for f in KIND_FIELDS["medication"]] == ["name", "dose", "unit", "patient"]


def test_chat_records_it_and_the_family_reads_it_in_the_day_and_its_summary(app: Flask, client: FlaskClient) -> None:
    chat = Chat(client)
    family = open_family(app, client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say(MOM, f"绑定 {family.family_code}")
    now = chat.at(yesterday_at(11))  # the day view of "today" holds half an hour ago, whatever the hour
    first, second = now - dt.timedelta(minutes=30), now - dt.timedelta(minutes=20)
    reply = chat.say(NURSE, f"{first:%H:%M} 用药 维生素D 1粒\n{second:%H:%M} 宝宝 益生菌 半袋")
    # Issue 10 item 4: the reply confirms each entry as understood (it echoed the lines before).
    assert reply.splitlines() == [
        "已记录 2 条：", f"{first:%H:%M} 用药 维生素D 1粒", f"{second:%H:%M} 用药 益生菌 0.5袋 宝宝",
    ]
    day = chat.say(MOM, "今天")
    assert f"{first:%H:%M} 用药 维生素D 1粒" in day
    assert "用药 2 次：维生素D 1粒、益生菌 0.5袋" in day.split("—— 记录")[0]  # the summary, before the entries
    background.join_all()


def _login(client: FlaskClient, wechat_fake: WeChatApiFake, openid: str, code: str) -> dict[str, str]:
    wechat_fake.add_session(f"code-{openid}", openid=openid, session_key="sk-" + openid)
    token = client.post("/mp/v1/login", json={"code": f"code-{openid}"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/mp/v1/bind", json={"code": code}, headers=headers).status_code == 201
    return headers


def test_the_mini_program_posts_it_and_reads_it_back(app: Flask, client: FlaskClient, wechat_fake: WeChatApiFake,
                                                     session: Session) -> None:
    family: Family = open_family(app, client)
    nurse = _login(client, wechat_fake, "o-mp-med-nurse", family.nurse_code)
    parent = _login(client, wechat_fake, "o-mp-med-mom", family.family_code)
    when = (dt.datetime.now(TZ) - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    entries = f"/mp/v1/engagements/{family.engagement_id}/entries"
    refused = client.post(entries, headers=nurse, json={
        "client_id": "med-0", "occurred_at": when.isoformat(), "kind": "medication", "name": "维生素D", "dose": 1})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_field"
    assert "unit" in refused.get_json()["error"]["message"]
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0
    res = client.post(entries, headers=nurse, json={
        "client_id": "med-1", "occurred_at": when.isoformat(), "kind": "medication",
        "name": "维生素D", "dose": 1, "unit": "drop", "patient": "baby", "text": "维生素D 1滴"})
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert (body["kind"], body["name"], body["dose"], body["unit"], body["patient"]) == (
        "medication", "维生素D", 1, "drop", "baby")
    day = client.get(f"/mp/v1/engagements/{family.engagement_id}/days/{when.date().isoformat()}", headers=parent).get_json()
    assert [(e["kind"], e["text"]) for e in day["entries"]] == [("medication", "维生素D 1滴")]
    assert day["summary"]["medications"] == [{"name": "维生素D", "dose": 1, "unit": "drop", "patient": "baby"}]
    day_of_entry = when.date().isoformat()
    figures = client.get(f"/mp/v1/engagements/{family.engagement_id}/summary?from={day_of_entry}&to={day_of_entry}",
                         headers=parent).get_json()
    assert [d["medications"] for d in figures["days"]] == [[{"name": "维生素D", "dose": 1, "unit": "drop", "patient": "baby"}]]
    background.join_all()


def test_openapi_describes_the_new_kind(client: FlaskClient) -> None:
    spec = client.get("/mp/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    entry_in = schemas["EntryMedication"]

    def described(prop: dict[str, Any]) -> dict[str, Any]:  # an optional field is "this or null"
        return next(p for p in prop["anyOf"] if p.get("type") != "null") if "anyOf" in prop else prop

    assert described(entry_in["properties"]["unit"])["enum"] == ["drop", "capsule", "tablet", "sachet", "ml", "mg", "iu"]
    dose = described(entry_in["properties"]["dose"])
    assert (dose["type"], dose["minimum"], dose["maximum"]) == ("number", 0, 1000)
    body = spec["paths"]["/mp/v1/engagements/{engagement_id}/entries"]["post"]["requestBody"]["content"]
    assert "#/components/schemas/EntryMedication" in str(body)
    assert "medication" in schemas["EntryOut"]["properties"]["kind"]["enum"]
    assert schemas["SummaryOut"]["properties"]["medications"]["type"] == "array"
    assert "medications" in schemas["SummaryOut"]["required"]
