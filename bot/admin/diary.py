"""The agency's side of the diary: open engagements, answer complaints, see and acknowledge flags.

``POST /admin/v1/engagements``, ``GET /admin/v1/complaints``,
``POST /admin/v1/complaints/ID/response``, ``GET /admin/v1/flags``,
``POST /admin/v1/flags/ID/ack``. Someone else's records are 404; bad input is a
400 that writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request

from bot import background
from bot import validation as v
from bot.admin import body, bp, current_agency
from bot.clock import utcnow
from bot.db import get_session
from bot.diary.engagements import open_engagement
from bot.diary.family import answer_complaint, list_complaints
from bot.diary.flags import acknowledge_flag, agency_flags
from bot.errors import BadRequest, NotFound
from bot.models import Complaint, DiaryFlag, Engagement
from bot.routing import MAX_ID


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ANXIN_TIMEZONE"])


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(_tz()).isoformat() if moment is not None else None


@bp.post("/engagements")
def create_engagement():  # type: ignore[no-untyped-def]
    data = body()
    v.no_unknown_fields(data, {"worker_id", "starts_on", "ends_on", "family_name", "baby_nickname",
                               "baby_birth_date", "birth_weight_g"})
    worker_id = v.integer(data, "worker_id", minimum=1, maximum=MAX_ID)
    starts_on = v.date(data, "starts_on")
    ends_on = v.date(data, "ends_on")
    family_name = v.text(data, "family_name", max_len=50)
    baby_nickname = v.text(data, "baby_nickname", required=False, max_len=50)
    baby_birth_date = v.date(data, "baby_birth_date", required=False)
    birth_weight_g = v.integer(data, "birth_weight_g", required=False, minimum=500, maximum=7000)
    assert worker_id is not None and starts_on is not None and ends_on is not None and family_name is not None
    session = get_session()
    engagement = open_engagement(session, current_agency(), worker_id, starts_on, ends_on, family_name, baby_nickname,
                                 baby_birth_date, birth_weight_g)
    session.commit()
    return jsonify({"id": engagement.id, "nurse_code": engagement.nurse_code, "family_code": engagement.family_code}), 201


def _complaint_json(complaint: Complaint) -> dict[str, Any]:
    return {
        "id": complaint.id, "engagement_id": complaint.engagement_id, "worker_id": complaint.worker_id,
        "text": complaint.text, "created_at": _iso(complaint.created_at),
        "response": complaint.response_text, "responded_at": _iso(complaint.responded_at),
    }


@bp.get("/complaints")
def complaints():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "all")
    if status not in ("all", "open", "answered"):
        raise BadRequest("参数 status 应为 all / open / answered (invalid status)", code="invalid_field")
    rows = list_complaints(get_session(), current_agency())
    if status != "all":
        rows = [c for c in rows if (c.responded_at is None) == (status == "open")]
    return jsonify({"complaints": [_complaint_json(c) for c in rows]})


def _deliver_later() -> None:
    from bot.notify import delivery

    background.start("deliver", delivery(current_app._get_current_object()))  # type: ignore[attr-defined]


@bp.post("/complaints/<id:complaint_id>/response")
def respond(complaint_id: int):  # type: ignore[no-untyped-def]
    data = body()
    v.no_unknown_fields(data, {"text"})
    text = v.text(data, "text", max_len=1000)
    assert text is not None
    session = get_session()
    complaint = answer_complaint(session, current_agency(), complaint_id, text, utcnow(), _tz())
    session.commit()
    _deliver_later()
    return jsonify(_complaint_json(complaint))


def _flag_json(flag: DiaryFlag, engagement: Engagement) -> dict[str, Any]:
    return {
        "id": flag.id, "engagement_id": engagement.id, "family_name": engagement.family_name,
        "worker_id": engagement.worker_id, "entry_id": flag.entry_id, "day": flag.day.isoformat(),
        "rule": flag.rule, "severity": flag.severity, "reason": flag.reason, "raised_at": _iso(flag.raised_at),
        "cleared_at": _iso(flag.cleared_at), "acknowledged_at": _iso(flag.acknowledged_at),
        "acknowledged_note": flag.acknowledged_note,
    }


@bp.get("/flags")
def flags():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "open")
    if status not in ("open", "all"):
        raise BadRequest("参数 status 应为 open / all (invalid status)", code="invalid_field")
    rows = agency_flags(get_session(), current_agency().id, open_only=status == "open")
    return jsonify({"flags": [_flag_json(f, e) for f, e in rows]})


@bp.post("/flags/<id:flag_id>/ack")
def ack_flag(flag_id: int):  # type: ignore[no-untyped-def]
    raw = request.get_data(cache=True)
    data = body() if raw.strip() else {}
    v.no_unknown_fields(data, {"note"})
    note = v.text(data, "note", required=False, max_len=500)
    session = get_session()
    flag = acknowledge_flag(session, current_agency().id, flag_id, note, utcnow())
    if flag is None:
        raise NotFound("提醒不存在 (no such flag)", code="flag_not_found")
    engagement = session.get(Engagement, flag.engagement_id)
    assert engagement is not None
    session.commit()
    return jsonify(_flag_json(flag, engagement))
