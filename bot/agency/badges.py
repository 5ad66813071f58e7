"""Issuing, re-issuing and revoking badges. Domain code: no Flask."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.clock import utcnow
from bot.core.errors import Forbidden, NotFound
from bot.lookup.codes import CodeCheck, check_code, generate_code
from bot.lookup.images import badge_card_png, badge_url
from bot.lookup.profile import mask_name
from bot.models import Agency, Badge, Worker, WorkerPhoto

BADGE_VALIDITY = dt.timedelta(days=730)
NO_CONSENT = "该服务员尚未授权公开，不能打印工牌 (no consent to publication on record)"


def issue_badge(session: Session, worker: Worker, today: dt.date, expires_on: dt.date | None = None) -> Badge:
    """Give the worker a new badge; any badge she still holds is revoked (re-issue)."""
    now = utcnow()
    for old in session.scalars(select(Badge).where(Badge.worker_id == worker.id, Badge.revoked_at.is_(None))):
        old.revoked_at = now
    while True:  # 32^10 codes: a collision is practically impossible, but never reuse one
        code = generate_code()
        if session.scalar(select(Badge.id).where(Badge.code == code)) is None:
            break
    badge = Badge(code=code, worker_id=worker.id, issued_at=now, expires_on=expires_on or today + BADGE_VALIDITY)
    session.add(badge)
    session.flush()
    return badge


def agency_badge(session: Session, agency: Agency, text: str) -> Badge:
    """The agency's own badge by its code (any spelling), or NotFound."""
    check, code = check_code(text)
    badge = None
    if check is CodeCheck.VALID:
        badge = session.scalar(
            select(Badge).join(Worker, Worker.id == Badge.worker_id).where(Badge.code == code,
                                                                           Worker.agency_id == agency.id)
        )
    if badge is None:
        raise NotFound("未找到该工牌 (no such badge)", code="badge_not_found")
    return badge


def revoke_badge(session: Session, badge: Badge) -> None:
    """Revoke the badge; revoking it again changes nothing."""
    if badge.revoked_at is None:
        badge.revoked_at = utcnow()


def badge_card(session: Session, badge: Badge, public_url: str) -> bytes:
    """The printable card of a badge, with its agency's name and logo; Forbidden unless the worker consented to
    publication (PIPL art. 25: a card is shown to strangers)."""
    worker = badge.worker
    if worker.consent_signed_on is None:
        raise Forbidden(NO_CONSENT, code="consent_missing")
    photo = session.get(WorkerPhoto, worker.id)
    return badge_card_png(code=badge.code, masked_name=mask_name(worker.name), agency_name=worker.agency.name,
                          url=badge_url(public_url, badge.code), photo=photo.data if photo else None,
                          service_types=list(worker.service_types or []), logo=worker.agency.logo_png)
