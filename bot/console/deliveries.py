"""``/console/deliveries``: what the agency's notices did per channel and period — sent, refused, failed, pending."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask.typing import ResponseReturnValue

from bot.console import bp, current_agency, needs, today, tz
from bot.core.clock import utcnow
from bot.diary.reach import CHANNELS, REACH_WITHIN, delivery_counts, unreached_flags
from bot.store.db import get_session

CHANNEL_TEXT = {"custom": "客服消息", "template": "模板消息", "subscribe": "订阅消息", "sms": "短信"}
PERIODS = {"today": "今天", "24h": "最近24小时", "7d": "最近7天", "30d": "最近30天"}


def _period(name: str) -> tuple[dt.datetime, dt.datetime]:
    now = utcnow()
    if name == "today":
        return dt.datetime.combine(today(), dt.time(), tzinfo=tz()).astimezone(dt.UTC), now
    days = {"7d": 7, "30d": 30}.get(name, 1)
    return now - dt.timedelta(days=days), now


@bp.get("/deliveries")
@needs("flags")
def deliveries() -> ResponseReturnValue:
    """Per channel and period: sent, refused, failed and pending; urgent flags whose family heard nothing."""
    period = request.args.get("period", "24h")
    if period not in PERIODS:
        period = "24h"
    since, until = _period(period)
    db = get_session()
    agency = current_agency()
    counts = [c for c in delivery_counts(db, agency.id, since, until) if c.channel in CHANNELS]
    unreached = unreached_flags(db, agency.id, utcnow())
    return render_template("console/deliveries.html", counts=counts, channel_text=CHANNEL_TEXT, periods=PERIODS,
                           period=period, since=since, until=until, unreached=unreached,
                           reach_minutes=int(REACH_WITHIN.total_seconds() // 60))
