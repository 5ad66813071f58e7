"""Family phones on an engagement: consent required, encrypted at rest, masked in every answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.models import Engagement
from tests.support.agency import auth
from tests.support.chat import today
from tests.support.factories import make_agency, make_worker

# Example numbers, not people's: the contract's (+8613800138000) and Tencent Cloud's SendSms page's
# (+8613711112222, https://intl.cloud.tencent.com/zh/document/product/382/40536).
MOM_PHONE, DAD_PHONE = "13800138000", "13711112222"


def _payload(worker_id: int, **extra: Any) -> dict[str, Any]:
    return {"worker_id": worker_id, "starts_on": today().isoformat(),
            "ends_on": (today() + dt.timedelta(days=40)).isoformat(), "family_name": "王家", "baby_nickname": "小米粒",
            **extra}


def test_family_phones_are_kept_encrypted_with_consent_and_shown_masked(app: Flask, client: FlaskClient,
                                                                       session) -> None:
    agency, key = make_agency(session)
    worker = make_worker(session, agency)
    res = client.post("/admin/v1/engagements", headers=auth(key), json=_payload(
        worker.id, family_phones=[MOM_PHONE, DAD_PHONE, MOM_PHONE], family_phones_consent=True))
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["family_phones"] == ["138****8000", "137****2222"]
    assert MOM_PHONE not in res.get_data(as_text=True)
    session.rollback()
    engagement = session.scalars(select(Engagement)).one()
    assert engagement.family_phones_enc.startswith("v1:") and MOM_PHONE not in engagement.family_phones_enc
    assert engagement.family_phones_consent_at is not None
    assert engagement.family_phones_consent_by == f"api:agency:{agency.id}"
    listed = client.get("/admin/v1/engagements", headers=auth(key))
    assert listed.get_json()["engagements"][0]["family_phones"] == ["138****8000", "137****2222"]
    assert MOM_PHONE not in listed.get_data(as_text=True)


@pytest.mark.parametrize(("extra", "says"), [
    ({"family_phones": [MOM_PHONE]}, "family_phones_consent"),
    ({"family_phones": [MOM_PHONE], "family_phones_consent": False}, "family_phones_consent"),
    ({"family_phones": ["12800138000"], "family_phones_consent": True}, "family_phones"),
    ({"family_phones": ["1380013800"], "family_phones_consent": True}, "family_phones"),
    ({"family_phones": [MOM_PHONE] * 5, "family_phones_consent": True}, "family_phones"),
    ({"family_phones": "13800138000", "family_phones_consent": True}, "family_phones"),
])
def test_phones_without_consent_or_malformed_are_refused_and_nothing_is_written(
        app: Flask, client: FlaskClient, session, extra: dict[str, Any], says: str) -> None:
    agency, key = make_agency(session)
    worker = make_worker(session, agency)
    res = client.post("/admin/v1/engagements", headers=auth(key), json=_payload(worker.id, **extra))
    assert res.status_code == 400, res.get_json()
    assert says in res.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Engagement)) == 0
