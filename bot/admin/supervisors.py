"""Supervisors and expiring checks: ``POST /admin/v1/supervisor-codes``, ``GET /admin/v1/supervisors``,
``GET /admin/v1/expiring?days=30``.

A supervisor code is single use: sent in chat as ``绑定 CODE``, it makes the sender a
supervisor of the agency, who then hears of expiring checks and diary flags.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from bot.admin import bp, current_agency
from bot.admin.models import (
    Empty,
    ExpiringItem,
    ExpiringList,
    ExpiringQuery,
    RemovedOut,
    SupervisorCode,
    SupervisorList,
    SupervisorOut,
)
from bot.agency.expiry import expiring, warnings_queued
from bot.agency.supervisors import issue_supervisor_code, list_supervisors, mask_openid, remove_supervisor
from bot.api.schema import ApiResult, operation
from bot.core.clock import utcnow
from bot.lookup.credit import KIND_LABELS
from bot.lookup.profile import local_today
from bot.store.db import get_session


@bp.post("/supervisor-codes")
@operation(body=Empty, body_optional=True, responses={201: SupervisorCode})
def create_supervisor_code(body: Empty) -> ApiResult:
    """主管绑定码（一次有效）：主管在公众号发送“绑定 CODE” → 201 {"code"}"""
    session = get_session()
    row = issue_supervisor_code(session, current_agency(), utcnow())
    session.commit()
    return SupervisorCode(code=row.code), 201


@bp.get("/supervisors")
@operation(responses={200: SupervisorList})
def supervisors() -> ApiResult:
    """本机构已绑定的主管"""
    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    rows = list_supervisors(get_session(), current_agency().id)
    return SupervisorList(supervisors=[
        SupervisorOut(id=s.id, openid=mask_openid(s.openid), bound_at=s.bound_at.astimezone(tz)) for s in rows
    ])


@bp.delete("/supervisors/<id:supervisor_id>")
@operation(responses={200: RemovedOut}, errors=(404,))
def delete_supervisor(supervisor_id: int) -> ApiResult:
    """移除主管（如已离职）：此后不再向其发送提醒"""
    session = get_session()
    removed = remove_supervisor(session, current_agency().id, supervisor_id)
    session.commit()
    return RemovedOut(id=removed.id, removed=True)


@bp.get("/expiring")
@operation(query=ExpiringQuery, responses={200: ExpiringList})
def expiring_checks(query: ExpiringQuery) -> ApiResult:
    """已过期或将在 days 天内（默认 30）到期的核验，日期早的在前"""
    days = query.days
    today = local_today(current_app.config["ANXIN_TIMEZONE"])
    session = get_session()
    items = expiring(session, today, days, agency_id=current_agency().id)
    warned = warnings_queued(session, [i.verification.id for i in items])
    return ExpiringList(today=today, days=days, verifications=[
        ExpiringItem(
            verification_id=i.verification.id, worker_id=i.worker.id, worker_name=i.worker.name,
            kind=i.verification.kind, label=KIND_LABELS[i.verification.kind],
            expires_on=i.verification.expires_on, days_left=i.days_left(today),
            state="expired" if i.days_left(today) < 0 else "expiring",
            warnings_queued=sorted(warned[i.verification.id]),
        )
        for i in items
    ])
