"""``GET /admin/v1/agency``: which agency this key belongs to (a first call to try a key)."""

from __future__ import annotations

from bot.admin import bp, current_agency
from bot.admin.models import AgencyOut
from bot.api.schema import ApiResult, operation


@bp.get("/agency")
@operation(responses={200: AgencyOut})
def who_am_i() -> ApiResult:
    """这个密钥属于哪家机构"""
    agency = current_agency()
    return AgencyOut(id=agency.id, name=agency.name)
