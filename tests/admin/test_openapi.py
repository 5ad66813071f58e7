"""``/admin/v1/openapi.json`` is generated from the routes and their models, and the server keeps to it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.agency import pin_admin_body, worker_json
from tests.support.chat import Family, open_family, today


def admin_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(m.lower(), path) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return routes


def test_the_description_is_public_and_lists_exactly_the_routes(app: Flask, client: FlaskClient) -> None:
    res = client.get("/admin/v1/openapi.json")
    assert res.status_code == 200
    spec = res.get_json()
    assert spec["openapi"].startswith("3.1")
    described = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert described == admin_routes(app)
    worker = spec["components"]["schemas"]["WorkerIn"]
    assert worker["additionalProperties"] is False
    assert worker["properties"]["experience_years"]["maximum"] == 60  # the limit, written once in the model


def test_a_bad_body_names_every_bad_field_in_one_400(client: FlaskClient, session) -> None:
    from tests.support.factories import make_agency

    key = make_agency(session)[1]
    data = worker_json(experience_years=99, phone="12", shoe_size=38)
    del data["name"]
    res = client.post("/admin/v1/workers", json=data, headers={"Authorization": f"Bearer {key}"})
    assert res.status_code == 400
    message = res.get_json()["error"]["message"]
    for field in ("experience_years", "phone", "shoe_size", "name"):
        assert field in message, message
    assert "不能大于60" in message and "缺少此字段" in message and "未知字段" in message


def test_a_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    res = client.put("/admin/v1/openapi.json")
    assert res.status_code == 405
    assert res.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert res.get_json()["error"]["code"] == "method_not_allowed"


def test_json_answers_are_readable_utf8(client: FlaskClient) -> None:
    res = client.get("/admin/v1/openapi.json")
    assert "安心" in res.get_data(as_text=True)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_no_schema_violation_and_no_refused_valid_request(
    app: Flask, client: FlaskClient
) -> None:
    from tests.support.api_fuzz import explore
    from tests.support.fuzz import examples

    family: Family = open_family(app, client)

    def pin(case) -> None:
        """Rules no JSON Schema can state: an ID number's check digit, this agency's worker, dates in order."""
        pin_admin_body(case, family.worker_id, today())
        if "worker_id" in case.path_parameters:
            case.path_parameters["worker_id"] = family.worker_id

    sent = explore(app, "/admin/v1/openapi.json", {"Authorization": f"Bearer {family.key}"}, pin)
    assert sent > examples(200)  # scaled as the budgets are (ANXIN_FUZZ_EXAMPLES)
