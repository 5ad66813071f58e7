"""Agency routes for workers: register, photo, consent, verifications, badge, details with lookup counts."""

from __future__ import annotations

import datetime as dt

from flask import current_app, jsonify, request
from sqlalchemy import func, select

from bot import validation
from bot.admin import body, bp, current_agency
from bot.db import get_session
from bot.errors import BadRequest, PayloadTooLarge
from bot.lookup.codes import format_code
from bot.lookup.credit import check_states
from bot.lookup.images import badge_url
from bot.lookup.profile import local_today
from bot.models import Badge, LookupLog, WorkerPhoto
from bot.registry.badges import issue_badge
from bot.registry.workers import (
    MAX_PHOTO_BYTES,
    InvalidField,
    agency_worker,
    parse_worker,
    record_consent,
    record_verification,
    register_worker,
    set_photo,
    withdraw_consent,
)
from bot.security import FieldCipher
from bot.validation import no_unknown_fields
from bot.validation import text as text_field


def _cipher() -> FieldCipher:
    return current_app.extensions["anxin_cipher"]


def _today() -> dt.date:
    return local_today(current_app.config["ANXIN_TIMEZONE"])


@bp.post("/workers")
def create_worker():  # type: ignore[no-untyped-def]
    """Register a worker → 201 {"id"}."""
    data = body()
    if "consent_signed_on" in data:
        raise BadRequest("授权请通过 PUT /admin/v1/workers/ID/consent 记录 (unknown field consent_signed_on)",
                         code="unknown_field")
    fields = parse_worker(data, _today())
    session = get_session()
    worker = register_worker(session, current_agency(), fields, _cipher())
    session.commit()
    return jsonify({"id": worker.id}), 201


@bp.get("/workers/<id:worker_id>")
def show_worker(worker_id: int):  # type: ignore[no-untyped-def]
    """The agency's view of its worker: no ID or phone number, badges with how often each was checked."""
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    today = _today()
    badges = session.scalars(select(Badge).where(Badge.worker_id == worker.id).order_by(Badge.id)).all()
    counts: dict[int | None, int] = {}
    if badges:
        rows = session.execute(
            select(LookupLog.badge_id, func.count(LookupLog.id))
            .where(LookupLog.badge_id.in_([b.id for b in badges]))
            .group_by(LookupLog.badge_id)
        ).all()
        counts = {badge_id: count for badge_id, count in rows}
    has_photo = session.get(WorkerPhoto, worker.id) is not None
    return jsonify({
        "id": worker.id,
        "name": worker.name,
        "gender": worker.gender,
        "service_types": worker.service_types,
        "experience_years": worker.experience_years,
        "consent_signed_on": worker.consent_signed_on.isoformat() if worker.consent_signed_on else None,
        "has_photo": has_photo,
        "verifications": [
            {"kind": c.kind, "state": c.state, "checked_on": c.checked_on and c.checked_on.isoformat(),
             "expires_on": c.expires_on and c.expires_on.isoformat()}
            for c in check_states(session, worker.id, today).values()
        ],
        "credit": {"grade": worker.credit_grade, "reasons": worker.credit_reasons},
        "badges": [
            {"code": format_code(b.code), "issued_at": b.issued_at.isoformat(),
             "expires_on": b.expires_on and b.expires_on.isoformat(),
             "revoked": b.revoked_at is not None, "lookups": int(counts.get(b.id, 0))}
            for b in badges
        ],
    })


@bp.put("/workers/<id:worker_id>/photo")
def put_photo(worker_id: int):  # type: ignore[no-untyped-def]
    """The worker's photo: the image itself as the body (JPEG, PNG or WebP, at most 5 MiB)."""
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    if (request.content_length or 0) > MAX_PHOTO_BYTES:
        raise PayloadTooLarge("照片不能超过5 MiB (photo over 5 MiB)", code="photo_too_large")
    data = request.stream.read(MAX_PHOTO_BYTES + 1)
    photo = set_photo(session, worker, data)
    session.commit()
    return jsonify({"id": worker.id, "content_type": photo.content_type, "bytes": len(photo.data)})


@bp.put("/workers/<id:worker_id>/consent")
def put_consent(worker_id: int):  # type: ignore[no-untyped-def]
    """Record the worker's signed consent to publication {"signed_on"}."""
    data = body()
    no_unknown_fields(data, {"signed_on"})
    signed_on = validation.date(data, "signed_on", required=True)
    assert signed_on is not None
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    record_consent(session, worker, signed_on, _today())
    session.commit()
    return jsonify({"id": worker.id, "consent_signed_on": signed_on.isoformat()})


@bp.delete("/workers/<id:worker_id>/consent")
def delete_consent(worker_id: int):  # type: ignore[no-untyped-def]
    """The worker withdrew her consent: lookups say she has not authorised publication."""
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    withdraw_consent(session, worker)
    session.commit()
    return jsonify({"id": worker.id, "consent_signed_on": None})


@bp.post("/workers/<id:worker_id>/verifications")
def post_verification(worker_id: int):  # type: ignore[no-untyped-def]
    """Record a check {"kind", "status", "document_no", "issued_on", "expires_on"} → 201."""
    data = body()
    no_unknown_fields(data, {"kind", "status", "document_no", "issued_on", "expires_on"})
    kind = text_field(data, "kind", max_len=32)
    status = text_field(data, "status", max_len=16)
    document_no = text_field(data, "document_no", required=False, max_len=64)
    issued_on = validation.date(data, "issued_on", required=False)
    expires_on = validation.date(data, "expires_on", required=False)
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    verification = record_verification(
        session, worker, kind=kind or "", status=status or "", document_no=document_no, issued_on=issued_on,
        expires_on=expires_on, today=_today(), cipher=_cipher(),
    )
    session.commit()
    return jsonify({"id": verification.id, "kind": verification.kind, "status": verification.status,
                    "checked_on": verification.checked_on.isoformat()}), 201


@bp.post("/workers/<id:worker_id>/badge")
def post_badge(worker_id: int):  # type: ignore[no-untyped-def]
    """Issue (or re-issue) the worker's badge → 201 {"code", "url", "qr_url"}."""
    raw = request.get_data(cache=True)
    data = body() if raw.strip() else {}
    no_unknown_fields(data, {"expires_on"})
    expires_on = validation.date(data, "expires_on", required=False)
    today = _today()
    if expires_on is not None and expires_on <= today:
        raise InvalidField("expires_on", "应晚于今天")
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    badge = issue_badge(session, worker, today, expires_on)
    session.commit()
    url = badge_url(current_app.config["ANXIN_PUBLIC_URL"], badge.code)
    return jsonify({"code": format_code(badge.code), "url": url, "qr_url": f"{url}/qr.png",
                    "expires_on": badge.expires_on and badge.expires_on.isoformat()}), 201
