"""Growth in the mini-program: ``GET /mp/v1/engagements/ID/growth``.

Every baby's weight, length and head circumference as the diary recorded them, each with its place among
children of the baby's sex and age, the WHO Child Growth Standards' P3–P97 curves, and the chart as SVG
(``bot.diary.growth_charts``, the same one the day page and the keepsake draw).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.api.schema import ApiResult, Out, operation
from bot.core.clock import utcnow
from bot.diary.growth_charts import as_json, growth
from bot.store.db import get_session
from miniprogram_api import bp
from miniprogram_api.auth import login_required
from miniprogram_api.diary import AUTHED, _binding, _tz


class MeasurementOut(Out):
    date: str = Field(description="YYYY-MM-DD（本地日期）")
    value: float = Field(description="以 unit 为单位")
    age_days: int | None = Field(description="出生后第几天；未登记出生日期时为 null")
    percentile: float | None = Field(description="在同性别同日龄儿童中的百分位（0–100）；性别或出生日期未知、或超过13周时为 null")
    birth: bool = Field(description="true：机构登记的出生体重，不是日记记录")


class GrowthChartOut(Out):
    indicator: Literal["weight_kg", "length_cm", "head_cm"]
    label: str
    unit: str
    measurements: list[MeasurementOut]
    percentiles: dict[str, dict[str, list[list[float]]]] = Field(
        description="性别（male/female）→ P3/P15/P50/P85/P97 → [[周龄, 值], …]；性别未知时两种都给")
    notes: list[str]
    svg: str = Field(description="图表（SVG），无出生日期时为空")


class BabyGrowthOut(Out):
    baby_id: int | None
    label: str
    sex: Literal["male", "female"] | None
    born_on: str | None
    charts: list[GrowthChartOut]


class GrowthOut(Out):
    babies: list[BabyGrowthOut]
    standard: str
    sources: dict[str, dict[str, object]]


@bp.get("/engagements/<id:engagement_id>/growth")
@login_required
@operation(responses={200: GrowthOut}, errors=(*AUTHED, 404))
def growth_view(engagement_id: int) -> ApiResult:
    """宝宝的体重、身长、头围，对照 WHO 儿童生长标准（P3–P97），含 SVG 图表"""
    engagement = _binding(engagement_id).engagement
    tz = _tz()
    babies = growth(get_session(), engagement, tz, until=utcnow().astimezone(tz).date())
    return GrowthOut.model_validate(as_json(babies))
