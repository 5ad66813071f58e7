"""``reminders`` (every 30 minutes): a gentle nudge to a nurse whose diary is quiet for 4 daytime hours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.delivery.notify import send_pending
from bot.diary.reminders import queue_reminders
from bot.jobs import JobContext, job


@job("reminders", every_minutes=30)
def reminders(ctx: JobContext) -> Mapping[str, Any]:
    """Nudge nurses whose diary has had no entry for 4 daytime hours."""
    with ctx.session_factory() as session, session.begin():
        queued = queue_reminders(session, ctx.now, ctx.tz)
    return {**queued, **send_pending(ctx.session_factory, ctx.api, ctx.settings, now=ctx.now)}
