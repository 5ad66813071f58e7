"""The follow-up visit (回访) in the console, and the worker's credit grade moving with evaluations and visits."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.jobs import run_job
from bot.models import FollowUpVisit, Worker
from tests.support.agency import publish
from tests.support.chat import MOM, Chat, Family, today
from tests.support.closing import end_engagement
from tests.support.console import Console, make_staff, signed_in_admin, text
from tests.support.diary import DAD

ENDED = today() - dt.timedelta(days=1)


@pytest.fixture
def family(app: Flask, family: Family, chat: Chat) -> Family:
    """The shared family, the father bound too; service ended yesterday (下户)."""
    assert "绑定成功" in chat.say(DAD, f"绑定 {family.family_code}")
    end_engagement(app, family.engagement_id, ENDED)
    return family


def visits(session) -> list[FollowUpVisit]:
    session.rollback()
    return list(session.scalars(select(FollowUpVisit)))


def test_a_supervisor_schedules_and_records_the_follow_up(app: Flask, client: FlaskClient, family: Family,
                                                        chat: Chat, session) -> None:
    assert "谢谢您的评价" in chat.say(MOM, "评价 5 5 4 5 很细心，谢谢")
    assert "谢谢您的评价" in chat.say(DAD, "评价 4")
    make_staff(app, family.agency_id, "lin", "supervisor")
    console = Console(client)
    assert console.login("lin").status_code == 302

    page = text(console.get("/console/followups"))
    assert "下户回访" in page and "王家" in page and f"{ENDED} 下户" in page
    assert "家人1：平均 4.8 星 · “很细心，谢谢”" in page and "家人2：平均 4.0 星" in page
    assert 'data-dimension="hygiene"><th>卫生清洁</th><td><span class="stars">★★★★☆</span> 4.0' in page
    assert ">回访</a>" in text(console.get("/console/"))  # in the navigation

    path = f"/console/followups/{family.engagement_id}"
    res = console.post(f"{path}/schedule", {"scheduled_for": ""})
    assert res.status_code == 400 and "请选择回访日期" in text(res)
    res = console.post(f"{path}/schedule", {"scheduled_for": (today() - dt.timedelta(days=1)).isoformat()})
    assert res.status_code == 400 and "回访日期不能早于今天和下户日期" in text(res)
    res = console.post(f"{path}/schedule", {"scheduled_for": (ENDED + dt.timedelta(days=91)).isoformat()})
    assert res.status_code == 400 and "回访应在下户后90天内" in text(res)
    assert visits(session) == []

    planned = today() + dt.timedelta(days=2)
    res = console.post(f"{path}/schedule", {"scheduled_for": planned.isoformat()})
    assert res.status_code == 302
    page = text(console.get("/console/followups?state=scheduled"))
    assert f"已安排回访：{planned}" in page and f"{planned} 回访" in page
    assert "没有待安排回访的下户" in text(console.get("/console/followups"))

    res = console.post(f"{path}/record", {"outcome": "电话回访妈妈，宝宝长得好", "satisfaction": ""})
    assert res.status_code == 400 and "请选择家人的满意度" in text(res)
    res = console.post(f"{path}/record", {"outcome": " ", "satisfaction": "5"})
    assert res.status_code == 400 and "请填写回访情况" in text(res)
    assert visits(session)[0].done_at is None

    res = console.post(f"{path}/record", {"outcome": "电话回访妈妈，宝宝长得好，对月嫂很满意", "satisfaction": "5"})
    assert res.status_code == 302
    page = text(console.get("/console/followups?state=done"))
    assert "已记录回访结果" in page and "家人非常满意" in page and "对月嫂很满意" in page
    (visit,) = visits(session)
    assert visit.satisfaction == 5 and visit.scheduled_for == planned and visit.done_by is not None

    res = console.post(f"{path}/record", {"outcome": "再记一次", "satisfaction": "1"})
    assert res.status_code == 409 and "这一户的回访已经记录过了" in text(res)
    res = console.post(f"{path}/schedule", {"scheduled_for": planned.isoformat()})
    assert res.status_code == 409 and "不能再改日期" in text(res)

    engagement_page = text(console.get(f"/console/engagements/{family.engagement_id}"))
    assert 'id="followup"' in engagement_page and "家人非常满意" in engagement_page


def test_only_the_agency_and_only_roles_that_may(app: Flask, client: FlaskClient, family: Family, session) -> None:
    from tests.support.agency import new_agency

    other_id, _ = new_agency(app, "别家家政")
    rival = signed_in_admin(app, client, other_id)
    assert "王家" not in text(rival.get("/console/followups"))
    res = rival.post(f"/console/followups/{family.engagement_id}/record", {"outcome": "x", "satisfaction": "5"})
    assert res.status_code == 404 and "没有这一户" in text(res)
    make_staff(app, family.agency_id, "clerk1", "clerk")
    clerk = Console(app.test_client())
    assert clerk.login("clerk1").status_code == 302
    assert clerk.get("/console/followups").status_code == 403
    assert visits(session) == []


def test_an_ongoing_engagement_is_not_followed_up(app: Flask, client: FlaskClient, family: Family, session) -> None:
    end_engagement(app, family.engagement_id, today() + dt.timedelta(days=3))
    console = signed_in_admin(app, client, family.agency_id)
    assert "王家" not in text(console.get("/console/followups"))
    res = console.post(f"/console/followups/{family.engagement_id}/record", {"outcome": "提前回访", "satisfaction": "4"})
    assert res.status_code == 409 and "服务还没有结束" in text(res)
    assert visits(session) == []


def grade(app: Flask, worker_id: int, session) -> tuple[int, list[str]]:
    assert run_job(app, "credit").error is None
    session.rollback()
    worker = session.get(Worker, worker_id)
    return worker.credit_grade, worker.credit_reasons


def test_the_worker_grade_moves_with_evaluations_and_follow_ups(app: Flask, client: FlaskClient, family: Family,
                                                                chat: Chat, session) -> None:
    code = publish(client, family.key, family.worker_id)  # all six checks valid: 40 + 36, one engagement +2
    before, reasons = grade(app, family.worker_id, session)
    assert before == 4 and reasons[-1].startswith("总分 78")

    assert "谢谢您的评价" in chat.say(MOM, "评价 1 1 1 1 不负责任")
    low, reasons = grade(app, family.worker_id, session)
    assert low == 3 and "服务结束评价平均 1.0 星，共 1 份（-20）" in reasons and reasons[-1].startswith("总分 58")

    console = signed_in_admin(app, client, family.agency_id)
    res = console.post(f"/console/followups/{family.engagement_id}/record",
                       {"outcome": "妈妈说月嫂经常玩手机", "satisfaction": "1"})
    assert res.status_code == 302
    lower, reasons = grade(app, family.worker_id, session)
    assert lower == 2 and "回访满意度平均 1.0（5 为非常满意），共 1 次（-10）" in reasons

    # The family changes its mind within the window, and the father agrees: the grade follows.
    assert "已更新" in chat.say(MOM, "评价 5 5 5 5 之前误会了")
    assert "谢谢您的评价" in chat.say(DAD, "评价 5")
    higher, reasons = grade(app, family.worker_id, session)
    assert higher == 5 and "服务结束评价平均 5.0 星，共 2 份（+20）" in reasons and reasons[-1].startswith("总分 88")
    # The public profile computes the same grade from the same data.
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert "服务结束评价平均 5.0 星，共 2 份（+20）" in page and "回访满意度平均 1.0" in page
