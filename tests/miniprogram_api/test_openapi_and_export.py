"""The OpenAPI description matches the routes and the responses; the keepsake PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.support.chat import TZ, Family, today
from tests.support.miniprogram import MpUser


def flask_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/mp/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(m.lower(), path) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return routes


def test_the_description_lists_exactly_the_routes(app: Flask, client) -> None:
    res = client.get("/mp/v1/openapi.json")
    assert res.status_code == 200
    spec = res.get_json()
    assert spec["openapi"].startswith("3.")
    described = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert described == flask_routes(app)


def test_the_description_is_valid_openapi(client) -> None:
    import schemathesis

    from tests.support.api_fuzz import operations

    spec = client.get("/mp/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(spec)
    assert len(operations(schema)) == sum(len(ops) for ops in spec["paths"].values())


def test_the_keepsake_pdf_holds_the_days(nurse: MpUser, parent: MpUser, family: Family, login) -> None:
    yesterday = today() - dt.timedelta(days=1)
    moment = dt.datetime.combine(yesterday, dt.time(9, 30), tzinfo=TZ).isoformat()
    nurse.post(f"/engagements/{family.engagement_id}/entries", [
        {"client_id": "k1", "occurred_at": moment, "kind": "feeding", "type": "formula", "amount_ml": 150,
         "text": "喂奶 150ml 🍼"},
        {"client_id": "k2", "occurred_at": moment, "kind": "note", "text": "宝宝第一次抬头"},
    ])
    parent.put(f"/engagements/{family.engagement_id}/days/{yesterday}/rating", {"stars": 5, "comment": "非常满意"})
    res = parent.get(f"/engagements/{family.engagement_id}/export.pdf")
    assert res.status_code == 200
    assert res.mimetype == "application/pdf"
    assert "attachment" in res.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(res.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "小米的月子日记" in text and "王家" in text
    assert "伍秀芳" in text  # the family's keepsake names their nurse
    assert "配方奶 150ml" in text and "宝宝第一次抬头" in text  # the entry as understood, the note as written
    assert "★★★★★" in text and "非常满意" in text
    assert "每日奶量" in text
    assert f"{yesterday.month}月{yesterday.day}日" in text
    assert len(reader.pages) >= 3
    assert nurse.get(f"/engagements/{family.engagement_id}/export.pdf").status_code == 200
    assert login("o-stranger-pdf").get(f"/engagements/{family.engagement_id}/export.pdf").status_code == 404


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_no_schema_violation_and_no_refused_valid_request(
    app: Flask, nurse: MpUser, parent: MpUser, family: Family
) -> None:
    from tests.support.api_fuzz import explore, unique_client_ids
    from tests.support.fuzz import examples

    app.config["ANXIN_MP_LIMIT_USER"] = 1_000_000  # explore the API, not the rate limit
    app.config["ANXIN_MP_LIMIT_LOGIN"] = 1_000_000
    now = dt.datetime.now(TZ) - dt.timedelta(minutes=5)

    def pin(case) -> None:
        """Bound to this family, on a day of its engagement, entries happening now (about its only baby)."""
        if "engagement_id" in case.path_parameters:
            case.path_parameters["engagement_id"] = family.engagement_id
        if "day" in case.path_parameters:
            case.path_parameters["day"] = today().isoformat()
        if case.query:
            case.query.pop("from", None)
            case.query.pop("to", None)
        if case.method == "PATCH" and isinstance(case.body, dict):
            # Which fields an edit may carry depends on the stored entry's kind, which no schema knows.
            case.body = {k: v for k, v in case.body.items() if k in ("version", "occurred_at", "text")}
        if isinstance(case.body, dict | list):
            unique_client_ids(case.body)
            for item in case.body if isinstance(case.body, list) else [case.body]:
                if isinstance(item, dict) and "occurred_at" in item:
                    item["occurred_at"] = now.isoformat()
                if isinstance(item, dict) and item.get("baby_id") is not None:
                    item["baby_id"] = None  # which babies exist depends on the engagement, which no schema knows

    sent = 0
    for user in (nurse, parent):  # the nurse writes entries, the parent rates days
        sent += explore(app, "/mp/v1/openapi.json", {"Authorization": f"Bearer {user.token}"}, pin)
    assert sent > examples(200)  # scaled as the budgets are (ANXIN_FUZZ_EXAMPLES)
