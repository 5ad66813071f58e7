"""Agency routes for workers: register, photo, consent, verifications, badge, details with lookup counts."""

from __future__ import annotations

import datetime as dt

from flask import current_app, request
from sqlalchemy import func, select

from bot.admin import bp, current_agency
from bot.admin.models import (
    BadgeIn,
    BadgeOut,
    ConsentIn,
    ConsentOut,
    CreatedOut,
    CreditOut,
    PhotoOut,
    VerificationIn,
    VerificationOut,
    VerificationState,
    WorkerBadge,
    WorkerOut,
)
from bot.agency.badges import issue_badge
from bot.agency.schemas import WorkerIn
from bot.agency.workers import (
    MAX_PHOTO_BYTES,
    InvalidField,
    agency_worker,
    record_consent,
    record_verification,
    register_worker,
    set_photo,
    withdraw_consent,
    worker_fields,
)
from bot.api.schema import ApiResult, operation
from bot.core.errors import PayloadTooLarge
from bot.core.security import FieldCipher
from bot.lookup.codes import format_code
from bot.lookup.credit import check_states
from bot.lookup.images import badge_url
from bot.lookup.profile import local_today
from bot.models import Badge, LookupLog, WorkerPhoto
from bot.store.db import get_session


def _cipher() -> FieldCipher:
    cipher: FieldCipher = current_app.extensions["anxin_cipher"]
    return cipher


def _today() -> dt.date:
    return local_today(current_app.config["ANXIN_TIMEZONE"])


@bp.post("/workers")
@operation(body=WorkerIn, responses={201: CreatedOut}, errors=(409,), context=lambda: {"today": _today()})
def create_worker(body: WorkerIn) -> ApiResult:
    """登记服务员 → 201 {"id"}（授权另行通过 PUT …/consent 记录）"""
    fields = worker_fields(body)
    session = get_session()
    worker = register_worker(session, current_agency(), fields, _cipher())
    session.commit()
    return CreatedOut(id=worker.id), 201


@bp.get("/workers/<id:worker_id>")
@operation(responses={200: WorkerOut}, errors=(404,))
def show_worker(worker_id: int) -> ApiResult:
    """机构查看服务员：不含身份证号和手机号；工牌及其被核验次数"""
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
    return WorkerOut(
        id=worker.id, name=worker.name, gender=worker.gender, service_types=list(worker.service_types or []),
        experience_years=worker.experience_years, consent_signed_on=worker.consent_signed_on, has_photo=has_photo,
        verifications=[VerificationState(kind=c.kind, state=c.state, checked_on=c.checked_on, expires_on=c.expires_on)
                       for c in check_states(session, worker.id, today).values()],
        credit=CreditOut(grade=worker.credit_grade, reasons=worker.credit_reasons),
        badges=[WorkerBadge(code=format_code(b.code), issued_at=b.issued_at, expires_on=b.expires_on,
                            revoked=b.revoked_at is not None, lookups=int(counts.get(b.id, 0))) for b in badges],
    )


@bp.put("/workers/<id:worker_id>/photo")
@operation(responses={200: PhotoOut}, errors=(404, 413), raw_body=("image/jpeg", "image/png", "image/webp"))
def put_photo(worker_id: int) -> ApiResult:
    """服务员照片：请求体就是图片本身（JPEG、PNG 或 WebP，不超过 5 MiB）"""
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    if (request.content_length or 0) > MAX_PHOTO_BYTES:
        raise PayloadTooLarge("照片不能超过5 MiB (photo over 5 MiB)", code="photo_too_large")
    data = request.get_data()  # bounded by the route's body limit (bot/edge/bodylimits.py), kept if already read
    photo = set_photo(session, worker, data)
    session.commit()
    return PhotoOut(id=worker.id, content_type=photo.content_type, bytes=len(photo.data))


@bp.put("/workers/<id:worker_id>/consent")
@operation(body=ConsentIn, responses={200: ConsentOut}, errors=(404,))
def put_consent(worker_id: int, body: ConsentIn) -> ApiResult:
    """记录服务员签署的公开授权 {"signed_on"}（个人信息保护法第二十五条）"""
    signed_on = body.signed_on
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    record_consent(session, worker, signed_on, _today())
    session.commit()
    return ConsentOut(id=worker.id, consent_signed_on=signed_on)


@bp.delete("/workers/<id:worker_id>/consent")
@operation(responses={200: ConsentOut}, errors=(404,))
def delete_consent(worker_id: int) -> ApiResult:
    """服务员撤回授权：此后核验显示未授权公开"""
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    withdraw_consent(session, worker)
    session.commit()
    return ConsentOut(id=worker.id, consent_signed_on=None)


@bp.post("/workers/<id:worker_id>/verifications")
@operation(body=VerificationIn, responses={201: VerificationOut}, errors=(404,))
def post_verification(worker_id: int, body: VerificationIn) -> ApiResult:
    """记录一项核验 {"kind", "status", "document_no", "issued_on", "expires_on"} → 201"""
    kind, status, document_no = body.kind, body.status, body.document_no
    issued_on, expires_on = body.issued_on, body.expires_on
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    verification = record_verification(
        session, worker, kind=kind or "", status=status or "", document_no=document_no, issued_on=issued_on,
        expires_on=expires_on, today=_today(), cipher=_cipher(),
    )
    session.commit()
    return VerificationOut(id=verification.id, kind=verification.kind, status=verification.status,
                           checked_on=verification.checked_on), 201


@bp.post("/workers/<id:worker_id>/badge")
@operation(body=BadgeIn, body_optional=True, responses={201: BadgeOut}, errors=(404, 409))
def post_badge(worker_id: int, body: BadgeIn) -> ApiResult:
    """发放（或重新发放）工牌 → 201 {"code", "url", "qr_url"}"""
    expires_on = body.expires_on
    today = _today()
    if expires_on is not None and expires_on <= today:
        raise InvalidField("expires_on", "应晚于今天")
    session = get_session()
    worker = agency_worker(session, current_agency(), worker_id)
    badge = issue_badge(session, worker, today, expires_on)
    session.commit()
    url = badge_url(current_app.config["ANXIN_PUBLIC_URL"], badge.code)
    return BadgeOut(code=format_code(badge.code), url=url, qr_url=f"{url}/qr.png", expires_on=badge.expires_on), 201
