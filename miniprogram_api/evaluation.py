"""The family's final evaluation in the mini-program, once the engagement ended (``bot.diary.closing``).

``GET /mp/v1/engagements/ID/evaluation``: the dimensions to give stars on, the days it may be given, and the
caller's own evaluation if any; ``PUT`` the same path ``{"stars": {"attitude": 5, ...}, "comment"}`` gives or
replaces it (201 new, 200 replaced). The same function as ``评价`` in chat.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from flask import current_app
from pydantic import Field, StringConstraints

from bot.api.schema import ApiResult, In, Out, operation
from bot.core.clock import utcnow
from bot.diary import closing
from bot.models import FinalEvaluation
from bot.store.db import get_session
from miniprogram_api import bp
from miniprogram_api.auth import current_openid, login_required
from miniprogram_api.diary import _binding, local
from miniprogram_api.models import Stars

AUTHED = (401, 429)
_KEYS = "、".join(f"{d.key}（{d.label}）" for d in closing.DIMENSIONS)


class DimensionOut(Out):
    key: str
    label: str = Field(description="这一项的名称，如 服务态度")
    hint: str = Field(description="这一项评价什么")


class MyEvaluation(Out):
    stars: dict[str, int] = Field(description="每项的星级（1–5），键同 dimensions[].key")
    average: float
    comment: str | None
    at: dt.datetime


class EvaluationOut(Out):
    dimensions: list[DimensionOut] = Field(description="按顺序给每项打 1–5 星（GB/T 31771-2024 服务结束评价）")
    opens_on: dt.date = Field(description="可以评价的第一天（服务最后一天）")
    closes_on: dt.date = Field(description="可以评价的最后一天")
    open: bool = Field(description="今天能否评价")
    mine: MyEvaluation | None = Field(description="我已给出的评价；没有则为 null")


class EvaluationIn(In):
    stars: dict[str, Stars] = Field(description=f"每项 1–5 星，键为：{_KEYS}；每项都要有")
    comment: Annotated[str, StringConstraints(max_length=closing.MAX_COMMENT)] | None = None


def _mine(evaluation: FinalEvaluation | None, tz: ZoneInfo) -> MyEvaluation | None:
    if evaluation is None:
        return None
    return MyEvaluation(stars={k: int(v) for k, v in evaluation.stars.items()}, average=evaluation.average,
                        comment=evaluation.comment, at=local(evaluation.at, tz))


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["ANXIN_TIMEZONE"])


@bp.get("/engagements/<id:engagement_id>/evaluation")
@login_required
@operation(responses={200: EvaluationOut}, errors=(*AUTHED, 404))
def get_evaluation(engagement_id: int) -> ApiResult:
    """服务结束评价：要评价的各项、可评价的日期，以及我已给出的评价"""
    binding = _binding(engagement_id)
    tz = _tz()
    opens, closes = closing.window(binding.engagement)
    today = utcnow().astimezone(tz).date()
    mine = closing.evaluation_of(get_session(), engagement_id, current_openid())
    return EvaluationOut(dimensions=[DimensionOut(key=d.key, label=d.label, hint=d.hint) for d in closing.DIMENSIONS],
                         opens_on=opens, closes_on=closes, open=opens <= today <= closes, mine=_mine(mine, tz))


@bp.put("/engagements/<id:engagement_id>/evaluation")
@login_required
@operation(body=EvaluationIn, responses={201: MyEvaluation, 200: MyEvaluation}, errors=(*AUTHED, 403, 404, 409))
def put_evaluation(engagement_id: int, body: EvaluationIn) -> ApiResult:
    """家人在服务结束后为月嫂做总体评价（每项 1–5 星和评语；再评一次即替换自己的）"""
    binding = _binding(engagement_id)
    session = get_session()
    tz = _tz()
    evaluation, replaced = closing.evaluate(session, binding.engagement, current_openid(), binding.role, body.stars,
                                            body.comment, utcnow(), tz, "miniprogram")
    out = _mine(evaluation, tz)
    assert out is not None
    session.commit()
    return out, (200 if replaced else 201)
