"""Agency routes for badges: revoke, how often checked, the printable card."""

from __future__ import annotations

from flask import Response, current_app
from sqlalchemy import func, select

from bot.admin import bp, current_agency
from bot.admin.models import BadgeStats, RevokedOut
from bot.agency.badges import agency_badge, revoke_badge
from bot.agency.badges import badge_card as card_png
from bot.api.schema import ApiResult, operation
from bot.lookup.codes import format_code
from bot.models import LookupLog
from bot.store.db import get_session


@bp.delete("/badges/<code>")
@operation(responses={200: RevokedOut}, errors=(404,))
def delete_badge(code: str) -> ApiResult:
    """注销工牌：此后核验显示红码"""
    session = get_session()
    badge = agency_badge(session, current_agency(), code)
    revoke_badge(session, badge)
    session.commit()
    return RevokedOut(code=format_code(badge.code), revoked=True)


@bp.get("/badges/<code>/stats")
@operation(responses={200: BadgeStats}, errors=(404,))
def badge_stats(code: str) -> ApiResult:
    """工牌被核验的次数：合计、按渠道、按结果，以及最近一次"""
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
    return BadgeStats(code=format_code(badge.code), lookups=sum(by_surface.values()), by_surface=by_surface,
                      by_outcome=by_outcome, last_lookup_at=last, revoked=badge.revoked_at is not None)


@bp.get("/badges/<code>/card.png")
@operation(responses={200: "image/png"}, errors=(403, 404))
def badge_card(code: str) -> ApiResult:
    """可打印的工牌卡片（PNG）"""
    session = get_session()
    png = card_png(session, agency_badge(session, current_agency(), code), current_app.config["ANXIN_PUBLIC_URL"])
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
