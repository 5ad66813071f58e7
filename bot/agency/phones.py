"""Phone numbers in full for the agency's own staff: only with the ``phones`` permission, and every time logged
(``PhoneView``), as a badge lookup is. Domain code: no Flask."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bot.agency.staff import require
from bot.agency.workers import PHONE_CONTEXT
from bot.core.errors import NotFound
from bot.core.security import FieldCipher
from bot.models import PhoneView, Staff, Worker

PAGES = ("worker", "flags")


def log_phone_view(session: Session, staff: Staff, page: str, now: dt.datetime, *, worker_id: int | None = None,
                   engagement_id: int | None = None) -> None:
    """Note that ``staff`` saw these numbers in full on ``page``; Forbidden without the ``phones`` permission."""
    require(staff, "phones")
    assert page in PAGES
    session.add(PhoneView(at=now, staff_id=staff.id, agency_id=staff.agency_id, worker_id=worker_id,
                          engagement_id=engagement_id, page=page))


def worker_phone(session: Session, staff: Staff, worker: Worker, cipher: FieldCipher, now: dt.datetime,
                 page: str = "worker") -> str | None:
    """The worker's phone in full for a colleague of her own agency, logged; None when none was given."""
    if worker.agency_id != staff.agency_id:
        raise NotFound("未找到该服务员", code="worker_not_found")
    log_phone_view(session, staff, page, now, worker_id=worker.id)
    return cipher.decrypt(worker.phone_enc, PHONE_CONTEXT) if worker.phone_enc else None
