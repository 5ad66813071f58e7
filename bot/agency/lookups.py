"""An agency's record of who checked its workers' badges: ``LookupLog`` rows of its workers, by day. Domain code:
no Flask. Who asked is not shown (an openid or an address is the family's, not the agency's, to know)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.agency.listing import MAX_PER_PAGE, Page
from bot.models import Badge, LookupLog, Worker

SURFACE_TEXT = {"chat": "公众号", "web": "网页", "mp": "小程序"}
OUTCOME_TEXT = {"shown": "已显示", "revoked": "工牌已注销", "expired": "工牌已过期", "not_consented": "未授权公开",
                "rate_limited": "查询过频", "paused": "暂停查询", "unknown": "编号不存在", "mistyped": "编号输错",
                "malformed": "编号无效"}


@dataclass(frozen=True)
class LookupRow:
    at: dt.datetime
    worker_id: int
    worker_name: str
    code: str | None
    surface: str
    outcome: str


def agency_lookups(session: Session, agency_id: int, *, since: dt.datetime | None = None,
                   until: dt.datetime | None = None, page: int = 1, per_page: int = 50) -> Page[LookupRow]:
    """Look-ups of the agency's workers, newest first, from ``since`` (included) to ``until`` (excluded)."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    query = (select(LookupLog.at, LookupLog.worker_id, Worker.name, Badge.code, LookupLog.surface, LookupLog.outcome)
             .join(Worker, Worker.id == LookupLog.worker_id).outerjoin(Badge, Badge.id == LookupLog.badge_id)
             .where(Worker.agency_id == agency_id))
    if since is not None:
        query = query.where(LookupLog.at >= since)
    if until is not None:
        query = query.where(LookupLog.at < until)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.execute(query.order_by(LookupLog.at.desc(), LookupLog.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([LookupRow(at, worker_id or 0, name, code, surface, outcome)
                 for at, worker_id, name, code, surface, outcome in rows], total, page, per_page)
