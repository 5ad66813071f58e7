"""Factories for arranging data in tests: ``make_agency(session)``, ``make_worker(session, agency)``."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from bot.models import Agency, Worker
from bot.registry.agencies import create_agency
from bot.security import FieldCipher
from config import settings_for_tests

CIPHER = FieldCipher.from_settings(settings_for_tests())
_serial = itertools.count(1)


def make_agency(session: Session, name: str = "宁波安心家政服务有限公司") -> tuple[Agency, str]:
    """An agency and its API key (committed)."""
    agency, key = create_agency(session, name)
    session.commit()
    return agency, key


def make_worker(session: Session, agency: Agency, **kw: Any) -> Worker:
    """A registered worker with encrypted ID and phone numbers (committed)."""
    n = next(_serial)
    id_number = kw.pop("id_number", f"33020319850612{n:04d}")
    phone = kw.pop("phone", f"1380574{n:04d}")
    worker = Worker(
        agency_id=agency.id,
        name=kw.pop("name", "伍秀芳"),
        id_number_enc=CIPHER.encrypt(id_number, "worker.id_number"),
        id_number_digest=CIPHER.digest(id_number, "worker.id_number"),
        phone_enc=CIPHER.encrypt(phone, "worker.phone"),
        gender=kw.pop("gender", "female"),
        birth_date=kw.pop("birth_date", dt.date(1985, 6, 12)),
        service_types=kw.pop("service_types", ["月嫂"]),
        experience_years=kw.pop("experience_years", 6),
        hometown=kw.pop("hometown", "浙江宁波"),
        **kw,
    )
    session.add(worker)
    session.commit()
    return worker
