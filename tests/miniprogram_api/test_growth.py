"""``GET /mp/v1/engagements/ID/growth`` (issue 33.5): measurements, WHO percentiles and the chart."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from bot.diary.growth_charts import curves, percentile_of
from tests.support.chat import TZ, Family, today
from tests.support.miniprogram import MpUser

YESTERDAY = today() - dt.timedelta(days=1)


def at(hour: int) -> str:
    return dt.datetime.combine(YESTERDAY, dt.time(hour), tzinfo=TZ).isoformat()


def test_growth_comes_with_the_who_curves_and_a_chart(app: Flask, nurse: MpUser, parent: MpUser, family: Family) -> None:
    posted = nurse.post(f"/engagements/{family.engagement_id}/entries", [
        {"client_id": "w1", "occurred_at": at(8), "kind": "weight", "grams": 3300},
        {"client_id": "l1", "occurred_at": at(8), "kind": "length", "cm": 50.2},
        {"client_id": "h1", "occurred_at": at(8), "kind": "head", "cm": 34.6},
    ])
    assert posted.status_code == 201, posted.get_json()
    answer = parent.get(f"/engagements/{family.engagement_id}/growth")
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    (baby,) = data["babies"]
    charts = {c["indicator"]: c for c in baby["charts"]}
    assert set(charts) == {"weight_kg", "length_cm", "head_cm"}
    weight = charts["weight_kg"]
    # The birth weight the agency gave (3400 g, three days ago), then the nurse's 3300 g.
    assert [(m["value"], m["age_days"], m["birth"]) for m in weight["measurements"]] == [(3.4, 0, True), (3.3, 2, False)]
    assert baby["sex"] is None and set(weight["percentiles"]) == {"male", "female"}  # sex not given: both
    assert weight["measurements"][1]["percentile"] is None and "性别未登记" in weight["notes"][0]
    assert weight["svg"].startswith("<svg") and "<polyline" in weight["svg"] and "<circle" in weight["svg"]
    assert "who.int" in data["sources"]["weight_kg"]["page"]
    # Strangers see nothing.
    assert nurse.get("/engagements/999999/growth").status_code == 404


def test_the_lms_tables_reproduce_the_who_z_score_columns() -> None:
    """The WHO z-score tables print the -2, 0 and +2 SD values beside L, M, S: the formula gives them back."""
    who = {  # (indicator, sex, week): (-2 SD, median, +2 SD) as printed in tab_*_z_0_13.txt
        ("weight_kg", "male", 0): (2.5, 3.3, 4.4), ("weight_kg", "female", 4): (3.1, 4.1, 5.4),
        ("length_cm", "male", 13): (57.3, 61.4, 65.5), ("head_cm", "female", 6): (34.9, 37.3, 39.6),
    }
    from bot.diary.growth_charts import lms_value, standard

    for (key, sex, week), expected in who.items():
        _, lv, m, s = standard()[key][sex][week]
        assert tuple(round(lms_value(lv, m, s, z), 1) for z in (-2, 0, 2)) == expected
    # P50 is the median; a baby on the median is at the 50th percentile.
    p50 = dict(curves("weight_kg", "male", 13)["P50"])
    assert round(percentile_of("weight_kg", "male", 4, p50[4])) == 50
    assert percentile_of("weight_kg", "male", 4, 3.0) < 3 < percentile_of("weight_kg", "male", 4, 4.0)
