"""Factories for arranging data in tests: ``make_agency(session)``, ``make_worker(session, agency)``."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from bot.agency.agencies import create_agency
from bot.core.security import FieldCipher
from bot.models import Agency, Worker
from config import settings_for_tests

CIPHER = FieldCipher.from_settings(settings_for_tests())

# Settings a real production start would have: its own credentials, secrets of full strength, the real API.
# Made up here (not secret: no WeChat account has them); tests add them over app_settings to start production.
PRODUCTION = {
    "ANXIN_ENV": "production",
    "ANXIN_WECHAT_APPID": "wx1234567890abcdef", "ANXIN_WECHAT_SECRET": "9f0c2d7e41b8a3665d1e0f2a7c4b9e13",
    "ANXIN_MP_APPID": "wxfedcba0987654321", "ANXIN_MP_SECRET": "3b7e1a9c05d4f2e8a6c0b1d9e7f3a524",
    "ANXIN_WECHAT_API_BASE": "https://api.weixin.qq.com",
    "ANXIN_SECRET_KEY": "Q2m8v-R1xLk0fT7wZp4NcY9sHe3jUa6bVdG5rKi2oPq",
    "ANXIN_WECHAT_TOKEN": "7c1f9a3e5b2d8046e1a9c7f3b5d20e84",
    "ANXIN_DATA_KEY": "kZ7yq1Jm9vR3xT0bN5wC8eH2uL6aF4sD1gP9oK3iM7Q=",
    "ANXIN_WECHAT_AES_KEY": "Xb3nQ7vR1mK9tZ5wL2cY8dH4jF6gA0sE3uP7oN1iB5k",
    "ANXIN_SMS_PROVIDER": "",  # no SMS: the tests' SMS settings name a loopback stand-in, which production refuses
}
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
