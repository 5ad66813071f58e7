"""No surface ever shows an ID number, a phone number, a document number or a birth date.

Workers are registered through the agency API with known numbers; then every
surface is asked about them (chat, web page, mini-program, agency API, images,
error bodies) and every byte that comes back is searched.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot.models.base import Base
from bot.wechat.simulator import WeChatSender
from tests.fakes.wechat_api import WeChatApiFake
from tests.support.agency import TODAY, auth, id_number, photo_bytes, verify, worker_json
from tests.support.backends import SETTINGS
from tests.support.factories import make_agency

BIRTH = dt.date(1979, 3, 8)
ID_NUMBER = id_number(BIRTH, 517, area="440106")
PHONE = "13926507391"
DOCUMENTS = {
    "identity": "SFZ-A7Q3-99120",
    "health": "JKZ-2026-440106-8841",
    "no_criminal_record": "WFZ(2026)穗公证字第7731号",
    "training_exam": "PX-GZ-20260917-552",
    "vocational_cert": "ZYJN-4401-19-000873",
    "insurance": "PICC-ZRX-2026-6643201",
}
SECRETS = [ID_NUMBER, ID_NUMBER[-6:], ID_NUMBER[:6] + "*", PHONE, PHONE[-8:], PHONE[:3] + "****",
           BIRTH.isoformat(), BIRTH.strftime("%Y%m%d"), "1979年3月8日", "天河区体育西路", *DOCUMENTS.values()]
MASKED = [re.compile(r"\d{3,6}\*{4,}\d{3}[\dX]"), re.compile(r"1[3-9]\d\*{4}\d{4}")]


def assert_clean(where: str, payload: bytes | str, secrets: list[str] = SECRETS) -> None:
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    for secret in secrets:
        assert secret not in text, f"{where} shows {secret!r}"
    for pattern in MASKED:
        assert not pattern.search(text), f"{where} shows a masked number {pattern.pattern}"


def test_the_search_finds_what_it_looks_for() -> None:
    for leak in (f"电话 {PHONE}", f"身份证尾号 {ID_NUMBER[-6:]}", "138****1234", "330203********1234", DOCUMENTS["health"]):
        with pytest.raises(AssertionError):
            assert_clean("self-check", leak)


def test_no_surface_shows_personal_numbers(app: Flask, client, session, wechat_fake: WeChatApiFake) -> None:
    key = make_agency(session, "广州穗安家政")[1]
    responses: list[tuple[str, Any]] = []

    def keep(where: str, res: Any) -> Any:
        responses.append((where, res.get_data()))
        return res

    data = worker_json(name="黎秀英", id_number=ID_NUMBER, phone=PHONE, birth_date=BIRTH.isoformat(),
                       hometown="广州天河区体育西路")
    res = keep("register", client.post("/admin/v1/workers", json=data, headers=auth(key)))
    worker_id = res.get_json()["id"]
    keep("duplicate", client.post("/admin/v1/workers", json=data, headers=auth(key)))
    keep("bad phone", client.post("/admin/v1/workers", json={**data, "phone": PHONE + "0"}, headers=auth(key)))
    keep("bad id", client.post("/admin/v1/workers", json={**data, "id_number": ID_NUMBER[:-1] + "0"},
                               headers=auth(key)))
    for kind, number in DOCUMENTS.items():
        body = {"kind": kind, "status": "verified", "document_no": number,
                "expires_on": (TODAY + dt.timedelta(days=300)).isoformat()}
        keep(f"verify {kind}", client.post(f"/admin/v1/workers/{worker_id}/verifications", json=body,
                                           headers=auth(key)))
    verify(client, key, worker_id, "no_criminal_record", status="failed", document_no=DOCUMENTS["no_criminal_record"])
    keep("photo", client.put(f"/admin/v1/workers/{worker_id}/photo", data=photo_bytes(), headers=auth(key)))
    keep("consent", client.put(f"/admin/v1/workers/{worker_id}/consent", json={"signed_on": TODAY.isoformat()},
                               headers=auth(key)))
    badge = keep("badge", client.post(f"/admin/v1/workers/{worker_id}/badge", headers=auth(key))).get_json()
    code = badge["code"].replace("-", "")
    keep("worker detail", client.get(f"/admin/v1/workers/{worker_id}", headers=auth(key)))
    keep("card", client.get(f"/admin/v1/badges/{code}/card.png", headers=auth(key)))

    # The public surfaces.
    keep("web page", client.get(f"/b/{code}"))
    keep("qr", client.get(f"/b/{code}/qr.png"))
    keep("public photo", client.get(f"/b/{code}/photo"))
    keep("web mistyped", client.get(f"/b/{code[:10]}{'0' if code[10] != '0' else '1'}"))
    keep("web unknown", client.get("/b/00000-00001-Y"))
    wechat_fake.add_session("code-privacy", openid="o-privacy", session_key="sk")
    token = client.post("/mp/v1/login", json={"code": "code-privacy"}).get_json()["token"]
    keep("mp profile", client.get(f"/mp/v1/badges/{code}", headers=auth(token)))
    keep("mp unknown", client.get("/mp/v1/badges/00000-00001-Y", headers=auth(token)))
    sender = WeChatSender.from_settings(SETTINGS)
    for push in (sender.text("o-privacy", code), sender.event("o-privacy", "SCAN", f"badge_{code}"),
                 sender.event("o-privacy-2", "subscribe", f"qrscene_badge_{code}")):
        params, raw = sender.sign(push)
        keep("chat", client.post("/wechat", query_string=params, data=raw, headers={"Content-Type": "text/xml"}))
    keep("stats", client.get(f"/admin/v1/badges/{code}/stats", headers=auth(key)))
    keep("revoke", client.delete(f"/admin/v1/badges/{code}", headers=auth(key)))
    keep("web revoked", client.get(f"/b/{code}"))
    keep("mp revoked", client.get(f"/mp/v1/badges/{code}", headers=auth(token)))

    statuses = [where for where, _ in responses]
    assert len(statuses) == 29
    shown = b"".join(body for where, body in responses if where in ("web page", "mp profile", "chat"))
    assert "黎*英".encode() in shown  # the lookups did answer with the profile
    for where, body in responses:
        assert_clean(where, body)

    # At rest: no column of any table holds a number in the clear.
    with app.extensions["anxin_db"].reader_session() as reader:
        for table in Base.metadata.sorted_tables:
            for row in reader.execute(select(table)):
                # The birth date (for the age) and hometown are kept in the clear; the numbers are not.
                assert_clean(f"table {table.name}", repr(tuple(row)), [ID_NUMBER, ID_NUMBER[-6:], PHONE, PHONE[-8:],
                                                                       *DOCUMENTS.values()])
