"""``evaluation`` (10:00 local): ask the family of every engagement that ended for its final evaluation, once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.delivery.notify import SEND_WORKERS, send_pending
from bot.diary.closing import queue_requests
from bot.jobs import JobContext, job


@job("evaluation", cron="0 10 * * *")
def evaluation(ctx: JobContext) -> Mapping[str, Any]:
    """Queue the request for a final evaluation to each family member of an ended engagement, then send what is due."""
    today = ctx.now.astimezone(ctx.tz).date()
    with ctx.session_factory() as session, session.begin():
        queued = queue_requests(session, today, ctx.tz, ctx.now)
    sent = send_pending(ctx.session_factory, ctx.api, ctx.settings, now=ctx.now, workers=SEND_WORKERS, drain=True)
    return {"day": today.isoformat(), **queued, **sent}
