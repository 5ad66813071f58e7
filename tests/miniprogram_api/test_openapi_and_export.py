"""The OpenAPI description matches the routes and the responses; the keepsake PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.diary_support import TZ, Family, today
from tests.miniprogram_api.conftest import MpUser


def flask_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/mp/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(m.lower(), path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_description_lists_exactly_the_routes(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/mp/v1/openapi.json")
    assert res.status_code == 200
    spec = res.get_json()
    assert spec["openapi"].startswith("3.")
    described = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert described == flask_routes(app)


def test_the_description_is_valid_openapi(client) -> None:  # type: ignore[no-untyped-def]
    import schemathesis

    spec = client.get("/mp/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in spec["paths"].values())


def test_the_keepsake_pdf_holds_the_days(nurse: MpUser, parent: MpUser, family: Family, login) -> None:  # type: ignore[no-untyped-def]
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
    assert "伍*芳" in text and "伍秀芳" not in text
    assert "喂奶 150ml" in text and "宝宝第一次抬头" in text
    assert "★★★★★" in text and "非常满意" in text
    assert "每日奶量" in text
    assert f"{yesterday.month}月{yesterday.day}日" in text
    assert len(reader.pages) >= 3
    assert nurse.get(f"/engagements/{family.engagement_id}/export.pdf").status_code == 200
    assert login("o-stranger-pdf").get(f"/engagements/{family.engagement_id}/export.pdf").status_code == 404


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(app: Flask, nurse: MpUser, parent: MpUser,
                                                                  family: Family) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import positive_data_acceptance

    app.config["ANXIN_MP_LIMIT_USER"] = 1_000_000  # explore the API, not the rate limit
    schema = schemathesis.openapi.from_wsgi("/mp/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]

    def explore(operation, token: str) -> None:  # type: ignore[no-untyped-def]
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            if "engagement_id" in case.path_parameters:
                case.path_parameters["engagement_id"] = family.engagement_id
            # Some rules cannot be written in JSON Schema (a badge code's check symbol, a time in the
            # future, a day outside the engagement): a schema-valid request may still get a clear 400.
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                   excluded_checks=[positive_data_acceptance])

        check()

    for operation in operations:
        explore(operation, nurse.token)  # the nurse writes entries
        explore(operation, parent.token)  # the parent rates days
