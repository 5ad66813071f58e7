"""The flag queue (acknowledge with a note of what was done; call the nurse or the family) and complaints (answer
them); both filter by day and download as .xlsx."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.globals import app_ctx
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.admin.models import AckIn, ResponseIn
from bot.agency.periods import day_span
from bot.agency.phones import log_phone_view
from bot.agency.workers import PHONE_CONTEXT
from bot.console import bp, cipher, current_agency, current_staff, needs, tz
from bot.console.export import wants_xlsx, xlsx_response
from bot.console.forms import check, date_filters, values
from bot.core.clock import utcnow
from bot.core.errors import NotFound
from bot.core.validation import Problem
from bot.delivery.notify import deliver_soon
from bot.diary.alerts import record_event
from bot.diary.engagements import PARENT
from bot.diary.family import answer_complaint, list_complaints
from bot.diary.flags import URGENT, Withdrawal, acknowledge_flag, agency_flags, withdrawals
from bot.diary.phones import family_phones, mask
from bot.models import Binding, Complaint, DeliveryAttempt, DiaryFlag, Engagement, Notification, Worker
from bot.store.db import get_session


@dataclass(frozen=True)
class FlagRow:
    """A flag of the queue with what the supervisor needs to act: who the nurse is, the numbers to call (masked,
    or in full once asked for and logged), whether the family was reached and acknowledged, a withdrawal."""

    flag: DiaryFlag
    engagement: Engagement
    nurse: str
    nurse_phone: str | None
    family_phones: list[str]
    reached_family: bool
    withdrawal: Withdrawal | None
    revealed: bool = False


def _reached(db: Session, rows: list[tuple[DiaryFlag, Engagement]]) -> set[int]:
    """The flags some parent's WeChat message was delivered for (a ``delivery_attempt`` that was sent)."""
    parents: dict[int, list[str]] = {}
    for engagement_id, openid in db.execute(select(Binding.engagement_id, Binding.openid).where(
            Binding.engagement_id.in_({e.id for _, e in rows} or {0}), Binding.role == PARENT)):
        parents.setdefault(engagement_id, []).append(openid)
    keys = {f"flag:{f.id}:{openid}": f.id for f, e in rows for openid in parents.get(e.id, [])}
    if not keys:
        return set()
    sent = db.scalars(select(Notification.key).join(DeliveryAttempt, DeliveryAttempt.notification_id == Notification.id)
                      .where(Notification.key.in_(list(keys)), DeliveryAttempt.outcome == "sent"))
    return {keys[key] for key in sent}


def flag_rows(db: Session, rows: list[tuple[DiaryFlag, Engagement]], reveal: int | None = None) -> list[FlagRow]:
    """The queue's rows; ``reveal``: the flag whose numbers are shown in full (the caller logged it)."""
    workers = {w.id: w for w in db.scalars(select(Worker).where(Worker.id.in_({e.worker_id for _, e in rows} or {0})))}
    reached = _reached(db, rows)
    withdrawn = withdrawals(db, [f.id for f, _ in rows])
    found = []
    for flag, engagement in rows:
        worker = workers.get(engagement.worker_id)
        full = flag.id == reveal
        phone = cipher().decrypt(worker.phone_enc, PHONE_CONTEXT) if worker is not None and worker.phone_enc else None
        family = family_phones(engagement, cipher())
        found.append(FlagRow(flag, engagement, worker.name if worker else "", (phone if full else mask(phone)) if phone else None,
                             family if full else [mask(p) for p in family], flag.id in reached, withdrawn.get(flag.id),
                             full))
    return found


def _queue(status: str, since: dt.date | None, until: dt.date | None) -> list[tuple[DiaryFlag, Engagement]]:
    rows = agency_flags(get_session(), current_agency().id, open_only=status == "open", since=since, until=until)
    rows.sort(key=lambda fe: (fe[0].acknowledged_at is not None or (fe[0].cleared_at is not None and status == "all"),
                              fe[0].severity != URGENT))
    return rows


FLAG_HEADERS = ("日期", "提醒时间", "级别", "家庭", "月嫂", "内容", "家人确认", "机构确认", "处理情况", "撤销")


