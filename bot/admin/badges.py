"""Agency routes for badges: revoke, how often checked, the printable card."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from sqlalchemy import func, select

from bot.admin import bp, current_agency
from bot.db import get_session
from bot.errors import Forbidden
from bot.lookup.codes import format_code
from bot.lookup.images import badge_card_png, badge_url
from bot.lookup.profile import mask_name
from bot.models import LookupLog, WorkerPhoto
from bot.registry.badges import agency_badge, revoke_badge


@bp.delete("/badges/<code>")
def delete_badge(code: str):  # type: ignore[no-untyped-def]
    """Revoke the badge: its lookups answer red from now on."""
    session = get_session()
    badge = agency_badge(session, current_agency(), code)
    revoke_badge(session, badge)
    session.commit()
    return jsonify({"code": format_code(badge.code), "revoked": True})


@bp.get("/badges/<code>/stats")
def badge_stats(code: str):  # type: ignore[no-untyped-def]
    """How often the badge was checked: in all, by surface and by outcome, and when last."""
    session = get_session()
    badge = agency_badge(session, current_agency(), code)
    rows = session.execute(
        select(LookupLog.surface, LookupLog.outcome, func.count(LookupLog.id), func.max(LookupLog.at))
        .where(LookupLog.badge_id == badge.id)
        .group_by(LookupLog.surface, LookupLog.outcome)
    ).all()
    by_surface: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    last = None
    for surface, outcome, count, at in rows:
        by_surface[surface] = by_surface.get(surface, 0) + count
        by_outcome[outcome] = by_outcome.get(outcome, 0) + count
        last = at if last is None or (at is not None and at > last) else last
    return jsonify({
        "code": format_code(badge.code),
        "lookups": sum(by_surface.values()),
        "by_surface": by_surface,
        "by_outcome": by_outcome,
        "last_lookup_at": last.isoformat() if last else None,
        "revoked": badge.revoked_at is not None,
    })


@bp.get("/badges/<code>/card.png")
def badge_card(code: str):  # type: ignore[no-untyped-def]
    """The printable badge card (PNG) for the worker to wear."""
    session = get_session()
    badge = agency_badge(session, current_agency(), code)
    worker = badge.worker
    if worker.consent_signed_on is None:  # PIPL art. 25: nothing to show a stranger without it
        raise Forbidden("该服务员尚未授权公开，不能打印工牌 (no consent to publication on record)", code="consent_missing")
    photo = session.get(WorkerPhoto, worker.id)
    png = badge_card_png(
        code=badge.code,
        masked_name=mask_name(worker.name),
        agency_name=worker.agency.name,
        url=badge_url(current_app.config["ANXIN_PUBLIC_URL"], badge.code),
        photo=photo.data if photo else None,
        service_types=list(worker.service_types or []),
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
