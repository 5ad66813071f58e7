"""Agencies, their API keys and their logo."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.agency.workers import decode_image
from bot.core.errors import BadRequest
from bot.core.security import hash_api_key, new_api_key
from bot.models import Agency

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 600  # a logo printed 20 mm high on a 300 dpi card needs 236 px


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


def set_logo(agency: Agency, data: bytes | None) -> None:
    """Keep the agency's logo for its badge cards (re-encoded as PNG, transparency kept); None removes it."""
    if data is None:
        agency.logo_png = None
        return
    image = decode_image(data, what="机构标志", max_bytes=LOGO_MAX_BYTES, min_side=48).convert("RGBA")
    image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    agency.logo_png = out.getvalue()
