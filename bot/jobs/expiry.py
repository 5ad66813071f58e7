"""``expiry`` (08:00 local): warn each agency's supervisors 30 days before a check runs out, and when it has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.agency.expiry import queue_expiry_warnings
from bot.delivery.notify import send_pending
from bot.jobs import JobContext, job


@job("expiry", cron="0 8 * * *")
def expiry(ctx: JobContext) -> Mapping[str, Any]:
    """Warn agencies of verifications running out within 30 days or out of date."""
    today = ctx.now.astimezone(ctx.tz).date()
    with ctx.session_factory() as session, session.begin():
        queued = queue_expiry_warnings(session, today, ctx.now)
    return {"today": today.isoformat(), **queued, **send_pending(ctx.session_factory, ctx.api, ctx.settings, now=ctx.now)}
