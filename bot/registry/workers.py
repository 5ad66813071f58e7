"""Registering workers, their verifications, consent and photo. Domain code: no Flask.

Every function validates all of its input before it writes anything; a bad value
raises :class:`InvalidField` (a 400 naming the field). ID, phone and document
numbers are stored only as AES-GCM ciphertext and are never returned.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from bot.models import VERIFICATION_KINDS, VERIFICATION_STATUSES, Agency, Verification, Worker, WorkerPhoto
from bot.security import FieldCipher

GENDERS = {"female": "female", "male": "male", "女": "female", "男": "male", "f": "female", "m": "male"}
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PHONE = re.compile(r"1[3-9]\d{9}")
_NAME = re.compile(r"[\u3400-\u9fff\u00b7·A-Za-z ]{2,20}")
_SERVICE_SPLIT = re.compile(r"[、,，;；|/]")

ID_CONTEXT = "worker.id_number"
PHONE_CONTEXT = "worker.phone"
DOCUMENT_CONTEXT = "verification.document_no"


class InvalidField(BadRequest):
    """A bad value of one named field."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"字段 {field} 无效：{why} (invalid {field})", code="invalid_field")
        self.field = field
        self.why = why


class MissingField(InvalidField):
    def __init__(self, field: str) -> None:
        BadRequest.__init__(self, f"缺少字段 {field} (missing field {field})", code="missing_field")
        self.field = field
        self.why = "缺少"


def id_check_symbol(first17: str) -> str:
    """The check symbol (0-9 or X, GB 11643) that completes 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_valid(value: str) -> bool:
    """A mainland resident ID number: 17 digits and the ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    return id_check_symbol(value[:17]) == value[17]


def _birth_date_in_id(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


# -- reading fields from JSON (typed) or from a spreadsheet (mostly text) ----------------

def _text(data: Mapping[str, Any], name: str, *, required: bool = True, max_len: int = 50) -> str | None:
    value = data.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MissingField(name)
        return None
    if not isinstance(value, str):
        raise InvalidField(name, "应为文字")
    value = value.strip()
    if len(value) > max_len:
        raise InvalidField(name, f"不能超过{max_len}个字")
    return value


def _date(data: Mapping[str, Any], name: str, *, required: bool = True) -> dt.date | None:
    value = data.get(name)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(data, name, required=required, max_len=10)
    if text is None:
        return None
    # ISO dates, and the 1985/6/12 that Excel in China writes into a CSV.
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])) if match else dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidField(name, "应为日期 YYYY-MM-DD") from None


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


WORKER_FIELDS = ("name", "id_number", "phone", "gender", "birth_date", "service_types", "experience_years",
                 "hometown", "consent_signed_on")


def parse_worker(data: Mapping[str, Any], today: dt.date, *, spreadsheet: bool = False) -> WorkerFields:
    """Validate a worker's fields; raise InvalidField naming the field.

    JSON from the API must be typed (a list of service types, a number of years);
    a ``spreadsheet`` row may give them as text (``月嫂、育婴师``, ``6``).
    """
    unknown = sorted(set(data) - set(WORKER_FIELDS))
    if unknown:
        raise BadRequest(f"未知字段 {', '.join(unknown)} (unknown fields)", code="unknown_field")
    name = _text(data, "name", max_len=20)
    assert name is not None
    if not _NAME.fullmatch(name):
        raise InvalidField("name", "应为2到20个汉字或字母")
    raw_id = data.get("id_number")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        # A spreadsheet that stored the ID as a number has already lost its last digits.
        raise InvalidField("id_number", "身份证号须为文本格式，不能是数字")
    id_number = (_text(data, "id_number", max_len=18) or "").upper()
    if not id_number_valid(id_number):
        raise InvalidField("id_number", "应为18位居民身份证号码，且校验位正确")
    phone = _text(data, "phone", max_len=11) or ""
    if not _PHONE.fullmatch(phone):
        raise InvalidField("phone", "应为11位手机号码")
    gender_text = (_text(data, "gender", max_len=8) or "").lower()
    if gender_text not in GENDERS:
        raise InvalidField("gender", "应为 female / male（女 / 男）")
    birth_date = _date(data, "birth_date")
    assert birth_date is not None
    if birth_date != _birth_date_in_id(id_number):
        raise InvalidField("birth_date", "与身份证号中的出生日期不一致")
    if not dt.date(today.year - 80, 1, 1) <= birth_date <= dt.date(today.year - 16, 12, 31):
        raise InvalidField("birth_date", "年龄应在16到80岁之间")
    raw_types = data.get("service_types")
    if spreadsheet and isinstance(raw_types, str):
        raw_types = [t for t in _SERVICE_SPLIT.split(raw_types) if t.strip()]
    if not isinstance(raw_types, list) or not raw_types:
        raise InvalidField("service_types", "应为至少一项服务类型的列表，如 [\"月嫂\", \"育婴师\"]")
    if len(raw_types) > 10 or not all(isinstance(t, str) and 0 < len(t.strip()) <= 20 for t in raw_types):
        raise InvalidField("service_types", "最多10项，每项不超过20个字")
    raw_years = data.get("experience_years")
    if spreadsheet and isinstance(raw_years, str) and raw_years.strip().isdigit():
        raw_years = int(raw_years.strip())
    elif spreadsheet and isinstance(raw_years, float) and raw_years.is_integer():
        raw_years = int(raw_years)
    if raw_years is None or raw_years == "":
        raise MissingField("experience_years")
    if isinstance(raw_years, bool) or not isinstance(raw_years, int) or not 0 <= raw_years <= 60:
        raise InvalidField("experience_years", "应为0到60之间的整数")
    hometown = _text(data, "hometown", required=False, max_len=50)
    consent = _date(data, "consent_signed_on", required=False)
    if consent is not None and consent > today:
        raise InvalidField("consent_signed_on", "不能晚于今天")
    return WorkerFields(
        name=name, id_number=id_number, phone=phone, gender=GENDERS[gender_text], birth_date=birth_date,
        service_types=[t.strip() for t in raw_types], experience_years=raw_years, hometown=hometown,
        consent_signed_on=consent,
    )


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


def set_photo(session: Session, worker: Worker, data: bytes) -> WorkerPhoto:
    """Check that ``data`` is a JPEG, PNG or WebP image by decoding it; store it resized, without EXIF."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PayloadTooLarge("照片不能超过5 MiB (photo over 5 MiB)", code="photo_too_large")
    if not data:
        raise BadRequest("缺少照片内容 (empty body)", code="no_photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                rgb = upright.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise BadRequest("照片不是有效的 JPEG、PNG 或 WebP 图片 (not a valid image)", code="bad_photo") from None
    if image_format not in PHOTO_FORMATS:
        raise BadRequest("照片只接受 JPEG、PNG 或 WebP 格式 (JPEG, PNG or WebP only)", code="bad_photo")
    if min(rgb.size) < 32:
        raise BadRequest("照片太小，至少32×32像素 (photo too small)", code="bad_photo")
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
