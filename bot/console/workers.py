"""Workers: the list (search, light, pages), registering one, her page (checks, photo, consent, badges,
lookups, credit), and the bulk import of a spreadsheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from bot.admin.models import BadgeIn, ConsentIn, VerificationIn
from bot.agency.badges import agency_badge, issue_badge, revoke_badge
from bot.agency.exports import XLSX_TYPE, Cell, mask_id
from bot.agency.imports import MAX_FILE_BYTES, ImportFailed, import_workers, read_upload, template_xlsx
from bot.agency.listing import LIGHTS, MAX_PER_PAGE, Page, WorkerRow, find_workers
from bot.agency.lookups import OUTCOME_TEXT, SURFACE_TEXT, agency_lookups
from bot.agency.periods import day_span
from bot.agency.phones import worker_phone as full_phone
from bot.agency.workers import (
    ID_CONTEXT,
    MAX_PHOTO_BYTES,
    PHONE_CONTEXT,
    InvalidField,
    agency_worker,
    parse_worker,
    record_consent,
    record_verification,
    register_worker,
    set_photo,
    withdraw_consent,
)
from bot.console import bp, cipher, current_agency, current_staff, needs, today, tz
from bot.console.charts import bar_chart
from bot.console.export import wants_xlsx, xlsx_response
from bot.console.forms import check, date_filters, values
from bot.core.clock import utcnow
from bot.core.errors import AnxinError
from bot.core.validation import Problem
from bot.diary.phones import mask
from bot.lookup.codes import format_code
from bot.lookup.credit import KIND_LABELS, check_states, compute_credit
from bot.lookup.profile import GENDER_TEXT, LIGHT_TEXT, STATE_TEXT, status_light
from bot.models import VERIFICATION_KINDS, Badge, LookupLog, Verification, Worker, WorkerPhoto
from bot.store.db import get_session

WORKER_FORM = ("name", "id_number", "phone", "gender", "birth_date", "service_types", "experience_years", "hometown",
               "consent_signed_on")
STATUS_TEXT = {"verified": "已核验", "pending": "核验中", "failed": "未通过"}
CHART_DAYS = 30


def _page_arg() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 100000 else 1


WORKER_HEADERS = ("编号", "姓名", "性别", "身份证号", "手机", "服务类型", "从业年限", "状态码", "公开授权", "工牌",
                  "信用等级", "登记时间")


def _worker_export(rows: list[WorkerRow]) -> Iterator[tuple[Cell, ...]]:
    """The rows with the ID and phone numbers masked (decrypted only to be masked)."""
    db, zone = get_session(), tz()
    held = {w.id: w for w in db.scalars(select(Worker).where(Worker.id.in_([r.id for r in rows] or [0])))}
    for r in rows:
        w = held[r.id]
        phone = cipher().decrypt(w.phone_enc, PHONE_CONTEXT) if w.phone_enc else ""
        yield (r.id, r.name, GENDER_TEXT.get(r.gender, r.gender), mask_id(cipher().decrypt(w.id_number_enc, ID_CONTEXT)),
               mask(phone) if phone else "", "、".join(r.service_types), r.experience_years, LIGHT_TEXT[r.light],
               "已授权" if r.consented else "未授权", format_code(r.badge_code) if r.badge_code else "",
               r.credit_grade, r.created_at.astimezone(zone))


@bp.get("/workers")
@needs("workers.read")
def workers() -> ResponseReturnValue:
    """Search by name or badge code, filter by light and by the day registered, 20 a page; ``format=xlsx``
    downloads every match (ID and phone numbers masked)."""
    q = request.args.get("q", "").strip()[:50]
    light = request.args.get("light", "")
    light = light if light in LIGHTS else ""
    since, until = date_filters(request.args)
    start, end = day_span(since, until, tz())

    def find(page: int, per_page: int) -> Page[WorkerRow]:
        return find_workers(get_session(), current_agency().id, today(), q=q or None, light=light or None,
                            page=page, per_page=per_page, since=start, until=end)

    if wants_xlsx():
        first = find(1, MAX_PER_PAGE)
        rows = first.items + [r for n in range(2, first.pages + 1) for r in find(n, MAX_PER_PAGE).items]
        return xlsx_response("服务员", WORKER_HEADERS, _worker_export(rows))
    return render_template("console/workers.html", found=find(_page_arg(), 20), q=q, light=light, lights=LIGHTS,
                           light_text=LIGHT_TEXT, genders=GENDER_TEXT, format_code=format_code, since=since,
                           until=until)


@bp.get("/lookups")
@needs("workers.read")
def lookups() -> ResponseReturnValue:
    """Who checked the agency's workers' badges when (not who asked), by day; ``format=xlsx`` downloads them."""
    since, until = date_filters(request.args)
    start, end = day_span(since, until, tz())
    db = get_session()
    if wants_xlsx():
        zone = tz()
        first = agency_lookups(db, current_agency().id, since=start, until=end, page=1, per_page=MAX_PER_PAGE)
        rows = first.items + [r for n in range(2, first.pages + 1) for r in agency_lookups(
            db, current_agency().id, since=start, until=end, page=n, per_page=MAX_PER_PAGE).items]
        return xlsx_response("核验记录", ("时间", "服务员", "工牌", "途径", "结果"), [
            (r.at.astimezone(zone), r.worker_name, format_code(r.code) if r.code else "",
             SURFACE_TEXT.get(r.surface, r.surface), OUTCOME_TEXT.get(r.outcome, r.outcome)) for r in rows])
    found = agency_lookups(db, current_agency().id, since=start, until=end, page=_page_arg())
    return render_template("console/lookups.html", found=found, since=since, until=until, format_code=format_code,
                           surfaces=SURFACE_TEXT, outcomes=OUTCOME_TEXT)


@bp.route("/workers/new", methods=["GET", "POST"])
@needs("workers.write")
def new_worker() -> ResponseReturnValue:
    """Register a worker; every bad field is listed and nothing is written."""
    if request.method == "GET":
        return render_template("console/worker_new.html", form={}, problems=[])
    form = {name: request.form.get(name, "") for name in WORKER_FORM}
    db = get_session()
    try:
        fields = parse_worker(values(form, WORKER_FORM), today(), spreadsheet=True)
        worker = register_worker(db, current_agency(), fields, cipher())
    except InvalidField as exc:
        db.rollback()
        return render_template("console/worker_new.html", form=form, problems=exc.problems), 400
    except AnxinError as exc:
        db.rollback()
        return render_template("console/worker_new.html", form=form, problems=[Problem("", exc.message, exc.code)]), exc.status
    db.commit()
    flash(f"已登记服务员 {worker.name}（编号 {worker.id}）")
    return redirect(url_for("console.worker", worker_id=worker.id))


def _lookups_by_day(badge_ids: list[int]) -> list[tuple[dt.date, int]]:
    days = [today() - dt.timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    counts = dict.fromkeys(days, 0)
    if badge_ids:
        since = dt.datetime.combine(days[0], dt.time(), tzinfo=tz())
        zone = tz()
        for (at,) in get_session().execute(
            select(LookupLog.at).where(LookupLog.badge_id.in_(badge_ids), LookupLog.at >= since)
        ):
            day = at.astimezone(zone).date()
            if day in counts:
                counts[day] += 1
    return list(counts.items())


def _worker_page(worker_id: int, problems: list[Problem] | None = None, status: int = 200,
                 form: dict[str, Any] | None = None, phone_full: str | None = None) -> ResponseReturnValue:
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    phone = cipher().decrypt(worker.phone_enc, PHONE_CONTEXT) if worker.phone_enc else None
    day = today()
    states = check_states(db, worker.id, day)
    history = db.scalars(select(Verification).where(Verification.worker_id == worker.id)
                         .order_by(Verification.id.desc())).all()
    badges = db.scalars(select(Badge).where(Badge.worker_id == worker.id).order_by(Badge.id.desc())).all()
    totals: dict[int | None, int] = {}
    if badges:
        totals = {badge_id: int(n) for badge_id, n in db.execute(
            select(LookupLog.badge_id, func.count(LookupLog.id)).where(LookupLog.badge_id.in_([b.id for b in badges]))
            .group_by(LookupLog.badge_id))}
    chart = bar_chart(_lookups_by_day([b.id for b in badges]), title=f"近{CHART_DAYS}天工牌被核验次数")
    html = render_template(
        "console/worker.html", worker=worker, states=states, history=history, badges=badges, totals=totals,
        chart=chart, credit=compute_credit(db, worker, day), light=status_light(states), light_text=LIGHT_TEXT,
        kinds=VERIFICATION_KINDS, kind_labels=KIND_LABELS, state_text=STATE_TEXT, status_text=STATUS_TEXT,
        genders=GENDER_TEXT, has_photo=db.get(WorkerPhoto, worker.id) is not None, format_code=format_code,
        problems=problems or [], form=form or {}, today=day, max_photo_mb=MAX_PHOTO_BYTES // (1024 * 1024),
        phone_masked=mask(phone) if phone else None, phone_full=phone_full,
    )
    return html, status


@bp.get("/workers/<id:worker_id>")
@needs("workers.read")
def worker(worker_id: int) -> ResponseReturnValue:
    return _worker_page(worker_id)


def _refused(worker_id: int, problems: list[Problem], form: dict[str, Any]) -> ResponseReturnValue:
    get_session().rollback()
    return _worker_page(worker_id, problems, 400, form)


@bp.post("/workers/<id:worker_id>/phone")
@needs("phones")
def worker_phone(worker_id: int) -> ResponseReturnValue:
    """Her phone number in full for her own agency's staff with the ``phones`` permission: each time logged."""
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    phone = full_phone(db, current_staff(), worker, cipher(), utcnow())
    db.commit()
    return _worker_page(worker_id, phone_full=phone)