def _flags_page(status: str, problems: dict[int, list[Problem]] | None = None, reveal: int | None = None,
                code: int = 200) -> ResponseReturnValue:
    since, until = date_filters(request.args)
    rows = _queue(status, since, until)
    if wants_xlsx():
        zone = tz()
        queue = flag_rows(get_session(), rows)
        return xlsx_response("日记提醒", FLAG_HEADERS, [(
            r.flag.day, r.flag.raised_at.astimezone(zone), "紧急" if r.flag.severity == URGENT else "关注",
            r.engagement.family_name, r.nurse, r.flag.reason,
            r.flag.family_acknowledged_at.astimezone(zone) if r.flag.family_acknowledged_at else "未确认",
            r.flag.acknowledged_at.astimezone(zone) if r.flag.acknowledged_at else "未确认",
            r.flag.acknowledged_note or "",
            f"月嫂撤销 {r.withdrawal.at.astimezone(zone):%m-%d %H:%M}" if r.withdrawal else "",
        ) for r in queue])
    return render_template("console/flags.html", rows=flag_rows(get_session(), rows, reveal), status=status,
                           urgent=URGENT, problems=problems or {}, since=since, until=until), code


def _status() -> str:
    return "all" if request.args.get("status") == "all" else "open"


@bp.get("/flags")
@needs("flags")
def flags() -> ResponseReturnValue:
    """Open flags (urgent first; urgent ones whose entry the nurse withdrew stay until acknowledged), or every flag
    with ``?status=all``; ``from``/``to`` days; ``format=xlsx`` downloads the list."""
    return _flags_page(_status())


@bp.post("/flags/<id:flag_id>/phones")
@needs("flags")
def flag_phones(flag_id: int) -> ResponseReturnValue:
    """The nurse's and the family's numbers of one flag in full, to call them: logged (``bot.agency.phones``)."""
    db = get_session()
    found = db.execute(select(DiaryFlag, Engagement).join(Engagement, Engagement.id == DiaryFlag.engagement_id)
                       .where(DiaryFlag.id == flag_id, Engagement.agency_id == current_agency().id)).first()
    if found is None:
        raise NotFound("提醒不存在", code="flag_not_found")
    log_phone_view(db, current_staff(), "flags", utcnow(), worker_id=found[1].worker_id, engagement_id=found[1].id)
    db.commit()
    return _flags_page(_status(), reveal=flag_id)


@bp.post("/flags/<id:flag_id>/ack")
@needs("flags")
def ack(flag_id: int) -> ResponseReturnValue:
    """Acknowledge a flag with what was done; the chat's ``收到`` and the API's ack mark the same flag."""
    body, found = check(AckIn, values(request.form, ("note",)))
    if body is not None and not body.note:
        found = [Problem("note", "请写下做了什么（电话、上门……）", "missing_field")]
    if body is None or found:
        return _flags_page("open", {flag_id: found}, code=400)
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


COMPLAINT_HEADERS = ("投诉时间", "服务员", "投诉内容", "答复时间", "答复")


@bp.get("/complaints")
@needs("complaints")
def complaints() -> ResponseReturnValue:
    """Open, answered or all complaints; ``from``/``to`` days (when made); ``format=xlsx`` downloads the list."""
    status = request.args.get("status", "open")
    status = status if status in ("open", "answered", "all") else "open"
    since, until = date_filters(request.args)
    start, end = day_span(since, until, tz())
    db = get_session()
    rows = list_complaints(db, current_agency(), since=start, until=end)
    if status != "all":
        rows = [c for c in rows if (c.responded_at is None) == (status == "open")]
    names = _names(rows)
    if wants_xlsx():
        zone = tz()
        return xlsx_response("投诉", COMPLAINT_HEADERS, [(
            c.created_at.astimezone(zone), names.get(c.worker_id, ""), c.text,
            c.responded_at.astimezone(zone) if c.responded_at else "未答复", c.response_text or "") for c in rows])
    return render_template("console/complaints.html", rows=rows, status=status, names=names, problems={}, drafts={},
                           since=since, until=until)


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
