"""The agency's diary endpoints: engagements, complaints, flags — bad input writes nothing, others' data is 404."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Engagement
from tests.support.chat import open_family, today
from tests.support.factories import make_agency, make_worker


def _engagements(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Engagement)) or 0


def test_opening_an_engagement_returns_two_codes(app: Flask, client: FlaskClient, session) -> None:
    family = open_family(app, client)
    engagement = session.get(Engagement, family.engagement_id)
    assert engagement.nurse_code == family.nurse_code and engagement.family_code == family.family_code
    assert family.nurse_code != family.family_code and len(family.nurse_code) == 8
    assert engagement.baby_nickname == "小米" and engagement.birth_weight_g == 3400


@pytest.mark.parametrize("change", [
    {"worker_id": "1"}, {"starts_on": "2026-13-01"}, {"ends_on": None}, {"family_name": ""},
    {"family_name": "王" * 51}, {"birth_weight_g": 90}, {"extra": 1}, {"ends_on": "2000-01-01"},
])
def test_bad_engagement_input_is_a_400_that_writes_nothing(app: Flask, client: FlaskClient, session, change) -> None:
    agency, key = make_agency(session)
    worker = make_worker(session, agency)
    payload = {"worker_id": worker.id, "starts_on": today().isoformat(), "ends_on": "2099-01-01",
               "family_name": "王家", "baby_nickname": "小米", **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    res = client.post("/admin/v1/engagements", json=payload, headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 400, res.get_json()
    assert res.get_json()["error"]["message"]
    assert _engagements(session) == 0


def test_another_agencys_worker_complaint_and_flag_are_404(app: Flask, client: FlaskClient, session) -> None:
    family = open_family(app, client)
    _other, other_key = make_agency(session, "别家家政")
    auth = {"Authorization": f"Bearer {other_key}"}
    res = client.post("/admin/v1/engagements", json={"worker_id": family.worker_id, "starts_on": "2026-11-01",
                                                     "ends_on": "2026-12-01", "family_name": "李家"}, headers=auth)
    assert res.status_code == 404
    assert _engagements(session) == 1
    assert client.get("/admin/v1/complaints", headers=auth).get_json() == {"complaints": []}
    assert client.post("/admin/v1/complaints/1/response", json={"text": "x"}, headers=auth).status_code == 404
    assert client.post("/admin/v1/flags/1/ack", headers=auth).status_code == 404
    assert client.get("/admin/v1/flags?status=weird", headers=auth).status_code == 400
    assert client.post("/admin/v1/complaints/1/response", json={"text": ""}, headers=auth).status_code == 400


def test_engagement_dates_and_ids_are_bounded(client, app) -> None:
    from tests.support.backends import count_rows
    from tests.support.factories import make_agency

    with app.extensions["anxin_db"].new_session() as s:
        _, key = make_agency(s)
    headers = {"Authorization": f"Bearer {key}"}
    for payload in (
        {"worker_id": 100000000000000000000, "starts_on": "2026-11-20", "ends_on": "2026-12-20", "family_name": "王家"},
        {"worker_id": 1, "starts_on": "0001-01-01", "ends_on": "9999-12-31", "family_name": "王家"},
        {"worker_id": 1, "starts_on": "2026-01-01", "ends_on": "2027-06-30", "family_name": "王家"},
    ):
        res = client.post("/admin/v1/engagements", json=payload, headers=headers)
        assert res.status_code in (400, 404), res.get_json()
        assert res.status_code != 500
    assert count_rows(app.extensions["anxin_db"].engine, "engagement") == 0
