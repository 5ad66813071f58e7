"""``GET /admin/v1/workers`` and ``GET /admin/v1/engagements`` (paged, filtered), and twins through ``babies``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.agency import add_worker, auth, publish, verify
from tests.support.chat import open_family, today
from tests.support.factories import make_agency


def test_workers_are_listed_newest_first_with_their_light_and_paged(client: FlaskClient, session) -> None:
    key = make_agency(session, "宁波甬城家政")[1]
    green = add_worker(client, key, name="伍秀芳")
    code = publish(client, key, green)
    yellow = add_worker(client, key, name="陈美玲")
    verify(client, key, yellow, "identity")
    red = add_worker(client, key, name="李红")
    res = client.get("/admin/v1/workers", headers=auth(key))
    assert res.status_code == 200
    data = res.get_json()
    assert data["total"] == 3 and data["pages"] == 1
    assert [(w["id"], w["light"]) for w in data["workers"]] == [(red, "red"), (yellow, "yellow"), (green, "green")]
    assert data["workers"][2]["badge_code"] == f"{code[:5]}-{code[5:10]}-{code[10]}"
    assert "伍秀芳" in res.get_data(as_text=True)  # readable UTF-8, not \u escapes

    light = client.get("/admin/v1/workers?light=yellow", headers=auth(key)).get_json()
    assert [w["name"] for w in light["workers"]] == ["陈美玲"]
    by_name = client.get("/admin/v1/workers?q=秀", headers=auth(key)).get_json()
    assert [w["id"] for w in by_name["workers"]] == [green]
    by_code = client.get(f"/admin/v1/workers?q={code.lower()}", headers=auth(key)).get_json()
    assert [w["id"] for w in by_code["workers"]] == [green]
    second = client.get("/admin/v1/workers?per_page=2&page=2", headers=auth(key)).get_json()
    assert (second["total"], second["pages"], [w["id"] for w in second["workers"]]) == (3, 2, [green])
    bad = client.get("/admin/v1/workers?light=blue&per_page=0", headers=auth(key))
    assert bad.status_code == 400
    assert "light" in bad.get_json()["error"]["message"] and "per_page" in bad.get_json()["error"]["message"]


def test_another_agency_sees_none_of_them(client: FlaskClient, session) -> None:
    key = make_agency(session, "甲")[1]
    other = make_agency(session, "乙")[1]
    add_worker(client, key)
    assert client.get("/admin/v1/workers", headers=auth(other)).get_json()["total"] == 0
    assert client.get("/admin/v1/engagements", headers=auth(other)).get_json()["total"] == 0


def test_twins_are_two_babies_and_one_baby_reads_as_before(app: Flask, client: FlaskClient) -> None:
    family = open_family(app, client)
    born = (today() - dt.timedelta(days=1)).isoformat()
    res = client.post("/admin/v1/engagements", headers=auth(family.key), json={
        "worker_id": family.worker_id, "starts_on": today().isoformat(),
        "ends_on": (today() + dt.timedelta(days=26)).isoformat(), "family_name": "陈家",
        "babies": [{"nickname": "大宝", "sex": "female", "born_at": f"{born}T07:30", "gestation_weeks": 36,
                    "birth_weight_g": 2500},
                   {"nickname": "二宝", "sex": "male", "born_at": f"{born}T07:42+08:00", "birth_weight_g": 2300}],
    })
    assert res.status_code == 201, res.get_json()
    twins = res.get_json()["id"]
    data = client.get("/admin/v1/engagements?state=active", headers=auth(family.key)).get_json()
    assert [e["family_name"] for e in data["engagements"]] == ["陈家", "王家"]
    chen, wang = data["engagements"]
    assert chen["id"] == twins
    assert [(b["position"], b["nickname"], b["sex"], b["born_at"], b["gestation_weeks"], b["birth_weight_g"])
            for b in chen["babies"]] == [
        (1, "大宝", "female", f"{born}T07:30:00+08:00", 36, 2500),
        (2, "二宝", "male", f"{born}T07:42:00+08:00", None, 2300)]
    # One baby from the old fields, as before.
    assert [(b["nickname"], b["born_on"], b["birth_weight_g"]) for b in wang["babies"]] == [
        ("小米", (today() - dt.timedelta(days=3)).isoformat(), 3400)]
    assert (wang["nurse_bound"], wang["parents_bound"], wang["open_flags"]) == (False, 0, 0)
    assert client.get("/admin/v1/engagements?q=陈", headers=auth(family.key)).get_json()["total"] == 1
    assert client.get("/admin/v1/engagements?state=ended", headers=auth(family.key)).get_json()["total"] == 0


def test_babies_and_the_single_baby_fields_are_not_mixed_and_nothing_is_written(app: Flask, client: FlaskClient) -> None:
    family = open_family(app, client)
    body = {"worker_id": family.worker_id, "starts_on": today().isoformat(),
            "ends_on": (today() + dt.timedelta(days=26)).isoformat(), "family_name": "陈家"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"babies": [{"nickname": "大宝"}], "baby_nickname": "小米"}, "不要再填写"),
        ({"babies": []}, "babies"),
        ({"babies": [{"gestation_weeks": 50}]}, "babies[0].gestation_weeks：不能大于44"),
        ({"babies": [{"born_at": (today() + dt.timedelta(days=60)).isoformat()}]}, "第1个宝宝的出生日期"),
    ]
    for extra, words in cases:
        res = client.post("/admin/v1/engagements", headers=auth(family.key), json={**body, **extra})
        assert res.status_code == 400 and words in res.get_json()["error"]["message"], res.get_json()
    assert client.get("/admin/v1/engagements", headers=auth(family.key)).get_json()["total"] == 1
