"""Notifications in the mini-program: what the user accepted to receive, and tapping an urgent flag.

``POST /mp/v1/subscriptions {"accepted": [TEMPLATE_ID, ...]}``: after
``wx.requestSubscribeMessage``, the templates the user allowed (one message each);
``POST /mp/v1/flags/ID/ack``: a parent opened the flag in the mini-program, which
acknowledges it for the family (it stops escalating).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from bot.api.schema import ApiResult, operation
from bot.core.clock import utcnow
from bot.core.errors import Forbidden, NotFound
from bot.diary.alerts import acknowledge_by_family
from bot.diary.engagements import PARENT, role_in
from bot.models import DiaryFlag
from bot.outbox.subscriptions import record_grants
from bot.store.db import get_session
from miniprogram_api import bp
from miniprogram_api.auth import current_openid, login_required
from miniprogram_api.models import FlagAckOut, SubscriptionsIn, SubscriptionsOut

AUTHED = (401, 429)


def _templates() -> set[str]:
    config = current_app.config
    return {t for t in (config.get("ANXIN_MP_TEMPLATE_FLAG"), config.get("ANXIN_MP_TEMPLATE_DIGEST")) if t}


@bp.post("/subscriptions")
@login_required
@operation(body=SubscriptionsIn, responses={200: SubscriptionsOut}, errors=(*AUTHED,))
def subscriptions(body: SubscriptionsIn) -> ApiResult:
    """记录用户在 wx.requestSubscribeMessage 中允许的订阅消息（一次性订阅，每次允许可收到一条）"""
    known = _templates()
    # An id this server does not send with (another app's, an old one) is reported back, never counted.
    ignored = sorted({t for t in body.accepted if t not in known})
    session = get_session()
    remaining = record_grants(session, current_openid(), [t for t in body.accepted if t in known], utcnow())
    session.commit()
    return SubscriptionsOut(remaining=remaining, ignored=ignored)


@bp.post("/flags/<id:flag_id>/ack")
@login_required
@operation(responses={200: FlagAckOut}, errors=(*AUTHED, 403, 404))
def ack_flag(flag_id: int) -> ApiResult:
    """家属在小程序中查看了紧急提醒：确认收到（不再升级提醒）"""
    session = get_session()
    flag = session.get(DiaryFlag, flag_id, with_for_update=True)
    openid = current_openid()
    role = role_in(session, flag.engagement_id, openid) if flag is not None else None
    if flag is None or role is None:
        raise NotFound("提醒不存在 (no such flag)", code="flag_not_found")
    if role != PARENT:
        raise Forbidden("只有家属可以确认提醒 (only the family acknowledges)", code="not_parent")
    acknowledge_by_family(session, flag, openid, "miniprogram", utcnow())
    session.commit()
    assert flag.family_acknowledged_at is not None
    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    return FlagAckOut(id=flag.id, acknowledged_at=flag.family_acknowledged_at.astimezone(tz))
