"""``digest`` (21:30 local): the day's figures to every bound parent, with a request to rate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.delivery.notify import SEND_WORKERS, send_pending
from bot.diary.digest import queue_digests
from bot.jobs import JobContext, job
from bot.store.retry import retrying

CATCH_UP_BEFORE_HOUR = 6


@job("digest", cron="30 21 * * *")
def digest(ctx: JobContext) -> Mapping[str, Any]:
    """Queue today's digest to every parent of a family with entries today, then send what is due."""
    local = ctx.now.astimezone(ctx.tz)
    # A run in the small hours (a scheduler that missed 21:30, or a manual catch-up) is about the day just ended.
    day = local.date() - dt.timedelta(days=1) if local.hour < CATCH_UP_BEFORE_HOUR else local.date()

    def queue() -> Mapping[str, Any]:
        with ctx.session_factory() as session, session.begin():
            return queue_digests(session, day, ctx.tz, ctx.now)

    # Run again whole if another node's run queued the same digests at the same moment: it then finds them queued.
    queued = retrying(queue, "digest.queue")
    # Everything due at the job's clock goes out, including digests a refused send left for this re-run.
    sent = send_pending(ctx.session_factory, ctx.api, ctx.settings, now=ctx.now, workers=SEND_WORKERS, drain=True)
    return {"day": day.isoformat(), **queued, **sent}
