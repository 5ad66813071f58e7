"""Positive schemathesis over ``/admin/v1`` against real records: an agency with workers (checked, consenting,
photographed, badged), engagements with a bound nurse and family, a complaint, a fever flag and a supervisor.

Every path id is drawn from those records, so the valid requests reach real rows, and a valid request must
then succeed (2xx, a response as described). The only exceptions are records an earlier request of the run
used up (a revoked badge, an answered complaint, a removed supervisor): those may answer 404 or 409, with the
JSON error. Never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.support.agency import add_worker, auth, pin_admin_body, publish
from tests.support.api_fuzz import operations
from tests.support.chat import Chat, open_family, today
from tests.support.fuzz import budget

# Operations that use up the record they name: a second call on it is answered 404 or 409.
CONSUMING = {
    ("DELETE", "/admin/v1/badges/{code}"): "code",
    ("DELETE", "/admin/v1/supervisors/{supervisor_id}"): "supervisor_id",
    ("POST", "/admin/v1/complaints/{complaint_id}/response"): "complaint_id",
    ("POST", "/admin/v1/flags/{flag_id}/ack"): "flag_id",
}
# Withdrawing a consent is undone at once (the agency records it again), so her badges stay printable.
WITHDRAW_CONSENT = ("DELETE", "/admin/v1/workers/{worker_id}/consent")


@dataclass
class Records:
    """Ids of the seeded agency's records, by path parameter name; and which were used up."""

    client: FlaskClient
    key: str
    ids: dict[str, list[Any]]
    used: set[tuple[str, Any]] = field(default_factory=set)


def _seed(app: Flask, client: FlaskClient) -> Records:
    family = open_family(app, client)
    key = family.key
    workers = [family.worker_id, add_worker(client, key), add_worker(client, key)]
    badges = [publish(client, key, w) for w in workers[:2] for _ in range(2)]  # two badges each
    chat = Chat(client)
    assert "绑定成功" in chat.say("o-nurse", f"绑定 {family.nurse_code}")
    assert "绑定成功" in chat.say("o-mom", f"绑定 {family.family_code}")
    chat.say("o-nurse", "体温 39.5")  # a fever flag
    chat.say("o-mom", "投诉 月嫂今天迟到了两个小时")
    chat.say("o-mom", "投诉 宝宝的衣服没有洗")
    res = client.post("/admin/v1/supervisor-codes", json={}, headers=auth(key))
    assert res.status_code == 201, res.get_json()
    assert "绑定成功" in chat.say("o-supervisor", f"绑定 {res.get_json()['code']}")
    complaints = [c["id"] for c in _items(client.get("/admin/v1/complaints", headers=auth(key)).get_json())]
    flags = [f["id"] for f in _items(client.get("/admin/v1/flags", headers=auth(key)).get_json())]
    supervisors = [s["id"] for s in _items(client.get("/admin/v1/supervisors", headers=auth(key)).get_json())]
    assert complaints and flags and supervisors, (complaints, flags, supervisors)
    return Records(client, key, {"worker_id": workers, "code": badges, "complaint_id": complaints, "flag_id": flags,
                         "supervisor_id": supervisors})


def _items(body: Any) -> list[dict[str, Any]]:
    return body if isinstance(body, list) else next(v for v in body.values() if isinstance(v, list))


def _pin_body(case: Any, records: Records) -> None:
    """Rules no JSON Schema states, for a worker with no engagement yet (an engagement must not overlap her others)."""
    pin_admin_body(case, records.ids["worker_id"][-1], today() + dt.timedelta(days=400))


@pytest.fixture
def records(app: Flask, client: FlaskClient) -> Records:
    return _seed(app, client)


def _operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/admin/v1/openapi.json", app)
    return operations(schema)


def test_every_operation_is_described(app: Flask) -> None:
    assert len(_operations(app)) >= 20


@budget(8)
@given(data=st.data())
def test_valid_requests_on_real_records_succeed(app: Flask, client: FlaskClient, records: Records,
                                                 data: st.DataObject) -> None:
    """Each example sends one valid case of every operation, in a drawn order, on drawn records."""
    operations = _OPERATIONS_CACHE.setdefault(id(app), _operations(app))
    for operation in data.draw(st.permutations(operations), label="order"):
        _one_case(operation, records, data)


_OPERATIONS_CACHE: dict[int, list[Any]] = {}


def _one_case(operation: Any, records: Records, data: st.DataObject) -> None:
    case = data.draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), label="case")
    _pin_body(case, records)
    touched: list[tuple[str, Any]] = []
    for name in list(case.path_parameters or {}):
        if name in records.ids:
            value = data.draw(st.sampled_from(records.ids[name]), label=name)
            case.path_parameters[name] = value
            touched.append((name, value))
    response = case.call_and_validate(headers=auth(records.key),
                                      excluded_checks=[negative_data_rejection, positive_data_acceptance])
    label = f"{case.method} {operation.path}"
    event(f"{label}: {response.status_code}")  # --hypothesis-show-statistics: what was sent, what came back
    assert response.status_code < 500, (label, response.status_code, response.text[:300])
    used = any(t in records.used for t in touched)
    if 200 <= response.status_code < 300:
        consumed = CONSUMING.get((case.method.upper(), operation.path))
        if consumed is not None:
            records.used.add((consumed, case.path_parameters[consumed]))
        if (case.method.upper(), operation.path) == WITHDRAW_CONSENT:
            worker_id = case.path_parameters["worker_id"]
            again = records.client.put(f"/admin/v1/workers/{worker_id}/consent", headers=auth(records.key),
                                       json={"signed_on": today().isoformat()})
            assert again.status_code == 200, again.get_json()
        return
    body = response.json()
    assert used and response.status_code in (404, 409), (label, case.path_parameters, case.query, case.body,
                                                          response.status_code, body)
    assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), body
