"""Registering workers, their verifications, consent and photo. Domain code: no Flask.

Every function validates all of its input before it writes anything; a bad value
raises :class:`InvalidField` (a 400 naming the field). ID, phone and document
numbers are stored only as AES-GCM ciphertext and are never returned.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.agency.schemas import WorkerIn, WorkerRow
from bot.agency.schemas import id_check_symbol as id_check_symbol  # the demo and tests make ID numbers
from bot.core.clock import utcnow
from bot.core.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from bot.core.security import FieldCipher
from bot.core.validation import Problem, problems
from bot.models import VERIFICATION_KINDS, VERIFICATION_STATUSES, Agency, Verification, Worker, WorkerPhoto

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

ID_CONTEXT = "worker.id_number"
PHONE_CONTEXT = "worker.phone"
DOCUMENT_CONTEXT = "verification.document_no"


class InvalidField(BadRequest):
    """Bad values of named fields: ``problems`` lists each (field, why); ``field``/``why`` are the first."""

    def __init__(self, field: str, why: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or [Problem(field, why, "invalid_field")]
        listed = "；".join(f"{p.field}：{p.why}" for p in self.problems)
        code = "missing_field" if any(p.code == "missing_field" for p in self.problems) else "invalid_field"
        super().__init__(f"字段无效 — {listed} (invalid: {', '.join(p.field for p in self.problems)})", code=code)
        self.field = field
        self.why = why


@dataclass(frozen=True)
class WorkerFields:
    name: str
    id_number: str
    phone: str
    gender: str
    birth_date: dt.date
    service_types: list[str]
    experience_years: int
    hometown: str | None
    consent_signed_on: dt.date | None = None


WORKER_FIELDS = tuple(WorkerRow.model_fields)


def worker_fields(worker: WorkerIn) -> WorkerFields:
    """The registration's checked values."""
    return WorkerFields(**worker.model_dump())


def parse_worker(data: Mapping[str, Any], today: dt.date, *, spreadsheet: bool = False) -> WorkerFields:
    """Check a worker's fields with ``WorkerIn`` (a ``spreadsheet`` row with ``WorkerRow``); InvalidField names each bad one."""
    model = WorkerRow if spreadsheet else WorkerIn
    try:
        worker = model.model_validate(dict(data), context={"today": today})
    except ValidationError as exc:
        found = problems(exc)
        raise InvalidField(found[0].field, found[0].why, found) from None
    return worker_fields(worker)


def register_worker(session: Session, agency: Agency, fields: WorkerFields, cipher: FieldCipher) -> Worker:
    """Add a worker to ``agency``; Conflict if the agency already has this ID number."""
    digest = cipher.digest(fields.id_number, ID_CONTEXT)
    existing = session.scalar(
        select(Worker.id).where(Worker.agency_id == agency.id, Worker.id_number_digest == digest)
    )
    if existing is not None:
        raise Conflict(f"该身份证号已登记（服务员编号 {existing}）(ID number already registered)",
                       code="duplicate_worker")
    worker = Worker(
        agency_id=agency.id,
        name=fields.name,
        id_number_enc=cipher.encrypt(fields.id_number, ID_CONTEXT),
        id_number_digest=digest,
        phone_enc=cipher.encrypt(fields.phone, PHONE_CONTEXT),
        gender=fields.gender,
        birth_date=fields.birth_date,
        service_types=fields.service_types,
        experience_years=fields.experience_years,
        hometown=fields.hometown,
    )
    if fields.consent_signed_on is not None:
        worker.consent_signed_on = fields.consent_signed_on
        worker.consent_recorded_at = utcnow()
    try:
        with session.begin_nested():
            session.add(worker)
    except IntegrityError:  # the same ID registered concurrently
        raise Conflict("该身份证号已登记 (ID number already registered)", code="duplicate_worker") from None
    return worker


def agency_worker(session: Session, agency: Agency, worker_id: int) -> Worker:
    """The agency's own worker, or NotFound (another agency's worker is not found either)."""
    worker = session.get(Worker, worker_id)
    if worker is None or worker.agency_id != agency.id:
        raise NotFound(f"未找到服务员 {worker_id} (no such worker)", code="worker_not_found")
    return worker