@bp.post("/workers/<id:worker_id>/verifications")
@needs("workers.write")
def add_verification(worker_id: int) -> ResponseReturnValue:
    """Add a check, or correct one: the newest row of a kind is the one in force."""
    names = ("kind", "status", "document_no", "issued_on", "expires_on")
    form = {name: request.form.get(name, "") for name in names}
    body, found = check(VerificationIn, values(form, names))
    if body is None:
        return _refused(worker_id, found, form)
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    try:
        record_verification(db, worker, kind=body.kind, status=body.status, document_no=body.document_no,
                            issued_on=body.issued_on, expires_on=body.expires_on, today=today(), cipher=cipher())
    except InvalidField as exc:
        return _refused(worker_id, exc.problems, form)
    db.commit()
    flash(f"已记录{KIND_LABELS[body.kind]}：{STATUS_TEXT[body.status]}")
    return redirect(url_for("console.worker", worker_id=worker_id) + "#checks")


@bp.post("/workers/<id:worker_id>/photo")
@needs("workers.write")
def upload_photo(worker_id: int) -> ResponseReturnValue:
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    upload = request.files.get("photo")
    data = upload.stream.read(MAX_PHOTO_BYTES + 1) if upload is not None else b""
    try:
        set_photo(db, worker, data)
    except AnxinError as exc:
        return _refused(worker_id, [Problem("photo", exc.message, exc.code)], {})
    db.commit()
    flash("照片已更新")
    return redirect(url_for("console.worker", worker_id=worker_id))


