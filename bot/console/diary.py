"""The flag queue (acknowledge with a note of what was done) and complaints (answer them)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.globals import app_ctx
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from bot.admin.models import AckIn, ResponseIn
from bot.console import bp, current_agency, current_staff, needs, tz
from bot.console.forms import check, values
from bot.core.clock import utcnow
from bot.core.errors import NotFound
from bot.core.validation import Problem
from bot.delivery.notify import deliver_soon
from bot.diary.alerts import record_event
from bot.diary.family import answer_complaint, list_complaints
from bot.diary.flags import URGENT, acknowledge_flag, agency_flags
from bot.models import Complaint, Worker
from bot.store.db import get_session


@bp.get("/flags")
@needs("flags")
def flags() -> ResponseReturnValue:
    """Open flags (urgent first), or every flag with ``?status=all``."""
    status = "all" if request.args.get("status") == "all" else "open"
    rows = agency_flags(get_session(), current_agency().id, open_only=status == "open")
    rows.sort(key=lambda fe: (fe[0].acknowledged_at is not None or fe[0].cleared_at is not None, fe[0].severity != URGENT))
    return render_template("console/flags.html", rows=rows, status=status, urgent=URGENT, problems={})


@bp.post("/flags/<id:flag_id>/ack")
@needs("flags")
def ack(flag_id: int) -> ResponseReturnValue:
    """Acknowledge a flag with what was done; the chat's ``收到`` and the API's ack mark the same flag."""
    body, found = check(AckIn, values(request.form, ("note",)))
    if body is not None and not body.note:
        found = [Problem("note", "请写下做了什么（电话、上门……）", "missing_field")]
    if body is None or found:
        rows = agency_flags(get_session(), current_agency().id, open_only=True)
        return render_template("console/flags.html", rows=rows, status="open", urgent=URGENT,
                               problems={flag_id: found}), 400
    db = get_session()
    staff = current_staff()
    note = f"{body.note}（{staff.display_name}）"
    flag = acknowledge_flag(db, current_agency().id, flag_id, note, utcnow())
    if flag is None:
        raise NotFound("提醒不存在", code="flag_not_found")
    already = flag.acknowledged_note != note
    if not already:
        flag.acknowledged_by = f"staff:{staff.id}"
    record_event(db, flag.id, "acknowledged", utcnow(), actor=f"staff:{staff.id}", role="agency", channel="console",
                 note=note)
    db.commit()
    if already:
        flash(f"这条提醒已在 {flag.acknowledged_at.astimezone(tz()):%m-%d %H:%M} 被确认：{flag.acknowledged_note}"
              if flag.acknowledged_at else "这条提醒已被确认")
    else:
        flash("已确认提醒，并记下了处理情况")
    return redirect(url_for("console.flags"))


def _names(rows: list[Complaint]) -> dict[int, str]:
    ids = {c.worker_id for c in rows}
    if not ids:
        return {}
    return {i: n for i, n in get_session().execute(select(Worker.id, Worker.name).where(Worker.id.in_(ids)))}


@bp.get("/complaints")
@needs("complaints")
def complaints() -> ResponseReturnValue:
    status = request.args.get("status", "open")
    status = status if status in ("open", "answered", "all") else "open"
    db = get_session()
    rows = list_complaints(db, current_agency())
    if status != "all":
        rows = [c for c in rows if (c.responded_at is None) == (status == "open")]
    return render_template("console/complaints.html", rows=rows, status=status, names=_names(rows), problems={}, drafts={})


@bp.post("/complaints/<id:complaint_id>/response")
@needs("complaints")
def respond(complaint_id: int) -> ResponseReturnValue:
    """Answer a complaint once; the family receives the answer in the Official Account."""
    body, found = check(ResponseIn, values(request.form, ("text",)))
    db = get_session()
    if body is None:
        rows = [c for c in list_complaints(db, current_agency()) if c.responded_at is None]
        return render_template("console/complaints.html", rows=rows, status="open", names=_names(rows),
                               problems={complaint_id: found}, drafts={complaint_id: request.form.get("text", "")}), 400
    answer_complaint(db, current_agency(), complaint_id, body.text, utcnow(), tz())
    db.commit()
    deliver_soon(app_ctx.app)
    flash("已答复，答复已通过公众号发送给投诉的家人")
    return redirect(url_for("console.complaints"))