def record_consent(session: Session, worker: Worker, signed_on: dt.date, today: dt.date) -> None:
    """Record the worker's signed consent to publication of her profile (PIPL art. 25)."""
    if signed_on > today:
        raise InvalidField("signed_on", "签署日期不能晚于今天")
    worker.consent_signed_on = signed_on
    worker.consent_recorded_at = utcnow()


def withdraw_consent(session: Session, worker: Worker) -> None:
    """The worker withdrew her consent (PIPL art. 15): her profile is no longer shown to anyone."""
    worker.consent_signed_on = None
    worker.consent_recorded_at = utcnow()


def record_verification(
    session: Session,
    worker: Worker,
    *,
    kind: str,
    status: str,
    document_no: str | None,
    issued_on: dt.date | None,
    expires_on: dt.date | None,
    today: dt.date,
    cipher: FieldCipher,
) -> Verification:
    """Record a check of the worker; the newest of a kind is the one in force."""
    if kind not in VERIFICATION_KINDS:
        raise InvalidField("kind", "应为 " + " / ".join(VERIFICATION_KINDS))
    if status not in VERIFICATION_STATUSES:
        raise InvalidField("status", "应为 " + " / ".join(VERIFICATION_STATUSES))
    if document_no is not None and not 1 <= len(document_no) <= 64:
        raise InvalidField("document_no", "应为1到64个字符")
    if issued_on is not None and issued_on > today:
        raise InvalidField("issued_on", "不能晚于今天")
    if issued_on is not None and expires_on is not None and expires_on < issued_on:
        raise InvalidField("expires_on", "不能早于签发日期")
    if status == "verified" and kind in ("health", "insurance") and expires_on is None:
        raise InvalidField("expires_on", "健康证和保险须填写有效期")
    verification = Verification(
        worker_id=worker.id,
        kind=kind,
        status=status,
        document_no_enc=cipher.encrypt(document_no, DOCUMENT_CONTEXT) if document_no else None,
        issued_on=issued_on,
        expires_on=expires_on,
        checked_on=today,
    )
    session.add(verification)
    session.flush()
    return verification


def decode_image(data: bytes, *, what: str = "照片", max_bytes: int = MAX_PHOTO_BYTES, min_side: int = 32) -> Image.Image:
    """Check that ``data`` is a JPEG, PNG or WebP image by decoding it; the image upright (EXIF orientation
    applied), or BadRequest naming ``what`` in Chinese."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"{what}不能超过{max_bytes // (1024 * 1024)} MiB (image too large)", code="photo_too_large")
    if not data:
        raise BadRequest(f"缺少{what}内容 (empty body)", code="no_photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise BadRequest(f"{what}不是有效的 JPEG、PNG 或 WebP 图片 (not a valid image)", code="bad_photo") from None
    if image_format not in PHOTO_FORMATS:
        raise BadRequest(f"{what}只接受 JPEG、PNG 或 WebP 格式 (JPEG, PNG or WebP only)", code="bad_photo")
    if min(upright.size) < min_side:
        raise BadRequest(f"{what}太小，至少{min_side}×{min_side}像素 (image too small)", code="bad_photo")
    return upright


def set_photo(session: Session, worker: Worker, data: bytes) -> WorkerPhoto:
    """Check that ``data`` is a JPEG, PNG or WebP image by decoding it; store it resized, without EXIF."""
    rgb = decode_image(data).convert("RGB")
    rgb.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=85, optimize=True)  # a fresh JPEG carries no EXIF
    photo = session.get(WorkerPhoto, worker.id)
    if photo is None:
        photo = WorkerPhoto(worker_id=worker.id, content_type="image/jpeg", data=out.getvalue())
        session.add(photo)
    else:
        photo.content_type = "image/jpeg"
        photo.data = out.getvalue()
        photo.updated_at = utcnow()
    session.flush()
    return photo