@bp.get("/workers/<id:worker_id>/photo")
@needs("workers.read")
def worker_photo(worker_id: int) -> ResponseReturnValue:
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    photo = db.get(WorkerPhoto, worker.id)
    if photo is None:
        return Response("未上传照片", status=404, mimetype="text/plain")
    return Response(photo.data, mimetype=photo.content_type, headers={"Cache-Control": "private, no-store"})


@bp.post("/workers/<id:worker_id>/consent")
@needs("workers.write")
def consent(worker_id: int) -> ResponseReturnValue:
    """Record the signed consent (a date), or its withdrawal (``withdraw``)."""
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    if request.form.get("withdraw"):
        withdraw_consent(db, worker)
        db.commit()
        flash("已记录：服务员撤回公开授权，核验将显示未授权")
        return redirect(url_for("console.worker", worker_id=worker_id))
    form = {"signed_on": request.form.get("signed_on", "")}
    body, found = check(ConsentIn, values(form, ("signed_on",)))
    if body is None:
        return _refused(worker_id, found, form)
    try:
        record_consent(db, worker, body.signed_on, today())
    except InvalidField as exc:
        return _refused(worker_id, exc.problems, form)
    db.commit()
    flash("已记录公开授权")
    return redirect(url_for("console.worker", worker_id=worker_id))


@bp.post("/workers/<id:worker_id>/badge")
@needs("workers.write")
def badge(worker_id: int) -> ResponseReturnValue:
    """Issue (or re-issue) her badge."""
    form = {"expires_on": request.form.get("expires_on", "")}
    body, found = check(BadgeIn, values(form, ("expires_on",)))
    if body is None:
        return _refused(worker_id, found, form)
    if body.expires_on is not None and body.expires_on <= today():
        return _refused(worker_id, [Problem("expires_on", "应晚于今天", "invalid_field")], form)
    db = get_session()
    worker = agency_worker(db, current_agency(), worker_id)
    issued = issue_badge(db, worker, today(), body.expires_on)
    db.commit()
    flash(f"已发放工牌 {format_code(issued.code)}")
    return redirect(url_for("console.worker", worker_id=worker_id) + "#badges")


@bp.post("/badges/<code>/revoke")
@needs("workers.write")
def revoke(code: str) -> ResponseReturnValue:
    db = get_session()
    found = agency_badge(db, current_agency(), code)
    revoke_badge(db, found)
    worker_id = found.worker_id
    db.commit()
    flash(f"已注销工牌 {format_code(found.code)}")
    return redirect(url_for("console.worker", worker_id=worker_id) + "#badges")


# -- bulk import ------------------------------------------------------------------------------

@bp.get("/workers/import/template.xlsx")
@needs("workers.write")
def import_template() -> ResponseReturnValue:
    """The import template: the headings (checks and their expiry too), an example and the rules."""
    return Response(template_xlsx(), mimetype=XLSX_TYPE, headers={
        "Content-Disposition": "attachment; filename=\"import-template.xlsx\"; "
                               "filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"})


@bp.route("/workers/import", methods=["GET", "POST"])
@needs("workers.write")
def import_page() -> ResponseReturnValue:
    """A .csv or .xlsx of workers: all registered, or none and every bad field of every bad row listed."""
    if request.method == "GET":
        return render_template("console/import.html", errors=[], message=None, imported=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("console/import.html", errors=[], message="请选择要导入的文件", imported=None), 400
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    db = get_session()
    try:
        rows = read_upload(data, upload.filename)
        count = import_workers(db, current_agency(), rows, cipher(), today())
    except ImportFailed as failed:
        db.rollback()
        return render_template("console/import.html", errors=failed.errors, message=failed.message, imported=None), 400
    except AnxinError as exc:
        db.rollback()
        return render_template("console/import.html", errors=[], message=exc.message, imported=None), exc.status
    db.commit()
    return render_template("console/import.html", errors=[], message=None, imported=count)
