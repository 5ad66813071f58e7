"""The mini-program's day view as a family reads it (issue 33): ``today`` / ``yesterday`` in the path, each entry's
``body`` as understood beside the nurse's ``text``, and no flag meant for the agency alone."""

from __future__ import annotations

import datetime as dt

from tests.support.chat import TZ, Family, today
from tests.support.miniprogram import MpUser

MIDNIGHT = dt.datetime.combine(today(), dt.time(0, 0), tzinfo=TZ).isoformat()  # past, and today, whenever it runs


def test_the_day_view_takes_today_and_reads_entries_as_understood(nurse: MpUser, parent: MpUser,
                                                                  family: Family) -> None:
    path = f"/engagements/{family.engagement_id}"
    assert nurse.post(f"{path}/entries", [
        {"client_id": "f1", "occurred_at": MIDNIGHT, "kind": "feeding", "type": "formula", "amount_ml": 90,
         "text": "配方奶90ml"},
        {"client_id": "t1", "occurred_at": MIDNIGHT, "kind": "temperature", "celsius": 37, "text": "体温37度"},
        {"client_id": "n1", "occurred_at": MIDNIGHT, "kind": "note", "text": "宝宝肚子上有几个出血点"},
    ]).status_code == 201
    res = parent.get(f"{path}/days/today")
    assert res.status_code == 200, res.get_json()
    day = res.get_json()
    assert day["date"] == today().isoformat()
    assert [(e["body"], e["text"]) for e in day["entries"]] == [
        ("配方奶 90ml", "配方奶90ml"), ("体温 37.0℃", "体温37度"), ("宝宝肚子上有几个出血点", "宝宝肚子上有几个出血点")]
    # The safety net's flag went to the agency's supervisors; the family's view has none, nor counts it.
    assert day["flags"] == [] and day["summary"]["flags"] == 0
    assert all(e["flags"] == [] for e in day["entries"])
    # The nurse who wrote the note sees what it raised (she was told it went to a person).
    assert [f["rule"] for f in nurse.get(f"{path}/days/today").get_json()["flags"]] == ["needs_review"]
    # Yesterday by its word; a word the path does not know is refused in Chinese.
    assert parent.get(f"{path}/days/yesterday").get_json()["date"] == (today() - dt.timedelta(days=1)).isoformat()
    refused = parent.get(f"{path}/days/tomorrow")
    assert refused.status_code == 400 and "today" in refused.get_json()["error"]["message"]


def test_the_openapi_description_gives_today_as_an_example(client) -> None:
    spec = client.get("/mp/v1/openapi.json").get_json()
    view = next(ops for path, ops in spec["paths"].items() if path.endswith("/engagements/{engagement_id}/days/{day}"))
    day = next(p for p in view["get"]["parameters"] if p["name"] == "day")
    assert "today" in day["schema"]["examples"] and "today" in str(day["schema"]["anyOf"])
