"""Twins in the mini-program (issue 10, item 6): an entry names its baby; the day lists the babies and sums each up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import DiaryEntry
from tests.support.chat import TZ, open_twins, today


def test_a_twin_entry_names_its_baby_and_the_day_shows_each(
    app: Flask, client: FlaskClient, login, session: Session
) -> None:
    family = open_twins(app, client)
    nurse = login("o-mp-twin-nurse")
    assert nurse.post("/bind", {"code": family.nurse_code}).status_code == 201
    path = f"/engagements/{family.engagement_id}"
    day = nurse.get(f"{path}/days/{today().isoformat()}").get_json()
    babies = {b["label"]: b["id"] for b in day["babies"]}
    assert list(babies) == ["小豆苗", "小豆芽"] and [b["sex"] for b in day["babies"]] == ["male", "female"]
    at = (dt.datetime.now(TZ) - dt.timedelta(minutes=5)).isoformat()

    def entry(client_id: str, **fields: Any) -> dict[str, Any]:
        return {"client_id": client_id, "occurred_at": at, **fields}

    # A baby's kind without baby_id, or with another engagement's baby, is refused and writes nothing.
    for body, code in ((entry("c0", kind="feeding", amount_ml=60), "baby_required"),
                       (entry("c0", kind="feeding", amount_ml=60, baby_id=999_999), "invalid_baby"),
                       (entry("c0", kind="lochia", colour="red", baby_id=babies["小豆苗"]), "invalid_baby")):
        res = nurse.post(f"{path}/entries", body)
        assert res.status_code == 400 and res.get_json()["error"]["code"] == code, res.get_json()
        assert "baby_id" in res.get_json()["error"]["message"]
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0

    res = nurse.post(f"{path}/entries", [
        entry("c1", kind="feeding", amount_ml=60, baby_id=babies["小豆苗"]),
        entry("c2", kind="feeding", amount_ml=50, baby_id=babies["小豆芽"]),
        entry("c3", kind="temperature", celsius=38.3, baby_id=babies["小豆芽"]),
        entry("c4", kind="mother_temperature", celsius=36.9),
    ])
    assert res.status_code == 201, res.get_json()
    out = res.get_json()
    assert [e.get("baby_id") for e in out] == [babies["小豆苗"], babies["小豆芽"], babies["小豆芽"], None]
    assert "baby_id" not in out[3]  # the mother's entry names no baby
    assert out[2]["flags"][0]["reason"].startswith("小豆芽：")

    day = nurse.get(f"{path}/days/{today().isoformat()}").get_json()
    assert [e.get("baby_id") for e in day["entries"]] == [e.get("baby_id") for e in out]
    per_baby = {b["label"]: (b["feeds"], b["feed_ml"], b["temperatures_celsius"]) for b in day["summary"]["by_baby"]}
    assert per_baby == {"小豆苗": (1, 60, []), "小豆芽": (1, 50, [38.3])}
    assert (day["summary"]["feeds"], day["summary"]["feed_ml"]) == (2, 110)


def test_the_twins_keepsake_names_each_baby_on_its_cover_pages_and_charts(
    app: Flask, client: FlaskClient, login
) -> None:
    import io

    from pypdf import PdfReader

    family = open_twins(app, client)
    nurse = login("o-mp-twin-keepsake")
    assert nurse.post("/bind", {"code": family.nurse_code}).status_code == 201
    path = f"/engagements/{family.engagement_id}"
    babies = {b["label"]: b["id"] for b in nurse.get(f"{path}/days/{today().isoformat()}").get_json()["babies"]}
    at = (dt.datetime.now(TZ) - dt.timedelta(minutes=5)).isoformat()
    assert nurse.post(f"{path}/entries", [
        {"client_id": "k1", "occurred_at": at, "kind": "feeding", "amount_ml": 130, "baby_id": babies["小豆苗"],
         "text": "配方奶130ml"},
        {"client_id": "k2", "occurred_at": at, "kind": "feeding", "amount_ml": 110, "baby_id": babies["小豆芽"],
         "text": "配方奶110ml"},
        {"client_id": "k3", "occurred_at": at, "kind": "weight", "grams": 2650, "baby_id": babies["小豆苗"]},
        {"client_id": "k4", "occurred_at": at, "kind": "weight", "grams": 2380, "baby_id": babies["小豆芽"]},
    ]).status_code == 201
    res = nurse.get(f"{path}/export.pdf")
    assert res.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(res.data)).pages)
    assert "小豆苗、小豆芽的月子日记" in text
    assert "小豆苗 · 每日奶量" in text and "小豆芽 · 每日奶量" in text  # a chart per baby
    assert "【小豆苗】喂奶 130ml" in text and "【小豆芽】喂奶 110ml" in text
    assert "小豆苗：喂奶 1 次，共 130ml" in text and "小豆芽：喂奶 1 次，共 110ml" in text
    # The cover names each baby with its sex and birth weight; growth is charted per baby against its sex's curves.
    assert "小豆苗 · 男孩" in text and "出生体重 2600 克" in text and "小豆芽 · 女孩" in text
    assert "小豆苗 · 体重（kg）· WHO 标准（男孩）" in text and "小豆芽 · 体重（kg）· WHO 标准（女孩）" in text
