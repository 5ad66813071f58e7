"""Agencies and their API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import BadRequest
from bot.core.security import hash_api_key, new_api_key
from bot.models import Agency


def create_agency(session: Session, name: str) -> tuple[Agency, str]:
    """Make an agency; return it and its API key (shown once, stored only hashed)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise BadRequest("机构名称不能为空，且不超过100个字 (agency name: 1-100 characters)")
    key = new_api_key()
    agency = Agency(name=name, api_key_hash=hash_api_key(key))
    session.add(agency)
    session.flush()
    return agency, key


def agency_for_key(session: Session, key: str) -> Agency | None:
    """The agency whose API key this is, if any."""
    if not key or len(key) > 200:
        return None
    return session.scalar(select(Agency).where(Agency.api_key_hash == hash_api_key(key)))
