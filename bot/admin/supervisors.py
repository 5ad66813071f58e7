"""Supervisors and expiring checks: ``POST /admin/v1/supervisor-codes``, ``GET /admin/v1/supervisors``,
``GET /admin/v1/expiring?days=30``.

A supervisor code is single use: sent in chat as ``绑定 CODE``, it makes the sender a
supervisor of the agency, who then hears of expiring checks and diary flags.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request

from bot.admin import body, bp, current_agency
from bot.clock import utcnow
from bot.db import get_session
from bot.errors import BadRequest
from bot.lookup.profile import local_today
from bot.registry import texts
from bot.registry.expiry import WARN_DAYS, expiring, warnings_queued
from bot.registry.supervisors import issue_supervisor_code, list_supervisors, mask_openid, remove_supervisor
from bot.validation import no_unknown_fields

MAX_DAYS = 365


@bp.post("/supervisor-codes")
def create_supervisor_code():  # type: ignore[no-untyped-def]
    """A single-use code for a supervisor to send in chat (``绑定 CODE``) → 201 {"code"}."""
    if request.get_data(cache=True).strip():
        no_unknown_fields(body(), set())
    session = get_session()
    row = issue_supervisor_code(session, current_agency(), utcnow())
    session.commit()
    return jsonify({"code": row.code}), 201


@bp.get("/supervisors")
def supervisors():  # type: ignore[no-untyped-def]
    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    rows = list_supervisors(get_session(), current_agency().id)
    return jsonify({"supervisors": [
        {"id": s.id, "openid": mask_openid(s.openid), "bound_at": s.bound_at.astimezone(tz).isoformat()} for s in rows
    ]})


@bp.delete("/supervisors/<id:supervisor_id>")
def delete_supervisor(supervisor_id: int):  # type: ignore[no-untyped-def]
    """Remove a supervisor (e.g. who left the agency): no more warnings or flags are sent to them."""
    session = get_session()
    removed = remove_supervisor(session, current_agency().id, supervisor_id)
    session.commit()
    return jsonify({"id": removed.id, "removed": True})


def _days() -> int:
    raw = request.args.get("days", str(WARN_DAYS))
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 0 <= int(raw) <= MAX_DAYS:
        raise BadRequest(f"参数 days 应为 0 到 {MAX_DAYS} 的整数 (invalid days)", code="invalid_field")
    return int(raw)


@bp.get("/expiring")
def expiring_checks():  # type: ignore[no-untyped-def]
    """The agency's checks in force that ran out or run out within ``days`` (default 30), oldest date first."""
    days = _days()
    today = local_today(current_app.config["ANXIN_TIMEZONE"])
    session = get_session()
    items = expiring(session, today, days, agency_id=current_agency().id)
    warned = warnings_queued(session, [i.verification.id for i in items])
    return jsonify({"today": today.isoformat(), "days": days, "verifications": [
        {
            "verification_id": i.verification.id,
            "worker_id": i.worker.id,
            "worker_name": i.worker.name,
            "kind": i.verification.kind,
            "label": texts.EXPIRY_KIND_LABELS[i.verification.kind],
            "expires_on": _iso(i.verification.expires_on),
            "days_left": i.days_left(today),
            "state": "expired" if i.days_left(today) < 0 else "expiring",
            "warnings_queued": sorted(warned[i.verification.id]),
        }
        for i in items
    ]})


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None
