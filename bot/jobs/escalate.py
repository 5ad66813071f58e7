"""``escalate`` (every minute): urgent flags no parent acknowledged are sent again, to the supervisors and by SMS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.delivery.notify import SEND_WORKERS, send_pending, sms_reach
from bot.diary.alerts import escalate as escalate_flags
from bot.diary.alerts import text_unreached
from bot.jobs import JobContext, job
from bot.store.retry import retrying


@job("escalate", every_minutes=1, lease=dt.timedelta(minutes=3))
def escalate(ctx: JobContext) -> Mapping[str, Any]:
    """Send again, and to the supervisors, urgent flags unacknowledged for ANXIN_ESCALATE_MINUTES."""
    after = dt.timedelta(minutes=float(ctx.settings["ANXIN_ESCALATE_MINUTES"]))
    reach = sms_reach(ctx.settings)

    def queue() -> dict[str, int]:
        with ctx.session_factory() as session, session.begin():
            found = escalate_flags(session, ctx.now, after, ctx.tz, sms=reach)
            if reach is not None:  # families no WeChat channel reaches: by SMS at once, not after a round
                found["sms"] += text_unreached(session, ctx.now, ctx.tz, reach)
            return found

    # The flags' row locks hold on one Galera node only: another node's run escalating the same flag makes this
    # one fail at COMMIT, and run again it finds the flag escalated this round.
    counts = retrying(queue, "escalate.queue")
    if counts["queued"] or counts["sms"]:
        counts.update(send_pending(ctx.session_factory, ctx.api, ctx.settings, now=ctx.now, workers=SEND_WORKERS,
                                   drain=True))
    return counts
