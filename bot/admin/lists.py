"""Lists for machines and for the console alike: ``GET /admin/v1/workers`` and ``GET /admin/v1/engagements``."""

from __future__ import annotations

import datetime as dt
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app

from bot.admin import bp, current_agency
from bot.admin.models import (
    BabyOut,
    EngagementItem,
    EngagementList,
    EngagementListQuery,
    Light,
    WorkerList,
    WorkerListItem,
    WorkerListQuery,
)
from bot.agency.listing import find_workers
from bot.agency.periods import day_span
from bot.api.schema import ApiResult, operation
from bot.diary.phones import masked_phones
from bot.diary.roster import EngagementRow, find_engagements
from bot.lookup.codes import format_code
from bot.lookup.profile import local_today
from bot.models import Baby
from bot.store.db import get_session


def _today() -> dt.date:
    return local_today(current_app.config["ANXIN_TIMEZONE"])


@bp.get("/workers")
@operation(query=WorkerListQuery, responses={200: WorkerList})
def list_workers(query: WorkerListQuery) -> ApiResult:
    """服务员列表：?q=姓名或工牌编号&light=green|yellow|red&from=&to=（登记日期）&page=1&per_page=20（最新登记的在前）"""
    since, until = day_span(query.since, query.until, ZoneInfo(current_app.config["ANXIN_TIMEZONE"]))
    found = find_workers(get_session(), current_agency().id, _today(), q=query.q, light=query.light,
                         page=query.page, per_page=query.per_page, since=since, until=until)
    return WorkerList(
        workers=[WorkerListItem(id=w.id, name=w.name, gender=w.gender, service_types=w.service_types,
                                experience_years=w.experience_years, light=cast(Light, w.light), consented=w.consented,
                                badge_code=format_code(w.badge_code) if w.badge_code else None,
                                credit_grade=w.credit_grade) for w in found.items],
        total=found.total, page=found.page, per_page=found.per_page, pages=found.pages,
    )


def baby_out(baby: Baby, tz: ZoneInfo) -> BabyOut:
    return BabyOut(position=baby.position, nickname=baby.nickname, sex=baby.sex,
                   born_at=baby.born_at.astimezone(tz) if baby.born_at is not None else None, born_on=baby.born_on,
                   gestation_weeks=baby.gestation_weeks, birth_weight_g=baby.birth_weight_g,
                   risk_factors=None if baby.risk_factors is None else [r for r in baby.risk_factors.split(",") if r])


def _item(row: EngagementRow, tz: ZoneInfo) -> EngagementItem:
    e = row.engagement
    return EngagementItem(
        id=e.id, worker_id=e.worker_id, worker_name=row.worker_name, family_name=e.family_name, starts_on=e.starts_on,
        ends_on=e.ends_on, state=row.state, babies=[baby_out(b, tz) for b in row.babies],
        nurse_bound=row.nurse_bound, parents_bound=row.parents, open_flags=row.open_flags,
        family_phones=masked_phones(e, current_app.extensions["anxin_cipher"]),
    )


@bp.get("/engagements")
@operation(query=EngagementListQuery, responses={200: EngagementList})
def list_engagements(query: EngagementListQuery) -> ApiResult:
    """上户列表：?state=active|upcoming|ended&worker_id=&q=家庭名称&from=&to=（服务期与之重叠）&page=1&per_page=20"""
    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    found = find_engagements(get_session(), current_agency().id, _today(), state=query.state, worker_id=query.worker_id,
                             q=query.q, page=query.page, per_page=query.per_page, since=query.since, until=query.until)
    return EngagementList(engagements=[_item(r, tz) for r in found.items], total=found.total, page=found.page,
                          per_page=found.per_page, pages=found.pages)
